"""Routes of the v1 API (same paths as edx-enterprise's enterprise/api/v1/)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views.access import AccessView
from .views.customers import EnterpriseCustomerViewSet
from .views.enrollments import EnterpriseCourseEnrollmentViewSet, PendingEnrollmentViewSet
from .views.learners import EnterpriseLearnerViewSet

router = DefaultRouter()
router.register("enterprise-customer", EnterpriseCustomerViewSet, basename="enterprise-customer")
router.register("enterprise-learner", EnterpriseLearnerViewSet, basename="enterprise-learner")
router.register(
    "enterprise-course-enrollment", EnterpriseCourseEnrollmentViewSet, basename="enterprise-course-enrollment"
)
router.register("pending-enrollment", PendingEnrollmentViewSet, basename="pending-enrollment")

urlpatterns = [
    path("access/", AccessView.as_view(), name="access"),
    path("", include(router.urls)),
]
