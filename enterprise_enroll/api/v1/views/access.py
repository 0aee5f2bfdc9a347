"""The access diagnostic (SPEC §5): who the caller is, how they authenticated, and what their roles let them do."""

import uuid

from django.db.models import Exists, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .... import roles
from ....auth import ROLES_CLAIM, authentication_method, request_jwt_payload
from ....exceptions import CustomerNotFound, InvalidRequest
from ....models import EnterpriseCustomer, EnterpriseCustomerUser
from ....rules import SOURCE_DATABASE, grants_for, is_active_superuser, permission_grants
from ...permissions import EnterpriseAccessMixin, grant_hint
from ...tokens import ErrorBodySerializer

PERMISSIONS = (
    roles.CAN_ENROLL_LEARNERS,
    roles.CAN_VIEW_CATALOG,
    roles.CAN_ACCESS_ADMIN_DASHBOARD,
    roles.CAN_MANAGE_CUSTOMERS,
)


class GrantSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="jwt, database or superuser.")
    kind = serializers.CharField(help_text="system or feature.")
    role = serializers.CharField()
    context = serializers.CharField(help_text="A customer UUID, or * for all customers.")


class FeatureRoleSerializer(serializers.Serializer):
    feature_role = serializers.CharField()
    sources = GrantSerializer(many=True)


class PermissionSerializer(serializers.Serializer):
    permission = serializers.CharField()
    granted = serializers.BooleanField()
    feature_role = serializers.CharField(allow_null=True)
    sources = serializers.ListField(child=serializers.CharField(), help_text="jwt, database and/or superuser.")
    hint = serializers.CharField(required=False, help_text="How to grant it (denied permissions only).")


class ScopeSerializer(serializers.Serializer):
    feature_roles = FeatureRoleSerializer(many=True)
    permissions = PermissionSerializer(many=True)


class CustomerAccessSerializer(ScopeSerializer):
    enterprise_customer = serializers.UUIDField()
    name = serializers.CharField(required=False, help_text="Only for customers the caller is related to.")
    slug = serializers.CharField(required=False)
    linked = serializers.BooleanField(help_text="The caller is a linked learner of this customer.")


class AccessReportSerializer(serializers.Serializer):
    user = serializers.DictField(help_text="id, username, email, is_active, is_staff, is_superuser")
    authentication = serializers.DictField(help_text="method (jwt, session, lms-jwt) and the token's claims")
    token_roles = serializers.ListField(child=serializers.CharField())
    database_roles = GrantSerializer(many=True)
    all_customers = ScopeSerializer(allow_null=True, help_text="What the caller may do for every customer (*).")
    customers = CustomerAccessSerializer(many=True)


class AccessView(EnterpriseAccessMixin, APIView):
    """Explains the caller's own access; the one place to look when a call is refused."""

    @extend_schema(
        summary="Why is my call refused? The caller's identity, token and database roles, and permissions",
        parameters=[
            OpenApiParameter("enterprise_customer", OpenApiTypes.UUID, description="Report on this customer only.")
        ],
        responses={200: AccessReportSerializer, **{status: ErrorBodySerializer for status in (400, 401, 404)}},
        tags=["access"],
    )
    def get(self, request):
        asked = requested_customer_id(request)
        return Response(access_report(request, asked))


def requested_customer_id(request):
    """The UUID in ?enterprise_customer=, None when absent; 400 if malformed."""
    raw = request.query_params.get("enterprise_customer", "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidRequest(
            f"enterprise_customer={raw!r} is not a UUID.",
            code="invalid_enterprise_customer",
            hint="Pass the customer's UUID, e.g. ?enterprise_customer=7f3c2a9e-0d1b-4c55-9a0e-2f1c3b4d5e6f.",
        ) from None


def access_report(request, asked=None):
    """The whole diagnostic for request.user (about `asked` only, when given)."""
    user = request.user
    grants = grants_for(user, request)
    payload = request_jwt_payload(request)
    wildcard = is_active_superuser(user) or roles.ALL_CONTEXTS in {g.context for g in grants.grants}
    return {
        "user": identity(user),
        "authentication": {
            "method": authentication_method(request),
            "token": {k: v for k, v in payload.items() if k != ROLES_CLAIM} or None,
        },
        "token_roles": list(payload.get(ROLES_CLAIM) or []),
        "database_roles": [g.as_dict() for g in grants.from_source(SOURCE_DATABASE)],
        "all_customers": scope_report(user, roles.ALL_CONTEXTS) if wildcard else None,
        "customers": [
            customer_report(user, customer, visible=wildcard or user.is_staff or customer.related)
            for customer in related_customers(user, grants, asked)
        ],
    }


def identity(user):
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": getattr(user, "email", ""),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }


def related_customers(user, grants, asked):
    """Active customers to report on, annotated with `linked` and `related`: `asked`, or all related to the user."""
    role_ids = {g.context for g in grants.grants if isinstance(g.context, uuid.UUID)}
    links = EnterpriseCustomerUser.objects.filter(enterprise_customer=OuterRef("pk"), user_id=user.pk, linked=True)
    queryset = EnterpriseCustomer.objects.active().annotate(linked=Exists(links))
    if asked is None:
        customers = list(queryset.filter(Q(pk__in=role_ids) | Q(linked=True)))
    else:
        customers = list(queryset.filter(pk=asked))
        if not customers:
            raise CustomerNotFound(f"No active enterprise customer has UUID {asked}.")
    for customer in customers:
        customer.related = customer.linked or customer.pk in role_ids
    return customers


def customer_report(user, customer, *, visible):
    """Feature roles and permissions for one customer; its name only for callers related to it."""
    report = {"enterprise_customer": str(customer.pk)}
    if visible:
        report.update(name=customer.name, slug=customer.slug)
    report["linked"] = customer.linked
    report.update(scope_report(user, customer))
    return report


def scope_report(user, customer):
    """Effective feature roles and permissions for `customer` (or '*': every customer), each with its sources."""
    grants = grants_for(user)
    context = roles.ALL_CONTEXTS if customer == roles.ALL_CONTEXTS else customer.pk
    feature_roles = []
    for feature_role in roles.FEATURE_ROLES:
        held = grants.for_feature(feature_role, context)  # for '*', only grants valid for every customer
        if held:
            feature_roles.append({"feature_role": feature_role, "sources": [g.as_dict() for g in held]})
    return {"feature_roles": feature_roles, "permissions": [permission_report(user, p, customer) for p in PERMISSIONS]}


def permission_report(user, permission, customer):
    """One permission: granted or not, from which sources, and how to grant it when missing."""
    held = permission_grants(user, permission, customer)
    report = {
        "permission": permission,
        "granted": bool(held),
        "feature_role": roles.PERMISSION_FEATURE_ROLES.get(permission),
        "sources": list(dict.fromkeys(g.source for g in held)),
    }
    if not held:
        context = None if customer == roles.ALL_CONTEXTS else customer.pk
        report["hint"] = grant_hint(user, permission, customer if context else None, context)
    return report
