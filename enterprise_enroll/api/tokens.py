"""Token endpoints (SPEC §4): obtain {access, refresh} with a `roles` claim, refresh (roles re-derived), verify."""

from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from ..auth import (
    REALM,
    EnterpriseRefreshToken,
    EnterpriseUntypedToken,
    TokenRejected,
    add_user_claims,
    header_types,
    jwt_setting,
    token_hint,
    token_pair_for,
    user_for_token,
)


class ErrorBodySerializer(serializers.Serializer):
    """The error shape of every 4xx (SPEC §5)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    hint = serializers.CharField(required=False)


class TokenObtainSerializer(serializers.Serializer):
    """Username and password in; a token pair out."""

    username = serializers.CharField(write_only=True)
    password = serializers.CharField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)
    access = serializers.CharField(read_only=True, help_text="Access token; carries the `roles` claim.")
    refresh = serializers.CharField(read_only=True, help_text="Refresh token; POST it to /api/token/refresh/.")


class TokenRefreshSerializer(serializers.Serializer):
    """A refresh token in; a new access token (roles re-read from the database) out."""

    refresh = serializers.CharField(help_text="Refresh token in; a rotated one out when ROTATE_REFRESH_TOKENS is on.")
    access = serializers.CharField(read_only=True)


class TokenVerifySerializer(serializers.Serializer):
    """Any token in; what it is out."""

    token = serializers.CharField(write_only=True)
    token_type = serializers.CharField(read_only=True)
    user_id = serializers.CharField(read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    exp = serializers.IntegerField(read_only=True, help_text="Expiry, seconds since the epoch.")


class TokenView(APIView):
    """Base of the token endpoints: open to anyone, 401s with this service's WWW-Authenticate challenge."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = None

    def get_authenticate_header(self, request):
        return ", ".join(f'{scheme} realm="{REALM}"' for scheme in header_types())

    def validated(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


TOKEN_ERRORS = {400: ErrorBodySerializer, 401: ErrorBodySerializer}


class TokenObtainView(TokenView):
    """POST username + password → {access, refresh}. Inactive users get no token."""

    serializer_class = TokenObtainSerializer

    @extend_schema(
        summary="Get an access and a refresh token",
        tags=["tokens"],
        request=TokenObtainSerializer,
        responses={200: TokenObtainSerializer, **TOKEN_ERRORS},
        examples=[OpenApiExample("Credentials", value={"username": "enterprise_worker", "password": "…"})],
    )
    def post(self, request):
        data = self.validated(request)
        user = authenticate(request, username=data["username"], password=data["password"])
        if user is None:
            raise credentials_error(data["username"], data["password"])
        refresh, access = token_pair_for(user)
        if jwt_setting("UPDATE_LAST_LOGIN"):
            update_last_login(None, user)
        return Response({"access": str(access), "refresh": str(refresh)})


def credentials_error(username, password):
    """401 user_inactive for the right password of an inactive account, else invalid_credentials."""
    model = get_user_model()
    user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
    if user is not None and not user.is_active and user.check_password(password):
        return TokenRejected(
            "user_inactive", "This account is inactive.", "Ask an administrator to reactivate the account."
        )
    return TokenRejected(
        "invalid_credentials",
        "No active account matches this username and password.",
        "Check the username and password; a service account's password is set with "
        "`./manage.py changepassword <username>`, or mint a token with `./manage.py mint_service_token <username>`.",
    )


class TokenRefreshView(TokenView):
    """POST a refresh token → a new access token whose roles are re-derived from the database."""

    serializer_class = TokenRefreshSerializer

    @extend_schema(
        summary="Get a new access token (roles re-read from the database)",
        tags=["tokens"],
        request=TokenRefreshSerializer,
        responses={200: TokenRefreshSerializer, **TOKEN_ERRORS},
    )
    def post(self, request):
        refresh = decode(EnterpriseRefreshToken, self.validated(request)["refresh"])
        user = user_for_token(refresh)
        body = {"access": str(add_user_claims(refresh.access_token, user))}
        if jwt_setting("ROTATE_REFRESH_TOKENS"):
            body["refresh"] = str(rotate(refresh))
        return Response(body)


def rotate(refresh):
    """The same refresh token with a new id and lifetime; the old one blacklisted when the blacklist app is on."""
    if jwt_setting("BLACKLIST_AFTER_ROTATION") and apps.is_installed("rest_framework_simplejwt.token_blacklist"):
        refresh.blacklist()
    refresh.set_jti()
    refresh.set_exp()
    refresh.set_iat()
    return refresh


class TokenVerifyView(TokenView):
    """POST any token → 200 with its type, user and roles if it is valid for an active user; else a coded 401."""

    serializer_class = TokenVerifySerializer

    @extend_schema(
        summary="Check a token",
        tags=["tokens"],
        request=TokenVerifySerializer,
        responses={200: TokenVerifySerializer, **TOKEN_ERRORS},
    )
    def post(self, request):
        raw = self.validated(request)["token"]
        token = decode(EnterpriseUntypedToken, raw)
        if token.get("token_type") == EnterpriseRefreshToken.token_type:
            token = decode(EnterpriseRefreshToken, raw)  # also consults the blacklist, when installed
        user = user_for_token(token)
        return Response(
            {
                "token_type": token.get("token_type"),
                "user_id": str(user.pk),
                "roles": token.get("roles", []),
                "exp": token.get("exp"),
            }
        )


def decode(token_class, raw):
    """A validated token of `token_class`, or a coded 401 (the backend explains signature, expiry, …)."""
    try:
        return token_class(raw)
    except TokenError as exc:
        raise TokenRejected("token_invalid", f"The token is not acceptable: {exc}.", token_hint()) from exc
