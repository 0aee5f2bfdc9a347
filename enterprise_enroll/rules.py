"""Rules predicates and permissions: the only place permission logic lives (SPEC §3)."""

import uuid
from dataclasses import dataclass

import crum
import rules
from django.conf import settings
from django.db.models import CharField, Value

from . import roles
from .auth import ROLES_CLAIM, request_jwt_payload

SOURCE_JWT = "jwt"
SOURCE_DATABASE = "database"
SOURCE_SUPERUSER = "superuser"
KIND_SYSTEM = "system"
KIND_FEATURE = "feature"

_CACHE_ATTRIBUTE = "_enterprise_enroll_grants"


def canonical_context(value):
    """A role context as a UUID (case and hyphens do not matter), '*' for all contexts, or None if malformed."""
    if value == roles.ALL_CONTEXTS:
        return roles.ALL_CONTEXTS
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def customer_context(obj):
    """The customer UUID a permission object stands for (a customer, a row with `enterprise_customer_id`, a UUID)."""
    if obj is None:
        return None
    for attribute in ("enterprise_customer_id", "uuid"):
        if hasattr(obj, attribute):
            obj = getattr(obj, attribute)
            break
    context = canonical_context(obj)
    return None if context == roles.ALL_CONTEXTS else context


def feature_roles_of(system_role):
    """Feature roles a system role maps to, per settings.SYSTEM_TO_FEATURE_ROLE_MAPPING (read now)."""
    return getattr(settings, "SYSTEM_TO_FEATURE_ROLE_MAPPING", {}).get(system_role, ())


@dataclass(frozen=True)
class Grant:
    """One reason a user holds a role: a system or feature role, for a context, from the JWT or the database."""

    kind: str
    role: str
    context: object
    source: str

    def grants_feature(self, feature_role):
        if self.kind == KIND_FEATURE:
            return self.role == feature_role
        return feature_role in feature_roles_of(self.role)

    def covers(self, context):
        return self.context == roles.ALL_CONTEXTS or self.context == context

    def as_dict(self):
        context = self.context if self.context == roles.ALL_CONTEXTS else str(self.context)
        return {"source": self.source, "kind": self.kind, "role": self.role, "context": context}


class Grants:
    """Everything a user holds, from the request's JWT and the database, loaded once per request."""

    def __init__(self, grants):
        self.grants = list(grants)

    def for_feature(self, feature_role, context=None):
        """Grants giving `feature_role` for `context` (for any context when None)."""
        return [g for g in self.grants if g.grants_feature(feature_role) and (context is None or g.covers(context))]

    def operator_grants(self):
        """Grants of the operator system role for all contexts (what can_manage_customers needs)."""
        return [
            g
            for g in self.grants
            if g.kind == KIND_SYSTEM and g.role == roles.ENTERPRISE_OPERATOR_ROLE and g.context == roles.ALL_CONTEXTS
        ]

    def contexts(self, feature_roles):
        """'*' if any of `feature_roles` is held for all contexts, else the set of customer UUIDs."""
        held = {g.context for role in feature_roles for g in self.for_feature(role)}
        return roles.ALL_CONTEXTS if roles.ALL_CONTEXTS in held else held

    def from_source(self, source):
        return [g for g in self.grants if g.source == source]


def jwt_grants(payload):
    """System-role grants carried by a decoded JWT's `roles` claim ("<role>:<context>"); malformed ones ignored."""
    grants = []
    for entry in payload.get(ROLES_CLAIM) or ():
        if not isinstance(entry, str):
            continue
        role, _, raw_context = entry.partition(":")
        context = canonical_context(raw_context)
        if context is not None:
            grants.append(Grant(KIND_SYSTEM, role, context, SOURCE_JWT))
    return grants


def database_grants(user):
    """System and feature role assignments of `user`, in ONE query (a UNION over both assignment tables)."""
    from .models import EnterpriseFeatureUserRoleAssignment, SystemWideEnterpriseUserRoleAssignment

    def rows(model, kind):
        return (
            model.objects.filter(user_id=user.pk)
            .annotate(kind=Value(kind, output_field=CharField()))
            .values_list("kind", "role__name", "enterprise_customer_id", "applies_to_all_contexts")
        )

    union = rows(SystemWideEnterpriseUserRoleAssignment, KIND_SYSTEM).union(
        rows(EnterpriseFeatureUserRoleAssignment, KIND_FEATURE), all=True
    )
    grants = []
    for kind, role, customer_id, all_contexts in union:
        context = roles.ALL_CONTEXTS if all_contexts else canonical_context(customer_id)
        if context is not None:
            grants.append(Grant(kind, role, context, SOURCE_DATABASE))
    return grants


def _same_user(request_user, user):
    return bool(request_user is not None and request_user.is_authenticated and request_user.pk == user.pk)


def grants_for(user, request=None):
    """
    The Grants of `user`, cached for the request (so all role checks of a request cost one query).

    The JWT only counts when `user` is the request's user; otherwise (no request, or checking someone else)
    only the database counts and the result is cached on the user object, like Django's own permission cache.
    """
    if user is None or not user.is_authenticated:
        return Grants(())
    request = request if request is not None else crum.get_current_request()
    request = getattr(request, "_request", request)
    holder = request if request is not None and _same_user(getattr(request, "user", None), user) else user
    cached = getattr(holder, _CACHE_ATTRIBUTE, None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    payload = request_jwt_payload(request) if holder is request else {}
    grants = Grants(jwt_grants(payload) + database_grants(user))
    setattr(holder, _CACHE_ATTRIBUTE, (user.pk, grants))
    return grants


def forget_grants(user, request=None):
    """Drop cached grants (after assigning or revoking a role within the same request or user object)."""
    for holder in (user, getattr(request, "_request", request)):
        if holder is not None and hasattr(holder, _CACHE_ATTRIBUTE):
            delattr(holder, _CACHE_ATTRIBUTE)


def _active(user):
    return bool(user is not None and user.is_authenticated and user.is_active)


@rules.predicate
def is_active_superuser(user):
    """Superusers pass every check (while active)."""
    return _active(user) and user.is_superuser


def has_feature_role(feature_role):
    """A predicate: the user holds `feature_role` for the customer (for any customer when none is given)."""

    def check(user, customer=None):
        if not _active(user):
            return False
        if customer is None:
            return bool(grants_for(user).for_feature(feature_role))
        context = customer_context(customer)
        return context is not None and bool(grants_for(user).for_feature(feature_role, context))

    return rules.predicate(check, name=f"has_{feature_role}")


@rules.predicate
def is_enterprise_operator(user):
    """The user holds enterprise_openedx_operator for all contexts ('*'), by JWT or database."""
    return _active(user) and bool(grants_for(user).operator_grants())


def permission_grants(user, permission, customer=None):
    """
    Why `user` has `permission` for `customer`: a list of Grants ([] = denied); superusers get one pseudo-grant.

    `customer` may be '*' (grants valid for every customer) or None (grants for any customer).
    """
    if is_active_superuser(user):
        return [Grant(KIND_SYSTEM, "superuser", roles.ALL_CONTEXTS, SOURCE_SUPERUSER)]
    if not _active(user):
        return []
    if permission == roles.CAN_MANAGE_CUSTOMERS:
        return grants_for(user).operator_grants()
    feature_role = roles.PERMISSION_FEATURE_ROLES[permission]
    context = roles.ALL_CONTEXTS if customer == roles.ALL_CONTEXTS else customer_context(customer)
    if customer is not None and context is None:
        return []
    return grants_for(user).for_feature(feature_role, context)


PERMISSIONS = {
    permission: is_active_superuser | has_feature_role(feature_role)
    for permission, feature_role in roles.PERMISSION_FEATURE_ROLES.items()
}
PERMISSIONS[roles.CAN_MANAGE_CUSTOMERS] = is_active_superuser | is_enterprise_operator

for _name, _predicate in PERMISSIONS.items():
    rules.add_perm(_name, _predicate)
