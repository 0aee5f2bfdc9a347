"""OpenAPI (drf-spectacular) documentation of the accepted authentication schemes."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

# --- OpenAPI (drf-spectacular) -------------------------------------------------------------------------------------


class ConfiguredAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the accepted schemes: `Authorization: JWT <token>`, `Bearer <token>`, or a session cookie."""

    target_class = "enterprise_enroll.auth.authentication.ConfiguredAuthentication"
    name = ["jwtAuth", "bearerAuth", "cookieAuth"]

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`JWT <access token>` (the Open edX convention). " + _token_source_doc(),
            },
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "`Bearer <access token>`. " + _token_source_doc(),
            },
            {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME},
        ]


class EnterpriseJWTAuthenticationScheme(ConfiguredAuthenticationScheme):
    """The same documentation for views that use EnterpriseJWTAuthentication directly."""

    target_class = "enterprise_enroll.auth.authentication.EnterpriseJWTAuthentication"
    name = ["jwtAuth", "bearerAuth"]
    priority = 1

    def get_security_definition(self, auto_schema):
        return super().get_security_definition(auto_schema)[:2]


def _token_source_doc():
    return "Get one from POST /api/token/ (username + password) or `manage.py mint_service_token`."
