"""DRF permission class asking rules, with a 403 that explains itself; tenant scoping for list endpoints."""

import rules
from django.conf import settings
from rest_framework.permissions import BasePermission

from .. import roles
from ..auth import ConfiguredAuthentication, not_authenticated_error, path_for
from ..exceptions import PermissionMissing
from ..rules import customer_context, grants_for, is_active_superuser

ALL = roles.ALL_CONTEXTS


def required_permission(request, view):
    """The permission `view` declares for this request: `permission_required` is a name or {action|method: name}."""
    declared = getattr(view, "permission_required", None)
    if not isinstance(declared, dict):
        return declared
    action = getattr(view, "action", None)
    if action in declared:
        return declared[action]
    return declared.get(request.method.lower())


class HasEnterprisePermission(BasePermission):
    """
    Authentication required (401 with a hint otherwise); then the declared permission, checked by rules against
    `view.get_permission_object()` (the customer; None = any customer) and again against objects that belong to
    a customer. A denial is a 403 naming the permission, the feature role, the customer and how to grant it.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            raise not_authenticated_error()
        permission = required_permission(request, view)
        if permission is None:
            return True
        get_object = getattr(view, "get_permission_object", None)
        return self.check(request, permission, get_object() if get_object else None)

    def has_object_permission(self, request, view, obj):
        permission = required_permission(request, view)
        if permission is None or customer_context(obj) is None:
            return True
        return self.check(request, permission, obj)

    def check(self, request, permission, customer):
        if rules.has_perm(permission, request.user, customer):
            return True
        raise permission_missing(request.user, permission, customer)


class EnterpriseAccessMixin:
    """
    Bases of every enterprise_enroll API view: our authentication chain and declared permissions.

    Set explicitly (not only as REST_FRAMEWORK defaults) because inside the LMS the defaults are the LMS's.
    """

    authentication_classes = [ConfiguredAuthentication]
    permission_classes = [HasEnterprisePermission]
    permission_required = None

    def get_exception_handler(self):
        # Inside the LMS, REST_FRAMEWORK["EXCEPTION_HANDLER"] is the LMS's: our error shape must not depend on it.
        from .exceptions import exception_handler

        return exception_handler


def permission_missing(user, permission, customer):
    """The explanatory 403 for `user` lacking `permission` for `customer` (an instance, a UUID or None)."""
    feature_role = roles.PERMISSION_FEATURE_ROLES.get(permission)
    context = customer_context(customer)
    target = f"enterprise customer {context}" if context else "any enterprise customer"
    if feature_role:
        detail = f"You lack {permission} for {target}: it comes with the feature role {feature_role}."
    else:
        detail = f"You lack {permission}: it needs the role {roles.ENTERPRISE_OPERATOR_ROLE} for all contexts (*)."
    return PermissionMissing(
        detail,
        permission=permission,
        feature_role=feature_role,
        system_roles=granting_system_roles(permission),
        enterprise_customer=str(context) if context else None,
        hint=grant_hint(user, permission, customer, context),
    )


def granting_system_roles(permission):
    """System roles that carry `permission` through the role mapping (the operator for can_manage_customers)."""
    feature_role = roles.PERMISSION_FEATURE_ROLES.get(permission)
    if feature_role is None:
        return [roles.ENTERPRISE_OPERATOR_ROLE]
    mapping = getattr(settings, "SYSTEM_TO_FEATURE_ROLE_MAPPING", {})
    return sorted(role for role, features in mapping.items() if feature_role in features)


def grant_hint(user, permission, customer, context):
    """How an operator grants the missing permission: the management command, the admin, the access diagnostic."""
    username = user.get_username()
    if permission == roles.CAN_MANAGE_CUSTOMERS:
        role, scope = roles.ENTERPRISE_OPERATOR_ROLE, "--all-contexts"
    else:
        role = roles.ENTERPRISE_ADMIN_ROLE
        scope = f"--customer {getattr(customer, 'slug', None) or context}" if context else "--customer <uuid or slug>"
    admin = path_for(
        "admin:enterprise_enroll_systemwideenterpriseuserroleassignment_add",
        "/admin/enterprise_enroll/systemwideenterpriseuserroleassignment/add/",
    )
    access = path_for("access", "/enterprise/api/v1/access/") + (f"?enterprise_customer={context}" if context else "")
    feature = roles.PERMISSION_FEATURE_ROLES.get(permission)
    alternative = f" (or --role {feature} for this permission alone)" if feature else ""
    return (
        f"Grant it with: ./manage.py assign_enterprise_role --user {username} --role {role} {scope}{alternative}, "
        f"or in Django admin at {admin}; see GET {access}. "
        "Database grants count at once; a role removed from the database stays in already-issued tokens "
        "until they expire."
    )


def accessible_customer_ids(request, feature_roles):
    """
    ALL, or the set of customer UUIDs where the caller holds one of `feature_roles` (JWT or database).

    Superusers get ALL. Staff status alone grants no tenant data: views that show staff everything decide so.
    """
    user = request.user
    if is_active_superuser(user):
        return ALL
    if isinstance(feature_roles, str):
        feature_roles = [feature_roles]
    return grants_for(user, request).contexts(feature_roles)
