"""Routes of the v1 API."""

from django.urls import path

from .views.access import AccessView

urlpatterns = [
    path("access/", AccessView.as_view(), name="access"),
]
