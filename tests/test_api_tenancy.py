"""The role × customer × endpoint matrix: every customer-scoped route, every kind of caller (SPEC §3, §5)."""

import pytest

from enterprise_enroll import roles
from enterprise_enroll.enrollment import EnrollmentItem, enroll_learners
from enterprise_enroll.learners import link_learners
from tests import factories
from tests.api_helpers import api_client, grant

API = "/enterprise/api/v1"
RUN = "course-v1:edX+DemoX+Demo_Course"
MISSING = "0b5c1e9a-3f3e-4c61-9d1e-6f1d3c1b2a99"

ACTORS = ["anonymous", "learner_of_a", "admin_of_a", "admin_of_a_jwt", "admin_of_b", "operator", "staff", "superuser"]
ADMINS_OF_A = {"admin_of_a", "admin_of_a_jwt", "operator", "superuser"}

# route → (method, path template, body, status when allowed, callers allowed besides ADMINS_OF_A)
ROUTES = {
    "retrieve": ("get", "enterprise-customer/{c}/", None, 200, {"learner_of_a", "staff"}),
    "partial_update": ("patch", "enterprise-customer/{c}/", {"contact_email": "x@example.com"}, 200, set()),
    "contains_content_items": (
        "get",
        f"enterprise-customer/{{c}}/contains_content_items/?course_run_ids={RUN}",
        None,
        200,
        set(),
    ),
    "course_enrollments": (
        "post",
        "enterprise-customer/{c}/course_enrollments/",
        [{"user_email": "new@example.com", "course_run_id": RUN, "course_mode": "audit"}],
        200,
        set(),
    ),
    "enroll_learners_in_courses": (
        "post",
        "enterprise-customer/{c}/enroll_learners_in_courses/",
        {"enrollments_info": [{"email": "new@example.com", "course_run_key": RUN}]},
        202,
        set(),
    ),
    "unlink_users": (
        "post",
        "enterprise-customer/{c}/unlink_users/",
        {"user_emails": ["nobody@example.com"]},
        200,
        set(),
    ),
    "link_learner": (
        "post",
        "enterprise-learner/",
        {"enterprise_customer": "{c}", "user_email": "new@example.com"},
        201,
        set(),
    ),
}


def actor_client(name, customer_a, customer_b):
    if name == "anonymous":
        return api_client()
    user = factories.UserFactory(
        username=name, is_staff=name in ("staff", "superuser"), is_superuser=name == "superuser"
    )
    if name == "learner_of_a":
        link_learners(customer_a, users=[user])
    elif name == "admin_of_a":
        grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer_a)
    elif name == "admin_of_b":
        grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer_b)
    elif name == "admin_of_a_jwt":
        return api_client(user, roles=[f"{roles.ENTERPRISE_ADMIN_ROLE}:{customer_a.uuid}"])
    elif name == "operator":
        return api_client(user, roles=[f"{roles.ENTERPRISE_OPERATOR_ROLE}:*"])
    return api_client(user)


def fill(value, customer_uuid):
    if isinstance(value, str):
        return value.replace("{c}", customer_uuid)
    if isinstance(value, dict):
        return {k: fill(v, customer_uuid) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, customer_uuid) for v in value]
    return value


def call(client, route, customer_uuid):
    method, path, body, _, _ = ROUTES[route]
    return getattr(client, method)(f"{API}/{fill(path, customer_uuid)}", fill(body, customer_uuid), format="json")


@pytest.fixture
def tenants(customer, other_customer):
    for tenant in (customer, other_customer):
        factories.EnterpriseCustomerCatalogFactory(enterprise_customer=tenant)
    return customer, other_customer


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("actor", ACTORS)
def test_customer_routes(tenants, actor, route):
    customer_a, customer_b = tenants
    client = actor_client(actor, customer_a, customer_b)
    response = call(client, route, str(customer_a.uuid))
    _, _, _, allowed_status, also_allowed = ROUTES[route]
    if actor == "anonymous":
        expected = 401
    elif actor in ADMINS_OF_A or actor in also_allowed:
        expected = allowed_status
    else:
        expected = 403
    assert response.status_code == expected, response.content[:400]
    if expected in (401, 403):
        assert response.json()["code"] in ("not_authenticated", "permission_denied")
        assert response.json()["hint"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_missing_customer_is_404_for_those_allowed_everywhere_and_403_for_others(tenants, route):
    customer_a, customer_b = tenants
    assert call(actor_client("superuser", customer_a, customer_b), route, MISSING).status_code == 404
    assert call(actor_client("admin_of_b", customer_a, customer_b), route, MISSING).status_code in (403, 404)


@pytest.mark.parametrize(
    "path",
    [
        "enterprise-customer/",
        "enterprise-customer/basic_list/",
        "enterprise-learner/",
        "enterprise-course-enrollment/",
        "pending-enrollment/",
    ],
)
def test_admin_of_b_sees_nothing_of_a_in_any_list(tenants, path):
    customer_a, customer_b = tenants
    learner = factories.UserFactory(username="a-learner")
    link_learners(customer_a, users=[learner])
    enroll_learners(
        customer_a,
        [
            EnrollmentItem(RUN, lms_user_id=learner.pk, course_mode="audit"),
            EnrollmentItem(RUN, user_email="later@example.com", course_mode="audit"),
        ],
    )
    body = actor_client("admin_of_b", customer_a, customer_b).get(f"{API}/{path}").json()
    rows = body["results"] if isinstance(body, dict) else body
    text = str(rows)
    assert str(customer_a.uuid) not in text and "a-learner" not in text and "later@example.com" not in text
