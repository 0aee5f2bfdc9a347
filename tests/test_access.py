"""The access diagnostic (SPEC §5): identity, authentication, token and database roles, effective permissions."""

import uuid

import pytest
from rest_framework.test import APIClient

from enterprise_enroll import roles
from tests import factories
from tests.api_helpers import api_client, grant

ACCESS = "/enterprise/api/v1/access/"


def permissions_of(block):
    """{permission: (granted, sources)} of a customer block."""
    return {p["permission"]: (p["granted"], p["sources"]) for p in block["permissions"]}


def test_anonymous_callers_get_a_coded_401(db):
    response = APIClient().get(ACCESS)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "/api/token/" in response.json()["hint"]


def test_report_for_an_admin_by_jwt_and_database(customer):
    user = factories.UserFactory(username="worker", email="worker@example.com")
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)

    body = api_client(user).get(f"{ACCESS}?enterprise_customer={customer.pk}").json()

    assert body["user"] == {
        "id": user.pk,
        "username": "worker",
        "email": "worker@example.com",
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
    }
    assert body["authentication"]["method"] == "jwt"
    assert body["authentication"]["token"]["token_type"] == "access"
    assert body["token_roles"] == [f"enterprise_admin:{customer.pk}"]
    assert body["database_roles"] == [
        {"source": "database", "kind": "system", "role": "enterprise_admin", "context": str(customer.pk)}
    ]
    assert body["all_customers"] is None
    [block] = body["customers"]
    assert (block["enterprise_customer"], block["name"], block["slug"], block["linked"]) == (
        str(customer.pk),
        "Acme",
        "acme",
        False,
    )
    assert [r["feature_role"] for r in block["feature_roles"]] == list(roles.FEATURE_ROLES)
    assert {s["source"] for s in block["feature_roles"][0]["sources"]} == {"jwt", "database"}
    perms = permissions_of(block)
    assert perms[roles.CAN_ENROLL_LEARNERS] == (True, ["jwt", "database"])
    assert perms[roles.CAN_MANAGE_CUSTOMERS] == (False, [])
    manage = next(p for p in block["permissions"] if p["permission"] == roles.CAN_MANAGE_CUSTOMERS)
    assert "--role enterprise_openedx_operator --all-contexts" in manage["hint"]


def test_revoke_then_refresh_shows_the_change(customer):
    user = factories.UserFactory(username="worker")
    assignment = grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)
    pair = APIClient().post("/api/token/", {"username": "worker", "password": "password"}, format="json").json()
    url = f"{ACCESS}?enterprise_customer={customer.pk}"

    before = permissions_of(api_client(token=pair["access"]).get(url).json()["customers"][0])
    assignment.delete()
    stale = api_client(token=pair["access"]).get(url).json()
    new_access = APIClient().post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json").json()["access"]
    after = api_client(token=new_access).get(url).json()

    assert before[roles.CAN_ENROLL_LEARNERS] == (True, ["jwt", "database"])
    # The old access token still carries the role until it expires; the database no longer does.
    assert stale["database_roles"] == []
    assert permissions_of(stale["customers"][0])[roles.CAN_ENROLL_LEARNERS] == (True, ["jwt"])
    assert after["token_roles"] == []
    assert permissions_of(after["customers"][0])[roles.CAN_ENROLL_LEARNERS] == (False, [])
    assert after["customers"][0]["feature_roles"] == []


def test_without_a_customer_it_reports_every_related_one(customer, other_customer):
    unrelated = factories.EnterpriseCustomerFactory()
    inactive = factories.EnterpriseCustomerFactory(active=False)
    user = factories.UserFactory()
    factories.EnterpriseCustomerUserFactory(user=user, enterprise_customer=customer)  # grants enterprise_learner
    grant(user, roles.CATALOG_ADMIN_ROLE, other_customer)
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, inactive)

    body = api_client(user).get(ACCESS).json()

    by_uuid = {block["enterprise_customer"]: block for block in body["customers"]}
    assert set(by_uuid) == {str(customer.pk), str(other_customer.pk)}
    assert str(unrelated.pk) not in by_uuid
    assert by_uuid[str(customer.pk)]["linked"] is True
    assert by_uuid[str(customer.pk)]["feature_roles"] == []
    assert [r["feature_role"] for r in by_uuid[str(other_customer.pk)]["feature_roles"]] == ["catalog_admin"]
    assert permissions_of(by_uuid[str(other_customer.pk)])[roles.CAN_VIEW_CATALOG] == (True, ["database"])


def test_operator_gets_an_all_customers_block(customer):
    user = factories.UserFactory()
    grant(user, roles.ENTERPRISE_OPERATOR_ROLE)

    body = api_client(user).get(ACCESS).json()

    assert body["customers"] == []
    assert all(granted for granted, _ in permissions_of(body["all_customers"]).values())
    assert body["all_customers"]["feature_roles"][0]["sources"][0]["context"] == "*"


def test_superuser_source_is_superuser(customer):
    user = factories.UserFactory(is_superuser=True)

    body = api_client(user).get(f"{ACCESS}?enterprise_customer={customer.pk}").json()

    assert permissions_of(body["customers"][0])[roles.CAN_ENROLL_LEARNERS] == (True, ["superuser"])
    assert body["customers"][0]["name"] == "Acme"


def test_an_unrelated_customer_is_reported_without_its_name(customer):
    user = factories.UserFactory(username="eve")

    [block] = api_client(user).get(f"{ACCESS}?enterprise_customer={customer.pk}").json()["customers"]

    assert "name" not in block and "slug" not in block
    enroll = next(p for p in block["permissions"] if p["permission"] == roles.CAN_ENROLL_LEARNERS)
    assert enroll["granted"] is False
    assert "--user eve --role enterprise_admin --customer" in enroll["hint"]


@pytest.mark.parametrize(
    "value,status,code",
    [
        ("not-a-uuid", 400, "invalid_enterprise_customer"),
        (str(uuid.uuid4()), 404, "customer_not_found"),
    ],
)
def test_bad_customer_parameter(value, status, code, db):
    response = api_client(factories.UserFactory()).get(ACCESS, {"enterprise_customer": value})

    assert (response.status_code, response.json()["code"]) == (status, code)


def test_inactive_customer_is_not_found(db):
    inactive = factories.EnterpriseCustomerFactory(active=False)
    user = factories.UserFactory()
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, inactive)

    response = api_client(user).get(ACCESS, {"enterprise_customer": str(inactive.pk)})

    assert (response.status_code, response.json()["code"]) == (404, "customer_not_found")


def test_query_count_does_not_grow_with_customers(db, django_assert_max_num_queries):
    user = factories.UserFactory()
    for _ in range(15):
        customer = factories.EnterpriseCustomerFactory()
        grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)
        factories.EnterpriseCustomerUserFactory(user=user, enterprise_customer=customer)
    client = api_client(user)

    # user lookup (JWT) + role data (one UNION query) + customers with their `linked` flag
    with django_assert_max_num_queries(3):
        body = client.get(ACCESS).json()

    assert len(body["customers"]) == 15
