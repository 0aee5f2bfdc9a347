"""URLs of the LMS plugin: the v1 API, mounted by the plugin loader under ^enterprise-enroll/ (see apps.plugin_app)."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("enterprise_enroll.api.v1.urls")),
]
