"""Catalog-membership backends (SPEC §6): which course runs are in a customer's catalogs, one call per request."""

from django.core.exceptions import ValidationError
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from . import app_settings

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


class CatalogBackend:
    """Base class: answer which of a set of course runs are in a customer's catalogs."""

    def contains(self, customer, course_run_ids):
        """Return the subset of `course_run_ids` in `customer`'s catalogs. Raise BackendUnavailable if unreachable."""
        raise NotImplementedError

    def explain_missing(self, customer, course_run_id):
        """Human text for an item whose course run is not in the catalog."""
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
        if self._catalog_counts.get(customer.pk) == 0:
            return (
                f"Enterprise customer {customer.slug} has no catalog, so it contains no content. "
                "Add an EnterpriseCustomerCatalog in the Django admin ({} = all content)."
            )
        return super().explain_missing(customer, course_run_id)


def get_catalog_backend():
    """A new instance of the backend named by ENTERPRISE_ENROLL_CATALOG_BACKEND."""
    return app_settings.import_setting("CATALOG_BACKEND")()
