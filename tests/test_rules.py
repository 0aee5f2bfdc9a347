"""Permissions (SPEC §3): the role × customer × permission matrix, and the rules behind it."""

import uuid

import crum
import pytest
import rules
from django.test import RequestFactory
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprise_enroll import roles
from enterprise_enroll.api.permissions import ALL, EnterpriseAccessMixin, accessible_customer_ids
from enterprise_enroll.auth import access_token_for
from enterprise_enroll.models import EnterpriseCustomer
from enterprise_enroll.rules import canonical_context, grants_for
from tests import factories
from tests.api_helpers import api_client, grant

ENROLL = roles.CAN_ENROLL_LEARNERS
CATALOG = roles.CAN_VIEW_CATALOG
DASHBOARD = roles.CAN_ACCESS_ADMIN_DASHBOARD
MANAGE = roles.CAN_MANAGE_CUSTOMERS
PERMISSIONS = (ENROLL, CATALOG, DASHBOARD, MANAGE)
ADMIN = {ENROLL, CATALOG, DASHBOARD}
EVERYTHING = set(PERMISSIONS)


class PermissionProbeView(EnterpriseAccessMixin, APIView):
    """Test-only view: requires the permission named in the URL for the customer in the URL."""

    @property
    def permission_required(self):
        return self.kwargs["permission"]

    def get_permission_object(self):
        # The customer instance when it exists, else the raw string from the URL: rules must handle both.
        raw = self.kwargs["customer"]
        found = isinstance(canonical_context(raw), uuid.UUID) and EnterpriseCustomer.objects.filter(pk=raw).first()
        return found or raw

    def get(self, request, **kwargs):
        return Response({"ok": True})


urlpatterns = [path("probe/<str:customer>/<str:permission>/", PermissionProbeView.as_view())]
pytestmark = pytest.mark.urls(__name__)


def make_actor(name, customer_a, customer_b):
    """An API client for each actor of the matrix."""
    user = factories.UserFactory(username=name)
    if name == "anonymous":
        return api_client()
    if name == "learner_of_a":
        factories.EnterpriseCustomerUserFactory(user=user, enterprise_customer=customer_a)  # grants enterprise_learner
        return api_client(user)
    if name == "admin_of_a_via_jwt_only":
        return api_client(user, roles=[f"{roles.ENTERPRISE_ADMIN_ROLE}:{customer_a.pk}"])
    if name == "admin_of_a_via_database_only":
        grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer_a)
        return api_client(user, roles=[])  # the token claims nothing: only the database can grant
    if name == "enrollment_api_admin_of_a_via_database":
        grant(user, roles.ENROLLMENT_API_ADMIN_ROLE, customer_a)
        return api_client(user, roles=[])
    if name == "admin_of_b":
        grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer_b)
        return api_client(user)
    if name == "operator_all_contexts":
        grant(user, roles.ENTERPRISE_OPERATOR_ROLE)
        return api_client(user)
    if name in ("staff_without_roles", "superuser"):
        user.is_staff = True
        user.is_superuser = name == "superuser"
        user.save()
        return api_client(user)
    raise AssertionError(name)


# actor, customer, permissions allowed there ("401": the request is not even authenticated).
MATRIX = [
    ("anonymous", "A", "401"),
    ("anonymous", "B", "401"),
    ("anonymous", "missing", "401"),
    ("learner_of_a", "A", set()),
    ("learner_of_a", "B", set()),
    ("learner_of_a", "missing", set()),
    ("admin_of_a_via_jwt_only", "A", ADMIN),
    ("admin_of_a_via_jwt_only", "B", set()),
    ("admin_of_a_via_jwt_only", "missing", set()),
    ("admin_of_a_via_database_only", "A", ADMIN),
    ("admin_of_a_via_database_only", "B", set()),
    ("admin_of_a_via_database_only", "missing", set()),
    ("enrollment_api_admin_of_a_via_database", "A", {ENROLL}),
    ("enrollment_api_admin_of_a_via_database", "B", set()),
    ("enrollment_api_admin_of_a_via_database", "missing", set()),
    ("admin_of_b", "A", set()),
    ("admin_of_b", "B", ADMIN),
    ("admin_of_b", "missing", set()),
    ("operator_all_contexts", "A", EVERYTHING),
    ("operator_all_contexts", "B", EVERYTHING),
    ("operator_all_contexts", "missing", EVERYTHING),
    ("staff_without_roles", "A", set()),
    ("staff_without_roles", "B", set()),
    ("staff_without_roles", "missing", set()),
    ("superuser", "A", EVERYTHING),
    ("superuser", "B", EVERYTHING),
    ("superuser", "missing", EVERYTHING),
]
CELLS = [
    pytest.param(actor, where, permission, allowed, id=f"{actor}-{where}-{permission.split('.')[1]}")
    for actor, where, allowed in MATRIX
    for permission in PERMISSIONS
]


@pytest.mark.parametrize("actor,where,permission,allowed", CELLS)
def test_permission_matrix(actor, where, permission, allowed, customer, other_customer):
    client = make_actor(actor, customer, other_customer)
    target = {"A": customer.pk, "B": other_customer.pk, "missing": uuid.uuid4()}[where]

    response = client.get(f"/probe/{target}/{permission}/")

    if allowed == "401":
        expected = 401
    else:
        expected = 200 if permission in allowed else 403
    assert response.status_code == expected, response.json()
    if expected == 403:
        body = response.json()
        assert body["code"] == "permission_denied"
        assert body["permission"] == permission
        assert body["enterprise_customer"] == str(target)


def test_403_names_the_permission_role_customer_and_the_fix(customer):
    user = factories.UserFactory(username="carol")
    response = api_client(user).get(f"/probe/{customer.pk}/{ENROLL}/")

    assert response.status_code == 403
    body = response.json()
    assert body["feature_role"] == roles.ENROLLMENT_API_ADMIN_ROLE
    assert body["enterprise_customer"] == str(customer.pk)
    assert roles.ENTERPRISE_ADMIN_ROLE in body["system_roles"]
    assert "--user carol --role enterprise_admin --customer acme" in body["hint"]
    assert "/admin/enterprise_enroll/" in body["hint"]
    assert f"access/?enterprise_customer={customer.pk}" in body["hint"]


def test_403_for_operator_permission_says_all_contexts(customer):
    user = factories.UserFactory(username="dave")
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)
    body = api_client(user).get(f"/probe/{customer.pk}/{MANAGE}/").json()

    assert body["feature_role"] is None
    assert body["system_roles"] == [roles.ENTERPRISE_OPERATOR_ROLE]
    assert "--role enterprise_openedx_operator --all-contexts" in body["hint"]


def test_malformed_customer_in_url_is_denied_not_an_error(customer):
    user = factories.UserFactory()
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)
    assert api_client(user).get(f"/probe/not-a-uuid/{ENROLL}/").status_code == 403


@pytest.fixture
def current_request():
    """Install a request in crum (as the middleware does) and return a function that sets its user and token."""
    request = RequestFactory().get("/")

    def install(user, token=None):
        request.user, request.auth = user, token
        crum.set_current_request(request)
        return request

    yield install
    crum.set_current_request(None)


@pytest.mark.parametrize(
    "spelling",
    [str.upper, lambda s: s.replace("-", ""), lambda s: "{" + s + "}", lambda s: s],
    ids=["upper", "no-hyphens", "braces", "canonical"],
)
def test_jwt_contexts_compare_canonically(spelling, customer, current_request):
    user = factories.UserFactory()
    current_request(user, access_token_for(user, roles=[f"enterprise_admin:{spelling(str(customer.pk))}"]))

    assert rules.has_perm(ENROLL, user, customer)
    assert rules.has_perm(ENROLL, user, str(customer.pk).upper())


def test_malformed_jwt_roles_are_ignored(customer, current_request):
    user = factories.UserFactory()
    claims = ["enterprise_admin:not-a-uuid", "enterprise_admin", 42, "enterprise_admin:"]
    current_request(user, access_token_for(user, roles=claims))

    assert not rules.has_perm(ENROLL, user, customer)
    assert not rules.has_perm(ENROLL, user)


@pytest.mark.parametrize("as_object", [lambda c: c, lambda c: c.pk, lambda c: str(c.pk), lambda c: c.pk.hex])
def test_permission_object_may_be_a_customer_or_its_uuid(as_object, customer):
    user = factories.UserFactory()
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)

    assert user.has_perm(ENROLL, as_object(customer))


def test_rows_belonging_to_a_customer_are_permission_objects(customer, other_customer):
    user = factories.UserFactory()
    grant(user, roles.DASHBOARD_ADMIN_ROLE, customer)
    own = factories.EnterpriseCustomerUserFactory(enterprise_customer=customer)
    foreign = factories.EnterpriseCustomerUserFactory(enterprise_customer=other_customer)

    assert rules.has_perm(DASHBOARD, user, own)
    assert not rules.has_perm(DASHBOARD, user, foreign)


def test_feature_role_for_all_contexts_grants_every_customer(customer, other_customer):
    user = factories.UserFactory()
    grant(user, roles.CATALOG_ADMIN_ROLE)

    assert rules.has_perm(CATALOG, user, customer) and rules.has_perm(CATALOG, user, other_customer)
    assert not rules.has_perm(ENROLL, user, customer)
    assert not rules.has_perm(MANAGE, user)


def test_admin_for_all_contexts_is_not_an_operator(customer):
    user = factories.UserFactory()
    grant(user, roles.ENTERPRISE_ADMIN_ROLE)

    assert rules.has_perm(ENROLL, user, customer)
    assert not rules.has_perm(MANAGE, user)


def test_operator_for_one_customer_cannot_manage_customers(customer):
    user = factories.UserFactory()
    grant(user, roles.ENTERPRISE_OPERATOR_ROLE, customer)

    assert rules.has_perm(ENROLL, user, customer)
    assert not rules.has_perm(MANAGE, user)


def test_no_customer_means_any_customer(customer):
    user = factories.UserFactory()
    grant(user, roles.ENROLLMENT_API_ADMIN_ROLE, customer)

    assert rules.has_perm(ENROLL, user)
    assert not rules.has_perm(CATALOG, user)


def test_inactive_users_pass_nothing(customer):
    user = factories.UserFactory(is_active=False, is_superuser=True)
    grant(user, roles.ENTERPRISE_OPERATOR_ROLE)

    assert not any(rules.has_perm(permission, user, customer) for permission in PERMISSIONS)


def test_role_mapping_is_read_from_settings(settings, customer, current_request):
    settings.SYSTEM_TO_FEATURE_ROLE_MAPPING = {
        **settings.SYSTEM_TO_FEATURE_ROLE_MAPPING,
        "catalog_reader": [roles.CATALOG_ADMIN_ROLE],
    }
    user = factories.UserFactory()
    current_request(user, access_token_for(user, roles=[f"catalog_reader:{customer.pk}"]))

    assert rules.has_perm(CATALOG, user, customer)
    assert not rules.has_perm(ENROLL, user, customer)


def test_the_request_jwt_does_not_apply_to_another_user(customer, current_request):
    caller = factories.UserFactory()
    other = factories.UserFactory()
    current_request(caller, access_token_for(caller, roles=[f"enterprise_admin:{customer.pk}"]))

    assert rules.has_perm(ENROLL, caller, customer)
    assert not rules.has_perm(ENROLL, other, customer)


def test_all_role_checks_of_a_request_cost_one_query(
    customer, other_customer, current_request, django_assert_num_queries
):
    user = factories.UserFactory()
    grant(user, roles.ENROLLMENT_API_ADMIN_ROLE, customer)
    grant(user, roles.ENTERPRISE_LEARNER_ROLE, other_customer)
    current_request(user, access_token_for(user, roles=[f"enterprise_admin:{other_customer.pk}"]))
    targets = [customer, other_customer, uuid.uuid4(), str(customer.pk)] * 10

    with django_assert_num_queries(1):
        results = [rules.has_perm(p, user, target) for p in PERMISSIONS for target in targets]
        accessible_customer_ids(crum.get_current_request(), [roles.DASHBOARD_ADMIN_ROLE])

    assert sum(results) == 10 * (1 + 3 + 0 + 1)  # enroll at A (DB, twice: instance and string), 3 at B (JWT)


def test_accessible_customer_ids(customer, other_customer, current_request):
    user = factories.UserFactory()
    grant(user, roles.ENROLLMENT_API_ADMIN_ROLE, customer)
    request = current_request(user, access_token_for(user, roles=[f"enterprise_admin:{other_customer.pk}"]))

    assert accessible_customer_ids(request, [roles.ENROLLMENT_API_ADMIN_ROLE]) == {customer.pk, other_customer.pk}
    assert accessible_customer_ids(request, roles.CATALOG_ADMIN_ROLE) == {other_customer.pk}


def test_accessible_customer_ids_wildcards(db, current_request):
    operator = factories.UserFactory()
    grant(operator, roles.ENTERPRISE_OPERATOR_ROLE)
    superuser = factories.UserFactory(is_superuser=True)
    staff = factories.UserFactory(is_staff=True)

    assert accessible_customer_ids(current_request(operator), [roles.ENROLLMENT_API_ADMIN_ROLE]) == ALL
    assert accessible_customer_ids(current_request(superuser), [roles.ENROLLMENT_API_ADMIN_ROLE]) == ALL
    assert accessible_customer_ids(current_request(staff), [roles.ENROLLMENT_API_ADMIN_ROLE]) == set()


def test_without_a_request_the_database_counts_and_is_cached_on_the_user(customer, django_assert_num_queries):
    user = factories.UserFactory()
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)

    with django_assert_num_queries(1):
        assert grants_for(user) is grants_for(user)
        assert rules.has_perm(ENROLL, user, customer)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("*", "*"),
        ("6F9619FF-8B86-D011-B42D-00C04FC964FF", uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")),
        ("6f9619ff8b86d011b42d00c04fc964ff", uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")),
        ("acme", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_context(value, expected):
    assert canonical_context(value) == expected
