"""Routes of the v1 API."""

urlpatterns = []
