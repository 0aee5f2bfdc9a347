"""Authentication (SPEC §4): accepted schemes, a coded 401 for every failure, and the configurable chain."""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.core.exceptions import ImproperlyConfigured
from edx_rest_framework_extensions.auth.jwt import decoder as lms_decoder
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from enterprise_enroll import roles
from enterprise_enroll.auth import (
    ConfiguredAuthentication,
    EnterpriseRefreshToken,
    LmsJwtAuthentication,
    configured_authentication_classes,
)
from tests import factories
from tests.api_helpers import api_client, grant, jwt_for

ACCESS = "/enterprise/api/v1/access/"
FORUM_OPAQUE_TOKEN = "dma4QVSUcMWG2IVrWJ1qCzWUX4O2ar"
LMS_SECRET = "lms-signing-secret-of-at-least-32-bytes"


def payload_of(token):
    return jwt.decode(token, options={"verify_signature": False})


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def tampered_roles(user, settings):
    """A real token whose payload is edited to claim the operator role, keeping the original signature."""
    header, _, signature = jwt_for(user, roles=[]).split(".")
    payload = {**payload_of(jwt_for(user, roles=[])), "roles": ["enterprise_openedx_operator:*"]}
    return f"JWT {header}.{b64(payload)}.{signature}"


def signed_with(key, algorithm="HS256"):
    def build(user, settings):
        return f"JWT {jwt.encode(payload_of(jwt_for(user)), key, algorithm=algorithm)}"

    return build


def alg_none(user, settings):
    return f"JWT {jwt.encode(payload_of(jwt_for(user)), None, algorithm='none')}"


def deleted_user(user, settings):
    header = f"JWT {jwt_for(user)}"
    user.delete()
    return header


def inactive_user(user, settings):
    header = f"JWT {jwt_for(user)}"
    user.is_active = False
    user.save()
    return header


def issuer_required(issued_by):
    def build(user, settings):
        settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ISSUER": issued_by}
        token = jwt_for(user)
        settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ISSUER": "https://lms.example.com"}
        return f"Bearer {token}"

    return build


def audience_required(user, settings):
    token = jwt_for(user)
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "AUDIENCE": "enterprise-enroll"}
    return f"Bearer {token}"


def static(header):
    return lambda user, settings: header


UNAUTHORIZED = [
    pytest.param(static(None), "not_authenticated", id="no-credentials"),
    pytest.param(static("Basic dXNlcjpwYXNz"), "unsupported_auth_scheme", id="basic"),
    pytest.param(static("Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"), "unsupported_auth_scheme", id="drf-token"),
    pytest.param(static(f"JWT {FORUM_OPAQUE_TOKEN}"), "token_not_jwt", id="forum-opaque-oauth-token"),
    pytest.param(static(f"Bearer {FORUM_OPAQUE_TOKEN}"), "token_not_jwt", id="bearer-opaque-token"),
    pytest.param(static("JWT"), "bad_authorization_header", id="scheme-without-token"),
    pytest.param(static("JWT a b"), "bad_authorization_header", id="two-tokens"),
    pytest.param(static("JWT aaa.bbb.ccc"), "token_malformed", id="three-garbage-segments"),
    pytest.param(lambda u, s: f"JWT {jwt_for(u, lifetime=timedelta(seconds=-5))}", "token_expired", id="expired"),
    pytest.param(signed_with("someone-else's-key-" + "k" * 32), "token_bad_signature", id="other-key"),
    pytest.param(tampered_roles, "token_bad_signature", id="tampered-roles-claim"),
    pytest.param(alg_none, "token_bad_signature", id="alg-none"),
    pytest.param(signed_with("x" * 64, algorithm="HS512"), "token_bad_signature", id="wrong-algorithm"),
    pytest.param(lambda u, s: f"JWT {EnterpriseRefreshToken.for_user(u)}", "token_wrong_type", id="refresh-as-access"),
    pytest.param(issuer_required("https://other.example.com"), "token_bad_issuer", id="wrong-issuer"),
    pytest.param(issuer_required(None), "token_bad_issuer", id="no-issuer"),
    pytest.param(audience_required, "token_bad_audience", id="no-audience"),
    pytest.param(deleted_user, "user_not_found", id="user-deleted"),
    pytest.param(inactive_user, "user_inactive", id="user-inactive"),
]


@pytest.mark.parametrize("build_header,code", UNAUTHORIZED)
def test_every_401_has_a_code_a_hint_and_a_challenge(build_header, code, settings, db):
    user = factories.UserFactory()
    header = build_header(user, settings)
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(ACCESS)

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == code
    assert body["detail"] and body["hint"]
    assert 'JWT realm="api"' in response["WWW-Authenticate"]
    assert 'Bearer realm="api"' in response["WWW-Authenticate"]


def test_unsupported_scheme_lists_the_accepted_ones(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    assert "accepted: JWT, Bearer" in client.get(ACCESS).json()["detail"]


def test_opaque_token_hint_says_how_to_get_a_jwt(db):
    body = api_client(token=FORUM_OPAQUE_TOKEN).get(ACCESS).json()

    assert "not a JWT" in body["detail"] and "opaque OAuth" in body["detail"]
    assert "POST username and password to /api/token/" in body["hint"]
    assert "mint_service_token" in body["hint"]


def test_tampered_roles_claim_grants_nothing(customer):
    user = factories.UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=tampered_roles(user, None))

    assert client.get(f"{ACCESS}?enterprise_customer={customer.pk}").status_code == 401


@pytest.mark.parametrize("scheme", ["JWT", "Bearer", "bearer", "jwt"])
def test_both_schemes_are_accepted(scheme, db):
    user = factories.UserFactory()

    response = api_client(user, scheme=scheme).get(ACCESS)

    assert response.status_code == 200
    assert response.json()["authentication"]["method"] == "jwt"


def test_sessions_still_work(db):
    user = factories.UserFactory()
    client = APIClient()
    client.force_login(user)

    response = client.get(ACCESS)

    assert response.status_code == 200
    assert response.json()["authentication"] == {"method": "session", "token": None}


def test_header_types_are_read_from_settings_at_request_time(settings, db):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "AUTH_HEADER_TYPES": ("Bearer",)}
    user = factories.UserFactory()

    assert api_client(user, scheme="Bearer").get(ACCESS).status_code == 200
    response = api_client(user, scheme="JWT").get(ACCESS)
    assert response.json()["code"] == "unsupported_auth_scheme"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


class ForeignJwtAuthentication:
    """Stands for another service's JWT authenticator: refuses every `JWT` header it cannot verify."""

    def authenticate(self, request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(parts) == 2 and parts[0] == "JWT":
            raise AuthenticationFailed("Invalid token.")
        return None

    def authenticate_header(self, request):
        return 'JWT realm="foreign"'


class FakeLmsJwtAuthentication(LmsJwtAuthentication):
    """The LMS's JwtAuthentication, verifying with the LMS's key and leaving the raw token in request.auth."""

    def authenticate(self, request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(parts) != 2 or parts[0] != "JWT":
            return None
        try:
            payload = jwt.decode(parts[1], LMS_SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed("Error decoding token.") from exc
        return factories.UserFactory._meta.model.objects.get(username=payload["preferred_username"]), parts[1]


@pytest.fixture
def foreign_first(settings):
    settings.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES = [
        "tests.test_auth.ForeignJwtAuthentication",
        "enterprise_enroll.auth.EnterpriseJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]


def test_chain_continues_past_a_refusal_to_our_valid_token(foreign_first, db):
    assert api_client(factories.UserFactory()).get(ACCESS).status_code == 200


def test_chain_prefers_our_decisive_verdict(foreign_first, db):
    body = api_client(token=FORUM_OPAQUE_TOKEN).get(ACCESS).json()

    assert body["code"] == "token_not_jwt"


def test_chain_reports_the_other_authenticators_verdict_for_a_token_that_may_be_theirs(foreign_first, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=signed_with("their-key-" + "k" * 32)(factories.UserFactory(), None))

    response = client.get(ACCESS)

    assert response.status_code == 401
    body = response.json()
    assert body["detail"] == "Invalid token."
    assert body["code"] == "authentication_failed" and body["hint"]


def test_lms_jwt_roles_claim_is_honoured(settings, monkeypatch, customer):
    settings.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES = [
        "tests.test_auth.FakeLmsJwtAuthentication",
        "enterprise_enroll.auth.EnterpriseJWTAuthentication",
    ]
    monkeypatch.setattr(
        lms_decoder, "configured_jwt_decode_handler", lambda t: jwt.decode(t, LMS_SECRET, algorithms=["HS256"])
    )
    user = factories.UserFactory(username="lms-user")
    lms_token = jwt.encode(
        {"preferred_username": "lms-user", "roles": [f"enterprise_admin:{customer.pk}"]}, LMS_SECRET, "HS256"
    )

    body = api_client(token=lms_token).get(f"{ACCESS}?enterprise_customer={customer.pk}").json()

    assert body["authentication"]["method"] == "lms-jwt"
    assert body["token_roles"] == [f"enterprise_admin:{customer.pk}"]
    enroll = body["customers"][0]["permissions"][0]
    assert enroll == {
        "permission": roles.CAN_ENROLL_LEARNERS,
        "granted": True,
        "feature_role": roles.ENROLLMENT_API_ADMIN_ROLE,
        "sources": ["jwt"],
    }
    # Our own tokens keep working behind the LMS's authenticator.
    grant(user, roles.ENTERPRISE_ADMIN_ROLE, customer)
    assert api_client(user).get(ACCESS).json()["authentication"]["method"] == "jwt"


def test_authentication_classes_setting_must_import(settings):
    settings.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES = ["enterprise_enroll.auth.NoSuchAuthentication"]

    with pytest.raises(ImproperlyConfigured, match="ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES"):
        configured_authentication_classes()


def test_challenge_lists_each_scheme_once(foreign_first, rf):
    header = ConfiguredAuthentication().authenticate_header(rf.get("/"))

    assert header == 'JWT realm="foreign", Bearer realm="api"'
