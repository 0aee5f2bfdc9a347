"""Tests for the catalog-membership backends (SPEC §6): local, allow-all and the enterprise-catalog service client."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings

from enterprise_enroll import catalog
from enterprise_enroll.api.exceptions import exception_handler
from enterprise_enroll.catalog import (
    AllowAllCatalogBackend,
    EnterpriseCatalogServiceBackend,
    LocalCatalogBackend,
    get_catalog_backend,
)
from enterprise_enroll.exceptions import BackendUnavailable
from tests import factories

DEMO = "course-v1:edX+DemoX+Demo_Course"
DEMO_2025 = "course-v1:edX+DemoX+2025"
OTHER_COURSE = "course-v1:edX+Other+2025"
OTHER_ORG = "course-v1:MITx+6.00x+2025"


def catalog_for(customer, content_filter):
    return factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer, content_filter=content_filter)


# --- content filters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_filter, expected",
    [
        ({}, {DEMO, DEMO_2025, OTHER_COURSE, OTHER_ORG}),
        ({"course_run_ids": [DEMO]}, {DEMO}),
        ({"course_keys": ["edX+DemoX"]}, {DEMO, DEMO_2025}),
        ({"course_keys": ["course-v1:edX+DemoX"]}, {DEMO, DEMO_2025}),
        ({"orgs": ["edX"]}, {DEMO, DEMO_2025, OTHER_COURSE}),
        ({"orgs": ["MITx"], "course_run_ids": [DEMO]}, {DEMO, OTHER_ORG}),
        ({"course_run_ids": [], "course_keys": [], "orgs": []}, set()),
    ],
)
def test_filter_matches(content_filter, expected):
    runs = {DEMO, DEMO_2025, OTHER_COURSE, OTHER_ORG}
    assert {run for run in runs if catalog.filter_matches(content_filter, run)} == expected


def test_filter_matches_ignores_unparsable_run_ids_for_course_keys_and_orgs():
    assert not catalog.filter_matches({"course_keys": ["edX+DemoX"], "orgs": ["edX"]}, "not a course key")


@pytest.mark.parametrize(
    "content_filter",
    [[], {"orgz": ["edX"]}, {"orgs": "edX"}, {"course_run_ids": [1]}],
)
def test_validate_content_filter_rejects_malformed_filters(content_filter):
    with pytest.raises(ValidationError):
        catalog.validate_content_filter(content_filter)


# --- LocalCatalogBackend -----------------------------------------------------------------------------------------


def test_local_backend_unions_all_catalogs_of_the_customer(customer, other_customer):
    catalog_for(customer, {"course_run_ids": [DEMO]})
    catalog_for(customer, {"orgs": ["MITx"]})
    catalog_for(other_customer, {})  # another tenant's catalog never counts

    assert LocalCatalogBackend().contains(customer, [DEMO, DEMO_2025, OTHER_ORG]) == {DEMO, OTHER_ORG}


def test_local_backend_empty_filter_contains_everything(customer):
    catalog_for(customer, {})
    assert LocalCatalogBackend().contains(customer, [DEMO, OTHER_ORG]) == {DEMO, OTHER_ORG}


def test_local_backend_course_keys_select_every_run_of_the_course(customer):
    catalog_for(customer, {"course_keys": ["course-v1:edX+DemoX"]})
    assert LocalCatalogBackend().contains(customer, [DEMO, DEMO_2025, OTHER_COURSE]) == {DEMO, DEMO_2025}


def test_local_backend_customer_without_catalog_contains_nothing_and_says_why(customer):
    backend = LocalCatalogBackend()

    assert backend.contains(customer, [DEMO]) == set()
    message = backend.explain_missing(customer, DEMO)
    assert "has no catalog" in message
    assert customer.slug in message


def test_local_backend_explain_missing_without_contains_first(customer):
    assert "has no catalog" in LocalCatalogBackend().explain_missing(customer, DEMO)


def test_local_backend_names_the_run_when_catalogs_exist(customer):
    catalog_for(customer, {"orgs": ["MITx"]})
    backend = LocalCatalogBackend()
    backend.contains(customer, [DEMO])

    message = backend.explain_missing(customer, DEMO)
    assert DEMO in message
    assert "has no catalog" not in message


@pytest.mark.parametrize("count", [1, 300])
def test_local_backend_uses_one_query_for_any_number_of_runs(customer, django_assert_num_queries, count):
    catalog_for(customer, {"orgs": ["edX"]})
    catalog_for(customer, {"course_run_ids": [OTHER_ORG]})
    runs = [f"course-v1:edX+C{i}+2025" for i in range(count)]
    backend = LocalCatalogBackend()

    with django_assert_num_queries(1):
        assert backend.contains(customer, runs) == set(runs)
        backend.explain_missing(customer, OTHER_COURSE)


def test_allow_all_backend_contains_everything(customer):
    assert AllowAllCatalogBackend().contains(customer, [DEMO, OTHER_ORG]) == {DEMO, OTHER_ORG}


def test_get_catalog_backend_defaults_to_local():
    assert isinstance(get_catalog_backend(), LocalCatalogBackend)


@override_settings(ENTERPRISE_ENROLL_CATALOG_BACKEND="enterprise_enroll.catalog.AllowAllCatalogBackend")
def test_get_catalog_backend_follows_the_setting():
    assert isinstance(get_catalog_backend(), AllowAllCatalogBackend)


@override_settings(ENTERPRISE_ENROLL_CATALOG_BACKEND="enterprise_enroll.catalog.NoSuchBackend")
def test_get_catalog_backend_names_the_broken_setting():
    with pytest.raises(ImproperlyConfigured, match="ENTERPRISE_ENROLL_CATALOG_BACKEND"):
        get_catalog_backend()


# --- EnterpriseCatalogServiceBackend -----------------------------------------------------------------------------

SERVICE = "http://catalog.test"
SERVICE_SETTINGS = {
    "ENTERPRISE_ENROLL_CATALOG_BACKEND": "enterprise_enroll.catalog.EnterpriseCatalogServiceBackend",
    "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL": SERVICE + "/",
    "ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN": "service-jwt",
    "ENTERPRISE_ENROLL_CATALOG_SERVICE_TIMEOUT": 2.5,
}


@pytest.fixture
def service(settings):
    for name, value in SERVICE_SETTINGS.items():
        setattr(settings, name, value)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def contains_url(customer):
    return f"{SERVICE}/api/v1/enterprise-customer/{customer.uuid}/contains_content_items/"


def filter_url(customer):
    return f"{SERVICE}/api/v1/enterprise-customer/{customer.uuid}/filter_content_items/"


def fake_service(mock, customer, in_catalog, *, filter_endpoint=True, filter_finds=None):
    """
    Serve both endpoints like enterprise-catalog does: contains_content_items is True if ANY id is in the catalog;
    filter_content_items returns the keys it finds (`filter_finds`, default all of `in_catalog`).
    """

    def contains(request):
        ids = parse_qs(urlparse(request.url).query).get("course_run_ids", [])
        return 200, {}, json.dumps({"contains_content_items": any(run in in_catalog for run in ids)})

    def filter_items(request):
        keys = json.loads(request.body)["content_keys"]
        finds = in_catalog if filter_finds is None else filter_finds
        return 200, {}, json.dumps({"filtered_content_keys": [key for key in keys if key in finds]})

    mock.add_callback(responses.GET, contains_url(customer), callback=contains)
    if filter_endpoint:
        mock.add_callback(responses.POST, filter_url(customer), callback=filter_items)
    else:
        mock.add(responses.POST, filter_url(customer), status=404, json={"detail": "Not found."})


def requested_ids(call):
    return parse_qs(urlparse(call.request.url).query).get("course_run_ids", [])


def test_service_single_run_is_one_authenticated_get(service, customer):
    fake_service(service, customer, {DEMO})

    assert EnterpriseCatalogServiceBackend().contains(customer, [DEMO, DEMO]) == {DEMO}

    [call] = service.calls
    assert call.request.method == "GET"
    assert call.request.headers["Authorization"] == "JWT service-jwt"
    assert requested_ids(call) == [DEMO]
    assert call.request.req_kwargs["timeout"] == 2.5


def test_service_single_run_not_in_catalog(service, customer):
    fake_service(service, customer, set())
    assert EnterpriseCatalogServiceBackend().contains(customer, [DEMO]) == set()
    assert len(service.calls) == 1


def test_service_token_with_its_scheme_is_sent_as_is(service, customer, settings):
    settings.ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN = "Bearer abc"
    fake_service(service, customer, {DEMO})

    EnterpriseCatalogServiceBackend().contains(customer, [DEMO])
    assert service.calls[0].request.headers["Authorization"] == "Bearer abc"


def test_service_many_runs_all_in_catalog_is_one_bulk_request(service, customer):
    runs = [DEMO, DEMO_2025, OTHER_COURSE, OTHER_ORG]
    fake_service(service, customer, set(runs))

    assert EnterpriseCatalogServiceBackend().contains(customer, runs) == set(runs)

    [call] = service.calls
    assert call.request.method == "POST"
    assert sorted(json.loads(call.request.body)["content_keys"]) == sorted(runs)
    assert call.request.headers["Authorization"] == "JWT service-jwt"


def test_service_runs_left_out_by_the_bulk_endpoint_are_ruled_out_with_one_get(service, customer):
    fake_service(service, customer, {DEMO})

    assert EnterpriseCatalogServiceBackend().contains(customer, [DEMO, DEMO_2025, OTHER_ORG]) == {DEMO}

    assert [c.request.method for c in service.calls] == ["POST", "GET"]
    assert sorted(requested_ids(service.calls[1])) == sorted([DEMO_2025, OTHER_ORG])


def test_service_finds_runs_the_bulk_endpoint_misses(service, customer):
    # A catalog holding only course-level records: filter_content_items does not match runs, contains does.
    fake_service(service, customer, {DEMO_2025, OTHER_ORG}, filter_finds=set())
    runs = [DEMO, DEMO_2025, OTHER_COURSE, OTHER_ORG]

    assert EnterpriseCatalogServiceBackend().contains(customer, runs) == {DEMO_2025, OTHER_ORG}


def test_service_without_bulk_endpoint_falls_back_to_contains(service, customer):
    runs = [f"course-v1:edX+C{i}+2025" for i in range(8)]
    fake_service(service, customer, {runs[2], runs[5]}, filter_endpoint=False)

    assert EnterpriseCatalogServiceBackend().contains(customer, runs) == {runs[2], runs[5]}
    # Halving: far fewer requests than one per run would need, and none wasted on the empty quarters' runs.
    assert len(service.calls) < 1 + 2 * len(runs)


def test_service_nothing_in_catalog_costs_two_requests(service, customer):
    runs = [f"course-v1:edX+C{i}+2025" for i in range(20)]
    fake_service(service, customer, set())

    assert EnterpriseCatalogServiceBackend().contains(customer, runs) == set()
    assert len(service.calls) == 2


def test_service_keeps_each_get_short(service, customer):
    runs = [f"course-v1:edX+C{i}+2025" for i in range(120)]
    fake_service(service, customer, set(), filter_endpoint=False)

    assert EnterpriseCatalogServiceBackend().contains(customer, runs) == set()
    gets = [call for call in service.calls if call.request.method == "GET"]
    assert sum(len(requested_ids(call)) for call in gets) == 120
    assert max(len(requested_ids(call)) for call in gets) <= EnterpriseCatalogServiceBackend.max_ids_per_request


def test_service_bulk_endpoint_unreachable_falls_back_to_contains(service, customer):
    # Only contains_content_items is served (responses refuses the POST with a ConnectionError).
    service.add(responses.GET, contains_url(customer), json={"contains_content_items": True})

    assert EnterpriseCatalogServiceBackend().contains(customer, [DEMO, OTHER_ORG]) == {DEMO, OTHER_ORG}


def test_service_gives_up_past_its_request_budget(service, customer, monkeypatch):
    monkeypatch.setattr(EnterpriseCatalogServiceBackend, "max_requests", 3)
    runs = [f"course-v1:edX+C{i}+2025" for i in range(8)]
    fake_service(service, customer, set(runs), filter_endpoint=False)

    with pytest.raises(BackendUnavailable, match="more than 3 requests"):
        EnterpriseCatalogServiceBackend().contains(customer, runs)


def test_service_no_runs_no_request_even_unconfigured(service, customer, settings):
    settings.ENTERPRISE_ENROLL_CATALOG_SERVICE_URL = None
    assert EnterpriseCatalogServiceBackend().contains(customer, []) == set()
    assert not service.calls


@pytest.mark.parametrize(
    "setting", ["ENTERPRISE_ENROLL_CATALOG_SERVICE_URL", "ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN"]
)
def test_service_missing_setting_is_503_naming_it(service, customer, settings, setting):
    setattr(settings, setting, "")

    with pytest.raises(BackendUnavailable) as raised:
        EnterpriseCatalogServiceBackend().contains(customer, [DEMO])

    assert setting in raised.value.detail
    assert setting in raised.value.hint
    assert "LocalCatalogBackend" in raised.value.hint
    assert not service.calls


def test_service_missing_settings_lists_both(settings):
    settings.ENTERPRISE_ENROLL_CATALOG_SERVICE_URL = None
    settings.ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN = None
    assert EnterpriseCatalogServiceBackend.missing_settings() == [
        "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL",
        "ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN",
    ]


def test_service_timeout_names_the_timeout_setting(service, customer):
    service.add(responses.GET, contains_url(customer), body=requests.ReadTimeout("slow"))

    with pytest.raises(BackendUnavailable) as raised:
        EnterpriseCatalogServiceBackend().contains(customer, [DEMO])

    assert "2.5 seconds" in raised.value.detail
    assert "ENTERPRISE_ENROLL_CATALOG_SERVICE_TIMEOUT" in raised.value.hint


def test_service_bulk_timeout_is_not_waited_out_twice(service, customer):
    service.add(responses.POST, filter_url(customer), body=requests.ConnectTimeout("slow"))
    service.add(responses.GET, contains_url(customer), json={"contains_content_items": True})

    with pytest.raises(BackendUnavailable, match="did not answer"):
        EnterpriseCatalogServiceBackend().contains(customer, [DEMO, OTHER_ORG])
    assert len(service.calls) == 1


def test_service_refused_connection(service, customer):
    service.add(responses.GET, contains_url(customer), body=requests.ConnectionError("refused"))

    with pytest.raises(BackendUnavailable) as raised:
        EnterpriseCatalogServiceBackend().contains(customer, [DEMO])

    assert "could not be reached" in raised.value.detail
    assert "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL" in raised.value.hint


@pytest.mark.parametrize(
    "status, setting_in_hint",
    [
        (401, "ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN"),
        (403, "ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN"),
        (404, "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL"),
        (500, "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL"),
        (503, "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL"),
    ],
)
def test_service_http_errors_are_503_with_a_hint(service, customer, status, setting_in_hint):
    service.add(responses.GET, contains_url(customer), status=status, json={"detail": "nope"})

    with pytest.raises(BackendUnavailable) as raised:
        EnterpriseCatalogServiceBackend().contains(customer, [DEMO])

    assert f"HTTP {status}" in raised.value.detail
    assert setting_in_hint in raised.value.hint
    assert raised.value.status_code == 503


@pytest.mark.parametrize("body", ["<html>oops</html>", '{"contains_content_items": "yes"}', "[]"])
def test_service_bad_answers_are_503(service, customer, body):
    service.add(responses.GET, contains_url(customer), body=body, content_type="application/json")

    with pytest.raises(BackendUnavailable, match="enterprise-catalog service answered"):
        EnterpriseCatalogServiceBackend().contains(customer, [DEMO])


def test_service_outage_maps_to_503_with_retry_after(service, customer):
    service.add(responses.GET, contains_url(customer), status=502)

    with pytest.raises(BackendUnavailable) as raised:
        EnterpriseCatalogServiceBackend().contains(customer, [DEMO])
    response = exception_handler(raised.value, {})

    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.data["code"] == "backend_unavailable"
    assert "hint" in response.data


def test_service_explains_missing_runs(customer):
    message = EnterpriseCatalogServiceBackend().explain_missing(customer, DEMO)
    assert DEMO in message
    assert "enterprise-catalog service" in message
