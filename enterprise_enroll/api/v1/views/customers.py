"""enterprise-customer: list/retrieve (tenant-scoped), create, update, catalog question, enrollments, unlinking."""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from .... import enrollment, learners, roles
from ....catalog import get_catalog_backend
from ....exceptions import InvalidRequest, PermissionMissing
from ....models import EnterpriseCustomer
from ..serializers.customers import (
    BasicCustomerSerializer,
    ContainsContentItemsSerializer,
    EnterpriseCustomerSerializer,
)
from ..serializers.enrollments import (
    BulkEnrollmentResponseSerializer,
    BulkEnrollmentSerializer,
    CourseEnrollmentItemSerializer,
    CourseEnrollmentResultSerializer,
    bulk_items,
    bulk_response,
)
from ..serializers.errors import ErrorSerializer
from ..serializers.learners import LinkResultSerializer, UnlinkUsersSerializer
from .common import (
    EnterprisePermissionMixin,
    get_active_customer,
    parse_query_course_run_id,
    query_flag,
    scope_to_customers,
)

COURSE_ENROLLMENTS_EXAMPLE = [
    {"user_email": "ann@example.com", "course_run_id": "course-v1:edX+DemoX+Demo_Course", "course_mode": "audit"},
    {"lms_user_id": 7, "course_run_id": "course-v1:edX+DemoX+Demo_Course", "is_active": False},
]


class EnterpriseCustomerFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = EnterpriseCustomer
        fields = ["slug", "name", "active"]


def visible_customers(request):
    """Staff, superusers and `*` operators see every active customer; others those they are linked to or hold a
    role for."""
    queryset = EnterpriseCustomer.objects.active()
    if request.user.is_staff or request.user.is_superuser:
        return queryset
    linked = Q(enterprise_customer_users__user=request.user, enterprise_customer_users__linked=True)
    return scope_to_customers(queryset, request, roles.FEATURE_ROLES, "uuid", own_rows=linked).distinct()


@extend_schema_view(
    list=extend_schema(summary="List the enterprise customers the caller may see"),
    retrieve=extend_schema(summary="One enterprise customer"),
    create=extend_schema(summary="Create an enterprise customer (operators only)"),
    partial_update=extend_schema(summary="Update an enterprise customer (dashboard admins of that customer)"),
)
class EnterpriseCustomerViewSet(
    EnterprisePermissionMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Enterprise customers (tenants). Inactive customers are invisible (404)."""

    queryset = EnterpriseCustomer.objects.none()
    serializer_class = EnterpriseCustomerSerializer
    lookup_field = "uuid"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = EnterpriseCustomerFilter
    ordering_fields = ["name", "created"]
    ordering = ["name"]
    permission_required = {
        "create": roles.CAN_MANAGE_CUSTOMERS,
        "partial_update": roles.CAN_ACCESS_ADMIN_DASHBOARD,
        "contains_content_items": roles.CAN_VIEW_CATALOG,
        "course_enrollments": roles.CAN_ENROLL_LEARNERS,
        "enroll_learners_in_courses": roles.CAN_ENROLL_LEARNERS,
        "unlink_users": roles.CAN_ENROLL_LEARNERS,
    }

    def scoped_queryset(self):
        return visible_customers(self.request)

    def get_object(self):
        customer = get_active_customer(self.kwargs["uuid"])  # 404 customer_not_found if absent or inactive
        if self.action == "retrieve" and not self.get_queryset().filter(pk=customer.pk).exists():
            raise PermissionMissing(
                f"You are not linked to enterprise customer {customer.uuid} and hold no role for it.",
                enterprise_customer=str(customer.uuid),
                hint="Staff, superusers and operators see every customer; others see the customers they are linked "
                f"to or hold a role for. See GET /enterprise/api/v1/access/?enterprise_customer={customer.uuid}.",
            )
        self.check_object_permissions(self.request, customer)  # permission was checked against this UUID
        return customer

    @extend_schema(
        summary="`[{id, name}]` of the customers the caller may see", responses=BasicCustomerSerializer(many=True)
    )
    @action(detail=False, pagination_class=None, url_path="basic_list")
    def basic_list(self, request):
        queryset = self.filter_queryset(self.get_queryset()).only("uuid", "name")
        return Response(BasicCustomerSerializer(queryset, many=True).data)

    @extend_schema(
        summary="Are all these course runs in the customer's catalogs?",
        parameters=[OpenApiParameter("course_run_ids", OpenApiTypes.STR, many=True, required=True)],
        responses=ContainsContentItemsSerializer,
    )
    @action(detail=True, methods=["get"], url_path="contains_content_items", pagination_class=None, filter_backends=[])
    def contains_content_items(self, request, uuid=None):
        customer = self.get_object()
        raw_ids = request.query_params.getlist("course_run_ids")
        if not raw_ids:
            raise InvalidRequest(
                "Give at least one course_run_ids query parameter.",
                code="missing_course_run_ids",
                hint="e.g. ?course_run_ids=course-v1:edX+DemoX+Demo_Course",
            )
        run_ids = {parse_query_course_run_id(raw) for raw in raw_ids}
        contained = get_catalog_backend().contains(customer, run_ids)
        return Response({"contains_content_items": run_ids <= set(contained)})

    @extend_schema(
        summary="Enroll, upgrade or unenroll learners (edx-compatible, with per-item results)",
        request=CourseEnrollmentItemSerializer(many=True),
        responses={
            200: OpenApiResponse(CourseEnrollmentResultSerializer(many=True), description="One result per item."),
            409: OpenApiResponse(
                CourseEnrollmentResultSerializer(many=True), description="atomic=true and an item is not ok."
            ),
            400: OpenApiResponse(ErrorSerializer, description="Body not a list, too many items, bad query flag."),
            503: OpenApiResponse(ErrorSerializer, description="A backend is unreachable; nothing was written."),
        },
        parameters=[
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Validate and report; write nothing."),
            OpenApiParameter("atomic", OpenApiTypes.BOOL, description="All items or none (409 if any is not ok)."),
        ],
        examples=[
            OpenApiExample("Enroll by email", value=COURSE_ENROLLMENTS_EXAMPLE[0], request_only=True),
            OpenApiExample("Unenroll by lms_user_id", value=COURSE_ENROLLMENTS_EXAMPLE[1], request_only=True),
        ],
    )
    @action(detail=True, methods=["post"], url_path="course_enrollments", pagination_class=None, filter_backends=[])
    def course_enrollments(self, request, uuid=None):
        customer = self.get_object()
        items = parse_course_enrollment_items(request.data)
        results = enrollment.enroll_learners(
            customer,
            items,
            actor=request.user,
            dry_run=query_flag(request, "dry_run"),
            atomic=query_flag(request, "atomic"),
        )
        return Response([result.as_dict() for result in results])

    @extend_schema(
        summary="edx's bulk enrollment shape: 201 all enrolled, 202 some pending, 409 any failure",
        request=BulkEnrollmentSerializer,
        responses={
            201: BulkEnrollmentResponseSerializer,
            202: BulkEnrollmentResponseSerializer,
            409: BulkEnrollmentResponseSerializer,
        },
    )
    @action(
        detail=True, methods=["post"], url_path="enroll_learners_in_courses", pagination_class=None, filter_backends=[]
    )
    def enroll_learners_in_courses(self, request, uuid=None):
        customer = self.get_object()
        if isinstance(request.data, dict) and isinstance(request.data.get("enrollments_info"), list):
            enrollment.check_batch_size(request.data["enrollments_info"])
        serializer = BulkEnrollmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = bulk_items(serializer.validated_data, enrollment.EnrollmentItem)
        results = enrollment.enroll_learners(customer, items, actor=request.user)
        body, status_code = bulk_response(results)
        return Response(body, status=status_code)

    @extend_schema(
        summary="Soft-unlink learners by email",
        request=UnlinkUsersSerializer,
        responses=LinkResultSerializer(many=True),
    )
    @action(detail=True, methods=["post"], url_path="unlink_users", pagination_class=None, filter_backends=[])
    def unlink_users(self, request, uuid=None):
        customer = self.get_object()
        serializer = UnlinkUsersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = learners.unlink_learners(
            customer, emails=serializer.validated_data["user_emails"], actor=request.user
        )
        return Response(
            [{"email": r.email, "status": r.status, "detail": r.detail} for r in results], status=status.HTTP_200_OK
        )


def parse_course_enrollment_items(data):
    """The course_enrollments body as service items; an item with bad field types carries its `errors`."""
    if not isinstance(data, list):
        raise InvalidRequest(
            "The request body must be a JSON list of enrollment items.",
            code="body_not_a_list",
            hint='Send e.g. [{"user_email": "ann@example.com", "course_run_id": "course-v1:Org+Course+Run", '
            '"course_mode": "audit"}].',
        )
    enrollment.check_batch_size(data)
    item_serializer = CourseEnrollmentItemSerializer()  # one instance: its fields are built once, not per item
    return [_course_enrollment_item(item_serializer, raw) for raw in data]


def _course_enrollment_item(item_serializer, raw):
    if not isinstance(raw, dict):
        return enrollment.EnrollmentItem(errors={"non_field_errors": ["Each item must be a JSON object."]})
    try:
        data = item_serializer.run_validation(raw)
    except ValidationError as exc:
        fields = item_serializer.fields
        echoed = {k: v for k, v in raw.items() if k in fields and k != "email_students"}
        echoed = {k: v if isinstance(v, str | int | bool) or v is None else str(v) for k, v in echoed.items()}
        return enrollment.item_from_dict({"course_run_id": None, **echoed}, errors=exc.detail)
    data["notify"] = data.pop("email_students", False)
    return enrollment.item_from_dict(data)
