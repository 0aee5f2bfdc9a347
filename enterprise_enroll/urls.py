"""URLs of the standalone project: the API under enterprise/api/v1/, tokens and OpenAPI docs under api/."""

from django.urls import include, path

urlpatterns = [
    path("enterprise/api/v1/", include("enterprise_enroll.api.v1.urls")),
]
