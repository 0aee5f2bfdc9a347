"""Catalog-membership backends (SPEC §6): which course runs are in a customer's catalogs, one call per request."""

import logging
from abc import ABC, abstractmethod

import requests
from django.core.exceptions import ValidationError
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from . import app_settings
from .exceptions import BackendUnavailable

logger = logging.getLogger(__name__)

CONTENT_FILTER_KEYS = ("course_run_ids", "course_keys", "orgs")


def validate_content_filter(content_filter):
    """A content filter is a dict whose only keys are CONTENT_FILTER_KEYS, each a list of strings."""
    if not isinstance(content_filter, dict):
        raise ValidationError({"content_filter": 'Must be a JSON object, e.g. {"orgs": ["edX"]}; {} = all content.'})
    unknown = sorted(set(content_filter) - set(CONTENT_FILTER_KEYS))
    if unknown:
        raise ValidationError(
            {"content_filter": f"Unknown key(s) {unknown}; allowed: {', '.join(CONTENT_FILTER_KEYS)}."}
        )
    for key, values in content_filter.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValidationError({"content_filter": f'"{key}" must be a list of strings.'})


def course_key_of_run(course_run_id):
    """'course-v1:Org+Course+Run' → 'Org+Course' (the catalog 'course key'); None if unparsable."""
    try:
        key = CourseKey.from_string(course_run_id)
    except InvalidKeyError:
        return None
    return f"{key.org}+{key.course}"


def _normalise_course_key(value):
    """Accept 'Org+Course' or 'course-v1:Org+Course' in a content filter."""
    return value.split(":", 1)[1] if value.startswith("course-v1:") else value


def filter_matches(content_filter, course_run_id):
    """True if `course_run_id` is selected by one catalog's `content_filter` ({} selects everything)."""
    if not content_filter:
        return True
    if course_run_id in content_filter.get("course_run_ids", ()):
        return True
    course_key = course_key_of_run(course_run_id)
    if course_key is None:
        return False
    if course_key in {_normalise_course_key(k) for k in content_filter.get("course_keys", ())}:
        return True
    return course_key.split("+", 1)[0] in content_filter.get("orgs", ())


class CatalogBackend(ABC):
    """
    Base class: answer which of a set of course runs are in a customer's catalogs.

    A new instance serves one request (see get_catalog_backend()): `contains` is called once with every distinct
    course run of the request, then `explain_missing` for each run it left out, so state may be kept in between.
    """

    @abstractmethod
    def contains(self, customer, course_run_ids):
        """Return the subset of `course_run_ids` in `customer`'s catalogs. Raise BackendUnavailable if unreachable."""

    def explain_missing(self, customer, course_run_id):
        """Human text for an item whose course run is not in the catalog (the item's `detail`)."""
        return f"Course run {course_run_id} is not in any catalog of enterprise customer {customer.slug}."


class AllowAllCatalogBackend(CatalogBackend):
    """Every course run is in every customer's catalog (quick starts and tests)."""

    def contains(self, customer, course_run_ids):
        return set(course_run_ids)


class LocalCatalogBackend(CatalogBackend):
    """The customer's EnterpriseCustomerCatalog rows, evaluated in-process with one query."""

    def __init__(self):
        self._catalog_counts = {}

    def contains(self, customer, course_run_ids):
        filters = list(customer.catalogs.values_list("content_filter", flat=True))
        self._catalog_counts[customer.pk] = len(filters)
        return {run for run in course_run_ids if any(filter_matches(f or {}, run) for f in filters)}

    def explain_missing(self, customer, course_run_id):
        if customer.pk not in self._catalog_counts:
            # Only when called without contains() first; contains() already counted the catalogs.
            self._catalog_counts[customer.pk] = customer.catalogs.count()
        if self._catalog_counts[customer.pk] == 0:
            return (
                f"Enterprise customer {customer.slug} has no catalog, so it contains no content. "
                "Add an EnterpriseCustomerCatalog in the Django admin ({} = all content)."
            )
        return super().explain_missing(customer, course_run_id)


LOCAL_BACKEND_PATH = "enterprise_enroll.catalog.LocalCatalogBackend"


def _unavailable(detail, hint, error_class=BackendUnavailable):
    return error_class(f"{detail} Nothing was written.", hint=hint)


class _ServiceTimeout(BackendUnavailable):
    """The service did not answer in time (kept apart so the bulk endpoint's timeout is not waited out twice)."""


class EnterpriseCatalogServiceBackend(CatalogBackend):
    """
    Asks an enterprise-catalog service over HTTP (SPEC §6).

    enterprise-catalog's `contains_content_items` answers one boolean for *any* of the ids it is given, so the
    exact subset is found as described in docs/backends.md: one run → one GET; several → one POST to the bulk
    `filter_content_items` endpoint, then GETs on whatever it did not confirm, halving groups (one GET that
    answers False rules out a whole group).
    """

    contains_path = "/api/v1/enterprise-customer/{uuid}/contains_content_items/"
    filter_path = "/api/v1/enterprise-customer/{uuid}/filter_content_items/"
    #: Most course run ids sent in one GET, so the query string stays well below common URL length limits.
    max_ids_per_request = 50
    #: Most HTTP requests one contains() call may make; past it the answer is 503 rather than a slow request.
    max_requests = 100

    def __init__(self):
        self._session = None
        self._requests_made = 0

    @staticmethod
    def missing_settings():
        """Names of the settings this backend needs that are empty (the system check reports them too)."""
        return [
            f"ENTERPRISE_ENROLL_{name}"
            for name in ("CATALOG_SERVICE_URL", "CATALOG_SERVICE_TOKEN")
            if not app_settings.get(name)
        ]

    def contains(self, customer, course_run_ids):
        runs = sorted(set(course_run_ids))
        if not runs:
            return set()
        self._check_configured()
        self._requests_made = 0
        with requests.Session() as self._session:
            if len(runs) == 1:
                return self._probe(customer, runs)
            found = self._filter(customer, runs)
            if found is None:
                return self._probe(customer, runs)
            return found | self._probe(customer, [run for run in runs if run not in found])

    def explain_missing(self, customer, course_run_id):
        return (
            f"Course run {course_run_id} is not in any catalog of enterprise customer {customer.slug} "
            "(according to the enterprise-catalog service)."
        )

    def _check_configured(self):
        missing = self.missing_settings()
        if missing:
            raise _unavailable(
                f"The enterprise-catalog service backend is selected but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set.",
                hint=f"Set {' and '.join(missing)}, or set ENTERPRISE_ENROLL_CATALOG_BACKEND to "
                f"{LOCAL_BACKEND_PATH} to use the catalogs stored in this app.",
            )

    def _probe(self, customer, runs, known_any=False):
        """The runs in the catalog, by halving: contains_content_items is True iff *any* of the ids is in."""
        if not runs:
            return set()
        if not known_any and len(runs) <= self.max_ids_per_request:
            if not self._contains_any(customer, runs):
                return set()
            known_any = True
        if len(runs) == 1:
            return set(runs)
        middle = len(runs) // 2
        left = self._probe(customer, runs[:middle])
        # If the whole group has a member and the left half has none, the right half must have one.
        return left | self._probe(customer, runs[middle:], known_any=known_any and not left)

    def _contains_any(self, customer, runs):
        data = self._json(self._request("GET", self.contains_path, customer, params={"course_run_ids": runs}))
        answer = data.get("contains_content_items") if isinstance(data, dict) else None
        if not isinstance(answer, bool):
            raise _unavailable(
                "The enterprise-catalog service answered without a boolean contains_content_items.",
                hint="Check that ENTERPRISE_ENROLL_CATALOG_SERVICE_URL points at the enterprise-catalog service.",
            )
        return answer

    def _filter(self, customer, runs):
        """
        Runs the bulk endpoint confirms, or None when it cannot be used (e.g. an older service without it): then
        contains_content_items decides alone. A timeout is not retried that way: it would double the wait.
        """
        try:
            response = self._request("POST", self.filter_path, customer, json={"content_keys": runs})
            keys = self._json(response).get("filtered_content_keys")
        except _ServiceTimeout:
            raise
        except (BackendUnavailable, AttributeError) as exc:
            logger.info("enterprise-catalog filter_content_items unusable (%s); using contains_content_items.", exc)
            return None
        if not isinstance(keys, list):
            return None
        return set(runs) & {key for key in keys if isinstance(key, str)}

    def _request(self, method, path, customer, **kwargs):
        self._requests_made += 1
        if self._requests_made > self.max_requests:
            raise _unavailable(
                f"Deciding catalog membership needed more than {self.max_requests} requests to the "
                "enterprise-catalog service.",
                hint="Send fewer distinct course runs per request, or run an enterprise-catalog version that "
                "offers filter_content_items.",
            )
        url = app_settings.get("CATALOG_SERVICE_URL").rstrip("/") + path.format(uuid=customer.uuid)
        timeout = app_settings.get("CATALOG_SERVICE_TIMEOUT")
        try:
            response = self._session.request(method, url, headers=_auth_headers(), timeout=timeout, **kwargs)
        except requests.Timeout as exc:
            logger.warning("enterprise-catalog service timed out: %s %s", method, url)
            raise _timeout_error(timeout) from exc
        except requests.RequestException as exc:
            logger.warning("enterprise-catalog service unreachable: %s %s: %s", method, url, exc)
            raise _unavailable(
                "The enterprise-catalog service could not be reached (connection refused or host unknown).",
                hint="Check that the service at ENTERPRISE_ENROLL_CATALOG_SERVICE_URL is running and reachable.",
            ) from exc
        _raise_for_status(response, method, url)
        return response

    def _json(self, response):
        try:
            return response.json()
        except ValueError as exc:
            raise _unavailable(
                "The enterprise-catalog service answered with invalid JSON.",
                hint="Check that ENTERPRISE_ENROLL_CATALOG_SERVICE_URL points at the enterprise-catalog service.",
            ) from exc


def _auth_headers():
    token = app_settings.get("CATALOG_SERVICE_TOKEN").strip()
    # Accept a value that already carries its scheme ("JWT …" / "Bearer …"); the bare token gets edx's "JWT".
    return {"Authorization": token if " " in token else f"JWT {token}", "Accept": "application/json"}


def _timeout_error(timeout):
    return _unavailable(
        f"The enterprise-catalog service did not answer within {timeout} seconds.",
        hint="Check that the service at ENTERPRISE_ENROLL_CATALOG_SERVICE_URL is healthy, or raise "
        "ENTERPRISE_ENROLL_CATALOG_SERVICE_TIMEOUT.",
        error_class=_ServiceTimeout,
    )


def _raise_for_status(response, method, url):
    status = response.status_code
    if status == 200:
        return
    logger.warning("enterprise-catalog service answered HTTP %s: %s %s", status, method, url)
    if status in (401, 403):
        raise _unavailable(
            f"The enterprise-catalog service rejected this app's credentials (HTTP {status}).",
            hint="Set ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN to a valid JWT of a service user that may read "
            "every customer's catalogs (e.g. with the enterprise_catalog_admin role for all contexts).",
        )
    if status >= 500:
        raise _unavailable(
            f"The enterprise-catalog service failed (HTTP {status}).",
            hint="Retry later; if it persists, check the service at ENTERPRISE_ENROLL_CATALOG_SERVICE_URL.",
        )
    raise _unavailable(
        f"The enterprise-catalog service answered HTTP {status}.",
        hint="Check that ENTERPRISE_ENROLL_CATALOG_SERVICE_URL is the service's root URL "
        "(e.g. https://enterprise-catalog.example.com, without /api/v1).",
    )


def get_catalog_backend():
    """A new instance of the backend named by ENTERPRISE_ENROLL_CATALOG_BACKEND."""
    return app_settings.import_setting("CATALOG_BACKEND")()
