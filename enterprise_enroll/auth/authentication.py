"""Authentication classes: JWT (JWT/Bearer) with diagnostic 401s, and the configured chain read per request."""

import logging

import jwt
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication as LmsJwtAuthentication
from rest_framework import HTTP_HEADER_ENCODING, exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError

from .. import app_settings
from .tokens import REALM, EnterpriseAccessToken, TokenRejected, header_types, user_for_token

log = logging.getLogger(__name__)

# How the caller authenticated (reported by the access diagnostic).
METHOD_JWT = "jwt"
METHOD_SESSION = "session"
METHOD_LMS_JWT = "lms-jwt"
_METHOD_ATTRIBUTE = "enterprise_enroll_auth_method"


# --- Authentication classes ----------------------------------------------------------------------------------------


class EnterpriseJWTAuthentication(JWTAuthentication):
    """
    simplejwt authentication accepting `Authorization: JWT <token>` and `Bearer <token>` (case-insensitively).

    Headers with another scheme are left to the other configured authenticators (e.g. the LMS's); a token it
    cannot accept raises a TokenRejected whose code says why.
    """

    www_authenticate_realm = REALM

    def accepted_schemes(self):
        return header_types()

    def authenticate(self, request):
        header = self.get_header(request)
        raw_token = self.get_raw_token(header) if header else None
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        return user_for_token(token), token

    def get_raw_token(self, header):
        parts = header.split()
        accepted = {scheme.lower() for scheme in self.accepted_schemes()}
        if not parts or parts[0].decode(HTTP_HEADER_ENCODING).lower() not in accepted:
            return None
        if len(parts) != 2:
            raise TokenRejected(
                "bad_authorization_header",
                "The Authorization header must be '<scheme> <token>' with exactly one space-free token.",
            )
        return parts[1]

    def get_validated_token(self, raw_token):
        try:
            return EnterpriseAccessToken(raw_token)
        except TokenError as exc:
            # What the backend did not already explain: a missing 'exp' or 'jti', a blacklisted token.
            raise TokenRejected("token_invalid", f"The token is not acceptable: {exc}.") from exc

    def authenticate_header(self, request):
        return ", ".join(f'{scheme} realm="{REALM}"' for scheme in self.accepted_schemes())


def method_label(authenticator):
    """'jwt', 'session', 'lms-jwt', or the class name: how a request was authenticated."""
    if isinstance(authenticator, EnterpriseJWTAuthentication):
        return METHOD_JWT
    if isinstance(authenticator, SessionAuthentication):
        return METHOD_SESSION
    if isinstance(authenticator, LmsJwtAuthentication):
        return METHOD_LMS_JWT
    return type(authenticator).__name__


def authentication_method(request):
    """How `request` (a DRF Request or its HttpRequest) was authenticated; None if anonymous or unknown."""
    return getattr(request, _METHOD_ATTRIBUTE, None)


class ConfiguredAuthentication(BaseAuthentication):
    """
    Delegates to ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES, read at request time (the LMS adds its own JWT class).

    The first authenticator that accepts the request wins. When several refuse it, the 401 reported is the most
    telling: a decisive verdict of ours (expired, not a JWT, inactive user, …), else another authenticator's
    (the token may be theirs), else ours. A header whose scheme nobody accepts is a 401 listing the schemes.
    """

    def __init__(self):
        self.authenticators = [cls() for cls in configured_authentication_classes()]

    def authenticate(self, request):
        refusals = []
        for authenticator in self.authenticators:
            try:
                result = authenticator.authenticate(request)
            except exceptions.AuthenticationFailed as exc:
                refusals.append(exc)
                continue
            if result is not None:
                setattr(getattr(request, "_request", request), _METHOD_ATTRIBUTE, method_label(authenticator))
                return result
        if refusals:
            raise most_telling(refusals)
        self.check_scheme(request)
        return None

    def accepted_schemes(self, request):
        schemes = []
        for authenticator in self.authenticators:
            if hasattr(authenticator, "accepted_schemes"):
                schemes.extend(authenticator.accepted_schemes())
            elif header := authenticator.authenticate_header(request):
                schemes.append(header.split()[0])
        return list(dict.fromkeys(schemes))

    def check_scheme(self, request):
        """Credentials in a scheme no authenticator handles (Basic, Token, …) are refused, not silently ignored."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme = header.split()[0] if header.split() else ""
        accepted = self.accepted_schemes(request)
        if scheme and scheme.lower() not in {s.lower() for s in accepted}:
            raise TokenRejected(
                "unsupported_auth_scheme",
                f"The Authorization scheme {scheme!r} is not supported; accepted: {', '.join(accepted)}.",
            )

    def authenticate_header(self, request):
        challenges = {}
        for authenticator in self.authenticators:
            for challenge in (authenticator.authenticate_header(request) or "").split(", "):
                if challenge:
                    challenges.setdefault(challenge.split()[0].lower(), challenge)
        return ", ".join(challenges.values()) or None


def configured_authentication_classes():
    """The classes named by ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES, imported now."""
    classes = []
    for path in app_settings.get("AUTHENTICATION_CLASSES"):
        try:
            classes.append(import_string(path))
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES lists {path!r}, which cannot be imported: {exc}"
            ) from exc
    return classes


def most_telling(refusals):
    """Pick the 401 to report among several authenticators' refusals (see ConfiguredAuthentication)."""
    for exc in refusals:
        if isinstance(exc, TokenRejected) and exc.decisive:
            return exc
    for exc in refusals:
        if not isinstance(exc, TokenRejected):
            return _in_our_shape(exc)
    return refusals[0]


def _in_our_shape(exc):
    detail = exc.detail.get("detail", exc.detail) if isinstance(exc.detail, dict) else exc.detail
    codes = exc.get_codes()
    code = codes.get("code") if isinstance(codes, dict) else codes
    return TokenRejected(code if isinstance(code, str) else "authentication_failed", str(detail))


# --- The decoded JWT of a request (for role checks) ----------------------------------------------------------------


def request_jwt_payload(request):
    """The decoded JWT `request` was authenticated with, or {} (sessions, anonymous, unknown authenticators)."""
    auth = getattr(request, "auth", None)
    payload = getattr(auth, "payload", None)
    if isinstance(payload, dict):
        return payload
    if isinstance(auth, str | bytes) and authentication_method(request) == METHOD_LMS_JWT:
        return _decode_lms_jwt(auth)
    return {}


def _decode_lms_jwt(raw_token):
    # The LMS's JwtAuthentication leaves the raw token in request.auth; it was verified moments ago.
    try:
        from edx_rest_framework_extensions.auth.jwt.decoder import configured_jwt_decode_handler

        return configured_jwt_decode_handler(raw_token) or {}
    except (ImportError, jwt.InvalidTokenError) as exc:
        log.warning("Cannot decode the LMS JWT for role checks; ignoring its roles claim: %s", exc)
        return {}
