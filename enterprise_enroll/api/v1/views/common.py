"""What every v1 view shares: authentication/permission classes, query flags and customer resolution."""

import uuid

from django.core.exceptions import ValidationError

from ....exceptions import CustomerNotFound, InvalidRequest
from ....models import EnterpriseCustomer
from ....validators import parse_course_run_id
from ...permissions import EnterpriseAccessMixin

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


class EnterprisePermissionMixin(EnterpriseAccessMixin):
    """
    Declared authorization: `permission_required` per action, checked by rules against the customer in the URL.

    Subclasses define `scoped_queryset()`: the rows the caller may see (tenant scoping).
    """

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: there is no caller to scope by
            return self.queryset
        return self.scoped_queryset()

    def get_permission_object(self):
        """The customer UUID of customer-scoped routes (None elsewhere); rules compare it canonically."""
        return self.kwargs.get("uuid")


def query_flag(request, name):
    """Parse a boolean query parameter (`?dry_run=true`); anything else is a 400 naming the parameter."""
    raw = request.query_params.get(name, "").strip().lower()
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise InvalidRequest(
        f"Query parameter {name}={raw!r} is not a boolean.",
        code="invalid_query_parameter",
        hint=f"Use {name}=true or {name}=false.",
    )


def parse_query_course_run_id(raw):
    """A course run id from a query string. An unencoded '+' arrives as a space; course keys never contain one."""
    try:
        return parse_course_run_id(raw.replace(" ", "+"))
    except ValidationError as exc:
        raise InvalidRequest(
            exc.messages[0],
            code="invalid_course_run_id",
            hint="URL-encode course run ids (+ is %2B), e.g. course-v1:edX%2BDemoX%2BDemo_Course.",
        ) from exc


def get_active_customer(value):
    """The active EnterpriseCustomer with this UUID; 404 (code customer_not_found) otherwise."""
    try:
        customer_uuid = uuid.UUID(str(value))
    except ValueError:
        raise CustomerNotFound(f"{value!r} is not an enterprise customer UUID.") from None
    try:
        return EnterpriseCustomer.objects.active().get(uuid=customer_uuid)
    except EnterpriseCustomer.DoesNotExist:
        raise CustomerNotFound(f"No active enterprise customer has UUID {customer_uuid}.") from None


def scope_to_customers(queryset, request, feature_roles, customer_field, *, own_rows=None):
    """
    Tenant scoping of a list: rows of the customers where the caller holds one of `feature_roles`
    (JWT or database, superusers everywhere), plus `own_rows` (a Q) such as the caller's own links.
    """
    from django.db.models import Q

    from ...permissions import ALL, accessible_customer_ids

    customer_ids = accessible_customer_ids(request, feature_roles)
    if customer_ids == ALL:
        return queryset
    condition = Q(**{f"{customer_field}__in": customer_ids})
    if own_rows is not None:
        condition |= own_rows
    return queryset.filter(condition)
