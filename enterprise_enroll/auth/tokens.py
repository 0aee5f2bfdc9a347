"""Tokens: settings read per request, token classes carrying the edx `roles` claim, coded 401 errors."""

import logging
from functools import lru_cache

import jwt
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from edx_rbac.utils import create_role_auth_claim_for_user
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import AuthenticationFailed as SimpleJWTAuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import DEFAULTS as SIMPLE_JWT_DEFAULTS
from rest_framework_simplejwt.settings import api_settings as simplejwt_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken

log = logging.getLogger(__name__)

ROLES_CLAIM = "roles"
DEFAULT_HEADER_TYPES = ("JWT", "Bearer")
REALM = "api"


# --- URLs quoted in hints ------------------------------------------------------------------------------------------


def path_for(name, default):
    """The path of URL `name` (also under the plugin's `enterprise_enroll` namespace), else `default`."""
    for candidate in (name, f"enterprise_enroll:{name}"):
        try:
            return reverse(candidate)
        except NoReverseMatch:
            continue
    return default


def token_hint():
    """How to get a JWT from this service (quoted in most 401 hints)."""
    return (
        f"Get a JWT: POST username and password to {path_for('token-obtain', '/api/token/')} "
        f"(or run `./manage.py mint_service_token <username>` for a service account), then send "
        f"`Authorization: JWT <access token>` or `Authorization: Bearer <access token>`."
    )


# --- SIMPLE_JWT settings read at call time -------------------------------------------------------------------------


def jwt_setting(name):
    """SIMPLE_JWT[name] read now (simplejwt itself reads its settings once, at import), with simplejwt's defaults."""
    configured = getattr(settings, "SIMPLE_JWT", None) or {}
    if name in configured:
        return configured[name]
    if name == "SIGNING_KEY":
        return settings.SECRET_KEY
    if name == "AUTH_HEADER_TYPES":
        return DEFAULT_HEADER_TYPES
    return SIMPLE_JWT_DEFAULTS[name]


def header_types():
    """The accepted `Authorization` schemes, e.g. ("JWT", "Bearer")."""
    types = jwt_setting("AUTH_HEADER_TYPES")
    return (types,) if isinstance(types, str) else tuple(types)


def token_backend():
    """A TokenBackend (algorithm, keys, issuer, audience, leeway) for the current SIMPLE_JWT settings."""
    audience = jwt_setting("AUDIENCE")
    if isinstance(audience, list):
        audience = tuple(audience)
    return _token_backend(
        jwt_setting("ALGORITHM"),
        jwt_setting("SIGNING_KEY"),
        jwt_setting("VERIFYING_KEY"),
        audience,
        jwt_setting("ISSUER"),
        jwt_setting("JWK_URL"),
        jwt_setting("LEEWAY"),
    )


@lru_cache(maxsize=8)
def _token_backend(algorithm, signing_key, verifying_key, audience, issuer, jwk_url, leeway):
    # Cached per configuration: preparing an RSA key on every request would be wasteful.
    return DiagnosticTokenBackend(algorithm, signing_key, verifying_key, audience, issuer, jwk_url, leeway)


# --- 401 errors ----------------------------------------------------------------------------------------------------


class TokenRejected(exceptions.AuthenticationFailed):
    """
    A 401 in the SPEC §5 shape: {"detail", "code", "hint"}.

    `decisive` is False when another authenticator might still accept the same credentials (e.g. a signature made
    with someone else's key): the authentication chain then prefers that authenticator's verdict.
    """

    def __init__(self, code, detail, hint=None, *, decisive=True):
        super().__init__({"detail": detail, "code": code, "hint": hint or token_hint()}, code=code)
        self.code = code
        self.decisive = decisive


def not_authenticated_error():
    """The 401 for a request that carries no credentials at all."""
    body = {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "hint": token_hint(),
    }
    return exceptions.NotAuthenticated(body, code="not_authenticated")


def _looks_like_jwt(raw):
    """A JWS compact serialisation has three dot-separated parts; an opaque OAuth token has none."""
    return raw.count(b"." if isinstance(raw, bytes) else ".") == 2


def _rejected_from_pyjwt(error, raw):
    """Translate a PyJWT error into a TokenRejected with a stable code (PyJWT checks the signature first)."""
    if isinstance(error, jwt.ExpiredSignatureError):
        return TokenRejected("token_expired", "The token has expired.", _refresh_hint())
    if isinstance(error, jwt.InvalidSignatureError | jwt.InvalidAlgorithmError):
        return TokenRejected(
            "token_bad_signature",
            f"The token's signature does not verify with this service's {jwt_setting('ALGORITHM')} key "
            "(tampered token, wrong algorithm, 'alg: none', or a token issued by another service).",
            decisive=False,
        )
    if isinstance(error, jwt.MissingRequiredClaimError) and error.claim in ("iss", "aud"):
        error = jwt.InvalidIssuerError() if error.claim == "iss" else jwt.InvalidAudienceError()
    if isinstance(error, jwt.InvalidIssuerError):
        return TokenRejected("token_bad_issuer", f"The token was not issued by {jwt_setting('ISSUER')!r}.")
    if isinstance(error, jwt.InvalidAudienceError):
        return TokenRejected("token_bad_audience", f"The token is not meant for audience {jwt_setting('AUDIENCE')!r}.")
    if isinstance(error, jwt.ImmatureSignatureError):
        return TokenRejected("token_not_yet_valid", "The token is not valid yet (its 'nbf' or 'iat' is in the future).")
    if isinstance(error, jwt.MissingRequiredClaimError):
        return TokenRejected("token_missing_claim", f"The token lacks a required claim: {error}.")
    if isinstance(error, jwt.DecodeError) and not _looks_like_jwt(raw):
        return TokenRejected(
            "token_not_jwt",
            "The token is not a JWT (it may be an opaque OAuth access token, which this service cannot verify).",
        )
    if isinstance(error, jwt.DecodeError):
        return TokenRejected("token_malformed", f"The token cannot be decoded as a JWT: {error}.")
    return TokenRejected("token_invalid", f"The token is not acceptable: {error}.")


def _refresh_hint():
    return (
        f"Get a new access token: POST your refresh token to {path_for('token-refresh', '/api/token/refresh/')}, "
        f"or username and password to {path_for('token-obtain', '/api/token/')}."
    )


class DiagnosticTokenBackend(TokenBackend):
    """simplejwt's TokenBackend, but a failed decode says *why* with a stable code instead of 'Token is invalid'."""

    def decode(self, token, verify=True):
        try:
            return super().decode(token, verify=verify)
        except TokenBackendError as exc:
            # simplejwt chains the PyJWT error (`raise ... from e`): it is what tells the cases apart.
            raise _rejected_from_pyjwt(exc.__cause__, token) from exc


# --- Tokens --------------------------------------------------------------------------------------------------------


class CurrentSettingsTokenMixin:
    """Tokens whose backend and lifetime follow the SIMPLE_JWT settings of the moment, and whose type is explained."""

    lifetime_setting = None

    @property
    def token_backend(self):
        return token_backend()

    def get_token_backend(self):
        return token_backend()

    @property
    def lifetime(self):
        return jwt_setting(self.lifetime_setting)

    def verify_token_type(self):
        actual = self.payload.get(simplejwt_settings.TOKEN_TYPE_CLAIM)
        if actual != self.token_type:
            raise TokenRejected(
                "token_wrong_type",
                f"Expected an {self.token_type} token, got a token of type {actual!r}.",
                "Send the `access` token in the Authorization header and the `refresh` token only to "
                f"{path_for('token-refresh', '/api/token/refresh/')}.",
            )


class EnterpriseAccessToken(CurrentSettingsTokenMixin, AccessToken):
    """An access token: carries the edx-style `roles` claim."""

    lifetime_setting = "ACCESS_TOKEN_LIFETIME"


class EnterpriseRefreshToken(CurrentSettingsTokenMixin, RefreshToken):
    """A refresh token: carries no roles; each refresh re-derives them from the database."""

    lifetime_setting = "REFRESH_TOKEN_LIFETIME"
    access_token_class = EnterpriseAccessToken


class EnterpriseUntypedToken(CurrentSettingsTokenMixin, UntypedToken):
    """Any of our tokens, checked for signature and expiry only (token verify endpoint)."""

    @property
    def lifetime(self):
        return UntypedToken.lifetime

    def verify_token_type(self):
        """Any type is fine."""


def add_user_claims(token, user, roles=None):
    """Put `roles` (from the database via edx-rbac unless given), `username` and `email` into an access token."""
    token[ROLES_CLAIM] = create_role_auth_claim_for_user(user) if roles is None else list(roles)
    token["username"] = user.get_username()
    token["email"] = getattr(user, "email", "") or ""
    return token


def access_token_for(user, *, lifetime=None, roles=None):
    """A signed access token for `user` with its database roles (or `roles`); `lifetime` is a timedelta."""
    token = add_user_claims(EnterpriseAccessToken.for_user(user), user, roles)
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return token


def token_pair_for(user):
    """(refresh, access) tokens for `user`; only the access token carries roles."""
    refresh = EnterpriseRefreshToken.for_user(user)
    return refresh, add_user_claims(refresh.access_token, user)


USER_ERRORS = {
    "user_not_found": ("The token's user does not exist (any more).", "Ask an administrator for a new account."),
    "user_inactive": ("The token's user is inactive.", "Ask an administrator to reactivate the account."),
    "password_changed": ("The user's password changed after the token was issued.", None),
}


def user_for_token(token):
    """The active user a validated token names, or TokenRejected (user_not_found / user_inactive / …)."""
    try:
        return JWTAuthentication().get_user(token)
    except SimpleJWTAuthenticationFailed as exc:
        # simplejwt puts its code in the detail dict, e.g. {"detail": "User not found", "code": "user_not_found"}.
        code = str(exc.detail.get("code", "")) or None
        detail, hint = USER_ERRORS.get(code, (str(exc.detail.get("detail", "")), None))
        raise TokenRejected(code or "token_invalid", detail, hint or token_hint()) from exc
