"""URLs of the standalone project: the API under enterprise/api/v1/, tokens and OpenAPI docs under api/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .api.tokens import TokenObtainView, TokenRefreshView, TokenVerifyView

urlpatterns = [
    path("enterprise/api/v1/", include("enterprise_enroll.api.v1.urls")),
    path("api/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("api/token/verify/", TokenVerifyView.as_view(), name="token-verify"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
