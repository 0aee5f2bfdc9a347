"""Assign or revoke a system-wide or feature role for one customer or all contexts (idempotent, audited)."""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from ...models import (
    EnterpriseCustomer,
    EnterpriseFeatureRole,
    EnterpriseFeatureUserRoleAssignment,
    SystemWideEnterpriseRole,
    SystemWideEnterpriseUserRoleAssignment,
)

CHANGE_REASON = "manage.py assign_enterprise_role"


def find_user(identifier):
    """A user by username, or by email when the identifier contains '@'."""
    model = get_user_model()
    lookup = {"email__iexact": identifier} if "@" in identifier else {model.USERNAME_FIELD: identifier}
    users = list(model._default_manager.filter(**lookup)[:2])
    if len(users) != 1:
        problem = "No user" if not users else "More than one user"
        raise CommandError(f"{problem} matches {identifier!r}; give an exact username.")
    return users[0]


def find_role(name):
    """(role, assignment model) for a system-wide or feature role name."""
    for role_model, assignment_model in (
        (SystemWideEnterpriseRole, SystemWideEnterpriseUserRoleAssignment),
        (EnterpriseFeatureRole, EnterpriseFeatureUserRoleAssignment),
    ):
        role = role_model.objects.filter(name=name).first()
        if role is not None:
            return role, assignment_model
    system = ", ".join(SystemWideEnterpriseRole.objects.values_list("name", flat=True))
    feature = ", ".join(EnterpriseFeatureRole.objects.values_list("name", flat=True))
    raise CommandError(f"Unknown role {name!r}. System-wide roles: {system}. Feature roles: {feature}.")


def find_customer(identifier):
    """An enterprise customer by UUID or slug (inactive ones included: roles may be prepared in advance)."""
    try:
        lookup = {"pk": uuid.UUID(identifier)}
    except ValueError:
        lookup = {"slug": identifier}
    customer = EnterpriseCustomer.objects.filter(**lookup).first()
    if customer is None:
        raise CommandError(f"No enterprise customer has the UUID or slug {identifier!r}.")
    return customer


def assign_role(user, role, assignment_model, *, customer=None, actor=None):
    """Give `user` the role for `customer` (all contexts when None); returns (assignment, created)."""
    scope = {"enterprise_customer": customer, "applies_to_all_contexts": customer is None}
    existing = assignment_model.objects.filter(user=user, role=role, **scope).first()
    if existing is not None:
        return existing, False
    assignment = assignment_model(user=user, role=role, **scope)
    assignment._history_user = actor
    assignment._change_reason = CHANGE_REASON
    try:
        with transaction.atomic():
            assignment.save()
    except IntegrityError:  # assigned concurrently: the outcome is the same
        return assignment_model.objects.get(user=user, role=role, **scope), False
    return assignment, True


def revoke_role(user, role, assignment_model, *, customer=None, actor=None):
    """Remove the role from `user` for `customer` (all contexts when None); returns True if one was removed."""
    scope = {"enterprise_customer": customer, "applies_to_all_contexts": customer is None}
    assignment = assignment_model.objects.filter(user=user, role=role, **scope).first()
    if assignment is None:
        return False
    assignment._history_user = actor
    assignment._change_reason = CHANGE_REASON
    assignment.delete()  # one instance at a time, so simple-history records who removed it
    return True


class Command(BaseCommand):
    help = (
        "Assign (or with --revoke, remove) a system-wide role (enterprise_learner, enterprise_admin, "
        "enterprise_openedx_operator) or a feature role (enrollment_api_admin, catalog_admin, dashboard_admin) "
        "for one customer (--customer UUID_OR_SLUG) or for all customers (--all-contexts). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username (or email) of the user.")
        parser.add_argument("--role", required=True, help="Role name.")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--customer", help="Customer UUID or slug.")
        scope.add_argument("--all-contexts", action="store_true", help="For every customer ('*').")
        parser.add_argument("--revoke", action="store_true", help="Remove the role instead of assigning it.")
        parser.add_argument("--by", help="Username recorded in the audit history as having made the change.")

    def handle(self, *args, **options):
        if not options["customer"] and not options["all_contexts"]:
            raise CommandError("Give the scope: --customer UUID_OR_SLUG or --all-contexts (exactly one).")
        user = find_user(options["user"])
        role, assignment_model = find_role(options["role"])
        customer = find_customer(options["customer"]) if options["customer"] else None
        actor = find_user(options["by"]) if options["by"] else None
        scope = f"customer {customer.slug} ({customer.pk})" if customer else "all contexts (*)"
        subject = f"{role.name} for {scope} of user {user.get_username()}"
        if options["revoke"]:
            removed = revoke_role(user, role, assignment_model, customer=customer, actor=actor)
            self.stdout.write(f"Revoked {subject}." if removed else f"Nothing to revoke: no {subject}.")
            return
        _, created = assign_role(user, role, assignment_model, customer=customer, actor=actor)
        self.stdout.write(f"Assigned {subject}." if created else f"Unchanged: {subject} was already assigned.")
