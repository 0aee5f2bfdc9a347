"""enterprise-course-enrollment and pending-enrollment: read-only lists, tenant-scoped, constant queries per page."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from .... import roles
from ....models import EnterpriseCourseEnrollment, PendingEnrollment
from ..serializers.enrollments import EnterpriseCourseEnrollmentSerializer, PendingEnrollmentSerializer
from .common import EnterprisePermissionMixin, scope_to_customers


class EnterpriseCourseEnrollmentFilter(filters.FilterSet):
    enterprise_customer = filters.UUIDFilter(field_name="enterprise_customer_user__enterprise_customer_id")
    user_email = filters.CharFilter(field_name="enterprise_customer_user__user__email", lookup_expr="iexact")
    modified_since = filters.IsoDateTimeFilter(field_name="modified", lookup_expr="gte")
    course_id = filters.CharFilter(method="filter_course_id")

    class Meta:
        model = EnterpriseCourseEnrollment
        fields = ["enterprise_customer", "course_id", "user_email", "unenrolled", "modified_since", "mode", "source"]

    def filter_course_id(self, queryset, name, value):
        return queryset.filter(course_id=value.replace(" ", "+"))  # an unencoded '+' arrives as a space


@extend_schema_view(
    list=extend_schema(summary="Enterprise course enrollments of the customers you are an enrollment API admin of"),
    retrieve=extend_schema(summary="One enterprise course enrollment"),
)
class EnterpriseCourseEnrollmentViewSet(EnterprisePermissionMixin, viewsets.ReadOnlyModelViewSet):
    """Enterprise course enrollments (rows are never deleted; unenrolled ones have `unenrolled=true`)."""

    queryset = EnterpriseCourseEnrollment.objects.none()
    serializer_class = EnterpriseCourseEnrollmentSerializer
    filterset_class = EnterpriseCourseEnrollmentFilter

    def scoped_queryset(self):
        queryset = EnterpriseCourseEnrollment.objects.filter(
            enterprise_customer_user__enterprise_customer__active=True
        ).select_related("enterprise_customer_user__user")
        customer_field = "enterprise_customer_user__enterprise_customer"
        return scope_to_customers(queryset, self.request, [roles.ENROLLMENT_API_ADMIN_ROLE], customer_field).order_by(
            "pk"
        )


class PendingEnrollmentFilter(filters.FilterSet):
    enterprise_customer = filters.UUIDFilter(field_name="user__enterprise_customer_id")
    user_email = filters.CharFilter(field_name="user__user_email", lookup_expr="iexact")

    class Meta:
        model = PendingEnrollment
        fields = ["enterprise_customer", "course_id", "user_email"]


@extend_schema_view(
    list=extend_schema(summary="Pending enrollments (learners without an account yet) of your customers"),
    retrieve=extend_schema(summary="One pending enrollment"),
)
class PendingEnrollmentViewSet(EnterprisePermissionMixin, viewsets.ReadOnlyModelViewSet):
    """Pending enrollments, realised automatically when an account with the email appears."""

    queryset = PendingEnrollment.objects.none()
    serializer_class = PendingEnrollmentSerializer
    filterset_class = PendingEnrollmentFilter

    def scoped_queryset(self):
        queryset = PendingEnrollment.objects.filter(user__enterprise_customer__active=True).select_related("user")
        return scope_to_customers(
            queryset, self.request, [roles.ENROLLMENT_API_ADMIN_ROLE], "user__enterprise_customer"
        ).order_by("pk")
