"""enterprise-learner: learner links, tenant-scoped; linking by username or email."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .... import learners, roles
from ....exceptions import InvalidRequest
from ....models import EnterpriseCustomerUser
from ..serializers.learners import EnterpriseLearnerSerializer, LinkLearnerSerializer, LinkResultSerializer
from .common import EnterprisePermissionMixin, get_active_customer, scope_to_customers


class EnterpriseLearnerFilter(filters.FilterSet):
    enterprise_customer = filters.UUIDFilter(field_name="enterprise_customer_id")
    email = filters.CharFilter(field_name="user__email", lookup_expr="iexact")
    username = filters.CharFilter(field_name="user__username")

    class Meta:
        model = EnterpriseCustomerUser
        fields = ["enterprise_customer", "email", "username", "linked", "active"]


@extend_schema_view(
    list=extend_schema(summary="Learner links: your own, plus those of customers you are a dashboard admin of"),
    retrieve=extend_schema(summary="One learner link"),
    create=extend_schema(
        summary="Link a user (by username or email) to a customer; an unknown email becomes a pending learner",
        request=LinkLearnerSerializer,
        responses={201: LinkResultSerializer, 200: LinkResultSerializer},
    ),
)
class EnterpriseLearnerViewSet(EnterprisePermissionMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Learner links (EnterpriseCustomerUser)."""

    queryset = EnterpriseCustomerUser.objects.none()
    serializer_class = EnterpriseLearnerSerializer
    filterset_class = EnterpriseLearnerFilter
    permission_required = {"create": roles.CAN_ENROLL_LEARNERS}

    def scoped_queryset(self):
        queryset = EnterpriseCustomerUser.objects.filter(enterprise_customer__active=True).select_related("user")
        queryset = scope_to_customers(
            queryset,
            self.request,
            [roles.DASHBOARD_ADMIN_ROLE],
            "enterprise_customer",
            own_rows=Q(user=self.request.user),
        )
        return queryset.order_by("pk")

    def get_permission_object(self):
        if self.action == "create" and isinstance(self.request.data, dict):
            return self.request.data.get("enterprise_customer")
        return None

    def create(self, request, *args, **kwargs):
        serializer = LinkLearnerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = get_active_customer(data["enterprise_customer"])
        if data.get("username"):
            user = get_user_model().objects.filter(username=data["username"]).first()
            if user is None:
                raise InvalidRequest(
                    f"No user has username {data['username']!r}.",
                    code="user_not_found",
                    hint="Link by user_email instead: an unknown email becomes a pending learner.",
                )
            [result] = learners.link_learners(customer, users=[user], actor=request.user)
        else:
            [result] = learners.link_learners(customer, emails=[data["user_email"]], actor=request.user)
        link = EnterpriseCustomerUser.objects.filter(enterprise_customer=customer, user=result.user).first()
        body = {
            "email": result.email,
            "status": result.status,
            "detail": result.detail,
            "link": EnterpriseLearnerSerializer(link).data if link else None,
        }
        created = result.status in ("linked", "relinked", "pending")
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
