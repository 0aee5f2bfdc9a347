"""Token endpoints (SPEC §4): obtain, refresh (roles re-derived), verify; algorithm, issuer and audience settings."""

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from rest_framework.test import APIClient

from enterprise_enroll import roles
from enterprise_enroll.auth import EnterpriseRefreshToken
from tests import factories
from tests.api_helpers import api_client, grant, jwt_for

OBTAIN, REFRESH, VERIFY = "/api/token/", "/api/token/refresh/", "/api/token/verify/"
ACCESS = "/enterprise/api/v1/access/"


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def obtain(username, password="password"):
    return APIClient().post(OBTAIN, {"username": username, "password": password}, format="json")


@pytest.fixture
def admin(customer):
    user = factories.UserFactory(username="worker")
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)
    grant(user, roles.ENTERPRISE_OPERATOR_ROLE)
    return user


def test_obtain_returns_a_pair_whose_access_token_carries_the_roles(admin, customer):
    response = obtain("worker")

    assert response.status_code == 200
    access, refresh = response.json()["access"], response.json()["refresh"]
    assert claims(access)["token_type"] == "access"
    assert claims(access)["username"] == "worker"
    assert sorted(claims(access)["roles"]) == sorted(
        [f"enterprise_admin:{customer.pk}", "enterprise_openedx_operator:*"]
    )
    assert claims(refresh)["token_type"] == "refresh"
    assert "roles" not in claims(refresh)  # roles are re-read at each refresh, never carried over
    assert api_client(token=access).get(ACCESS).status_code == 200


@pytest.mark.parametrize(
    "username,password,active,code",
    [
        ("worker", "wrong", True, "invalid_credentials"),
        ("nobody", "password", True, "invalid_credentials"),
        ("worker", "password", False, "user_inactive"),
        ("worker", "wrong", False, "invalid_credentials"),  # no account-state leak without the password
    ],
)
def test_obtain_refusals(username, password, active, code, db):
    factories.UserFactory(username="worker", is_active=active)

    response = obtain(username, password)

    assert response.status_code == 401
    assert response.json()["code"] == code and response.json()["hint"]
    assert "JWT" in response["WWW-Authenticate"]


def test_obtain_needs_both_fields(db):
    response = APIClient().post(OBTAIN, {"username": "worker"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "password" in response.json()["errors"]


def test_refresh_rederives_roles_from_the_database(admin, customer):
    refresh = obtain("worker").json()["refresh"]
    admin.systemwideenterpriseuserroleassignment_set.filter(enterprise_customer=customer).delete()
    grant(admin, roles.CATALOG_ADMIN_ROLE, customer)  # feature roles are not part of the claim

    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")

    assert response.status_code == 200
    assert claims(response.json()["access"])["roles"] == ["enterprise_openedx_operator:*"]
    assert "refresh" not in response.json()


def test_refresh_refuses_inactive_and_deleted_users(admin):
    refresh = obtain("worker").json()["refresh"]
    admin.is_active = False
    admin.save()

    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "user_inactive")

    admin.delete()
    response = APIClient().post(REFRESH, {"refresh": refresh}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "user_not_found")


@pytest.mark.parametrize(
    "make_token,code",
    [
        (lambda user: jwt_for(user), "token_wrong_type"),
        (lambda user: "dma4QVSUcMWG2IVrWJ1qCzWUX4O2ar", "token_not_jwt"),
        (lambda user: str(EnterpriseRefreshToken.for_user(user))[:-4] + "AAAA", "token_bad_signature"),
    ],
    ids=["access-token", "opaque", "bad-signature"],
)
def test_refresh_refusals(make_token, code, db):
    response = APIClient().post(REFRESH, {"refresh": make_token(factories.UserFactory())}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, code)


def test_refresh_rotates_when_configured(admin, settings):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ROTATE_REFRESH_TOKENS": True}
    refresh = obtain("worker").json()["refresh"]

    body = APIClient().post(REFRESH, {"refresh": refresh}, format="json").json()

    assert claims(body["refresh"])["jti"] != claims(refresh)["jti"]
    assert claims(body["refresh"])["token_type"] == "refresh"


def test_verify_describes_a_valid_token(admin, customer):
    pair = obtain("worker").json()

    access = APIClient().post(VERIFY, {"token": pair["access"]}, format="json").json()
    refresh = APIClient().post(VERIFY, {"token": pair["refresh"]}, format="json").json()

    assert access["token_type"] == "access" and access["user_id"] == str(admin.pk)
    assert f"enterprise_admin:{customer.pk}" in access["roles"]
    assert refresh["token_type"] == "refresh"


@pytest.mark.parametrize(
    "make_token,code",
    [
        (lambda user: jwt_for(user, lifetime=timedelta(seconds=-1)), "token_expired"),
        (lambda user: jwt_for(user)[:-4] + "AAAA", "token_bad_signature"),
        (lambda user: "not-a-token", "token_not_jwt"),
    ],
    ids=["expired", "bad-signature", "opaque"],
)
def test_verify_refusals(make_token, code, db):
    response = APIClient().post(VERIFY, {"token": make_token(factories.UserFactory())}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, code)


def test_verify_refuses_a_token_of_an_inactive_user(db):
    user = factories.UserFactory()
    token = jwt_for(user)
    user.is_active = False
    user.save()

    response = APIClient().post(VERIFY, {"token": token}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "user_inactive")


def test_lifetime_is_read_from_settings_at_call_time(settings, db):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(minutes=7)}
    factories.UserFactory(username="worker")

    access = claims(obtain("worker").json()["access"])

    assert access["exp"] - access["iat"] == 7 * 60


def rsa_keys():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


def test_rs256_with_issuer_and_audience(settings, db):
    hs256_token = jwt_for(factories.UserFactory(username="worker"))
    private, public = rsa_keys()
    settings.SIMPLE_JWT = {
        **settings.SIMPLE_JWT,
        "ALGORITHM": "RS256",
        "SIGNING_KEY": private,
        "VERIFYING_KEY": public,
        "ISSUER": "https://enroll.example.com",
        "AUDIENCE": "enterprise-enroll",
    }

    access = obtain("worker").json()["access"]

    assert jwt.get_unverified_header(access)["alg"] == "RS256"
    assert jwt.decode(access, public, algorithms=["RS256"], audience="enterprise-enroll")["iss"] == (
        "https://enroll.example.com"
    )
    assert api_client(token=access).get(ACCESS).status_code == 200
    refused = api_client(token=hs256_token).get(ACCESS)
    assert refused.json()["code"] == "token_bad_signature"
    assert "RS256" in refused.json()["detail"]


def test_schema_documents_the_token_endpoints_and_security_schemes(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    for path in (OBTAIN, REFRESH, VERIFY):
        assert "post" in schema["paths"][path]
    obtain_request = schema["paths"][OBTAIN]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert obtain_request["$ref"].endswith("TokenObtainRequest")
    assert set(schema["components"]["schemas"]["TokenObtainRequest"]["properties"]) == {"username", "password"}
    assert set(schema["components"]["schemas"]["TokenObtain"]["properties"]) == {"access", "refresh"}
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["jwtAuth"]["in"] == "header" and schemes["jwtAuth"]["name"] == "Authorization"
    assert {"jwtAuth": []} in schema["paths"][ACCESS]["get"]["security"]
    assert {"bearerAuth": []} in schema["paths"][ACCESS]["get"]["security"]


def test_interactive_docs_are_served(db):
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
