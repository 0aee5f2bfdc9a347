"""Learner links: link, soft-unlink and re-link learners by user or email, with their learner role. Batch-first."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from . import roles
from .audit import bulk_create_audited, bulk_delete_audited, bulk_update_audited
from .models import (
    EnterpriseCustomerUser,
    PendingEnterpriseCustomerUser,
    SystemWideEnterpriseRole,
    SystemWideEnterpriseUserRoleAssignment,
)
from .validators import normalize_email


@dataclass
class LinkResult:
    """What happened (or, in a dry run, would happen) to one learner."""

    email: str
    status: str  # linked | already_linked | relinked | pending | already_pending | unlinked | already_unlinked
    #              | pending_removed | not_found | invalid
    detail: str
    user: object = None


@dataclass
class LinkPlan:
    """The writes needed to link a set of users and pending emails to one customer."""

    customer: object
    new_links: list = field(default_factory=list)
    relinks: list = field(default_factory=list)
    new_pending: list = field(default_factory=list)
    links_by_user_id: dict = field(default_factory=dict)
    pending_by_email: dict = field(default_factory=dict)

    @property
    def users_gaining_role(self):
        return [link.user for link in [*self.new_links, *self.relinks]]


def users_by_email(emails):
    """{normalised email: user} for existing accounts, in one query (lowest id wins if an email is shared)."""
    emails = {normalize_email(e) for e in emails if e}
    if not emails:
        return {}
    found = {}
    users = get_user_model().objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails).order_by("-pk")
    for user in users:
        found[user.email_lower] = user
    return found


def plan_links(customer, *, users=(), pending_emails=(), lookup_users=(), lookup_emails=()):
    """
    Decide, in two queries, which `users` need a new or revived link and which `pending_emails` a pending row.

    `lookup_users` / `lookup_emails` are only looked up (their existing links / pending rows land in the plan's
    maps) and never linked or created.
    """
    plan = LinkPlan(customer=customer)
    to_link = {user.pk for user in users}
    users = {user.pk: user for user in [*users, *lookup_users]}
    if users:
        links = EnterpriseCustomerUser.objects.filter(user_id__in=users).only(
            "pk", "user_id", "enterprise_customer_id", "active", "linked"
        )
        has_active_link = set()
        for link in links:
            if link.active and link.linked:
                has_active_link.add(link.user_id)
            if link.enterprise_customer_id == customer.pk:
                link.user = users[link.user_id]
                plan.links_by_user_id[link.user_id] = link
        for user_id, user in users.items():
            if user_id not in to_link:
                continue
            link = plan.links_by_user_id.get(user_id)
            if link is None:
                link = EnterpriseCustomerUser(
                    enterprise_customer=customer, user=user, active=user_id not in has_active_link
                )
                plan.new_links.append(link)
                plan.links_by_user_id[user_id] = link
            elif not link.linked:
                link.linked = True
                link.active = link.active or user_id not in has_active_link
                plan.relinks.append(link)
    emails = {normalize_email(e) for e in pending_emails}
    looked_up = emails | {normalize_email(e) for e in lookup_emails}
    if looked_up:
        existing = PendingEnterpriseCustomerUser.objects.filter(enterprise_customer=customer, user_email__in=looked_up)
        plan.pending_by_email = {pending.user_email: pending for pending in existing}
        for email in sorted(emails - set(plan.pending_by_email)):
            pending = PendingEnterpriseCustomerUser(enterprise_customer=customer, user_email=email)
            plan.new_pending.append(pending)
            plan.pending_by_email[email] = pending
    return plan


def apply_link_plan(plan, *, actor=None):
    """Write a LinkPlan: links, revived links, pending learners, and the enterprise_learner role (SPEC §2)."""
    bulk_create_audited(EnterpriseCustomerUser, plan.new_links, actor=actor)
    bulk_update_audited(EnterpriseCustomerUser, plan.relinks, ["linked", "active"], actor=actor)
    bulk_create_audited(PendingEnterpriseCustomerUser, plan.new_pending, actor=actor)
    grant_learner_role(plan.customer, plan.users_gaining_role, actor=actor)


def grant_learner_role(customer, users, *, actor=None):
    """Assign enterprise_learner for `customer` to each of `users` that lacks it (two queries + the inserts)."""
    if not users:
        return
    have = set(
        SystemWideEnterpriseUserRoleAssignment.objects.filter(
            enterprise_customer=customer, role__name=roles.ENTERPRISE_LEARNER_ROLE, user__in=users
        ).values_list("user_id", flat=True)
    )
    missing = [user for user in users if user.pk not in have]
    if not missing:
        return
    role = SystemWideEnterpriseRole.objects.get(name=roles.ENTERPRISE_LEARNER_ROLE)
    bulk_create_audited(
        SystemWideEnterpriseUserRoleAssignment,
        [
            SystemWideEnterpriseUserRoleAssignment(user=user, role=role, enterprise_customer=customer)
            for user in missing
        ],
        actor=actor,
    )


def revoke_learner_role(customer, users, *, actor=None):
    """Remove enterprise_learner for `customer` from `users`."""
    assignments = list(
        SystemWideEnterpriseUserRoleAssignment.objects.filter(
            enterprise_customer=customer, role__name=roles.ENTERPRISE_LEARNER_ROLE, user__in=users
        )
    )
    bulk_delete_audited(SystemWideEnterpriseUserRoleAssignment, assignments, actor=actor)


def _split_emails(emails):
    """(valid normalised emails in first-seen order, invalid raw values) of a list of email strings."""
    valid, invalid, seen = [], [], set()
    for raw in emails:
        email = normalize_email(raw)
        try:
            validate_email(email)
        except ValidationError:
            invalid.append(raw)
            continue
        if email not in seen:
            seen.add(email)
            valid.append(email)
    return valid, invalid


def link_learners(customer, *, emails=(), users=(), actor=None, dry_run=False):
    """
    Link learners to `customer`: existing users directly (by object or email), unknown emails as pending learners.

    Returns one LinkResult per distinct email / user. Costs a constant number of queries for any count.
    """
    valid, invalid = _split_emails(emails)
    found = users_by_email(valid)
    all_users = {user.pk: user for user in [*users, *found.values()]}
    unknown = [email for email in valid if email not in found]
    plan = plan_links(customer, users=all_users.values(), pending_emails=unknown)
    if not dry_run:
        with transaction.atomic():
            apply_link_plan(plan, actor=actor)
    new_links = {id(link) for link in plan.new_links}
    relinks = {id(link) for link in plan.relinks}
    new_pending = {pending.user_email for pending in plan.new_pending}
    results = [LinkResult(raw, "invalid", f"{raw!r} is not a valid email address.") for raw in invalid]
    for user in all_users.values():
        link = plan.links_by_user_id[user.pk]
        status = "linked" if id(link) in new_links else "relinked" if id(link) in relinks else "already_linked"
        results.append(LinkResult(user.email, status, f"{user.username} is {status.replace('_', ' ')}.", user))
    for email in unknown:
        status = "pending" if email in new_pending else "already_pending"
        results.append(LinkResult(email, status, "No account has this email yet; it is linked on registration."))
    return results


def unlink_learners(customer, *, emails, actor=None):
    """Soft-unlink learners by email (`linked=False`, learner role removed); pending learners are removed."""
    valid, invalid = _split_emails(emails)
    found = users_by_email(valid)
    links = {
        link.user_id: link
        for link in EnterpriseCustomerUser.objects.filter(enterprise_customer=customer, user__in=found.values())
    }
    pending = {
        p.user_email: p
        for p in PendingEnterpriseCustomerUser.objects.filter(enterprise_customer=customer, user_email__in=valid)
    }
    results = [LinkResult(raw, "invalid", f"{raw!r} is not a valid email address.") for raw in invalid]
    to_unlink, to_remove = [], []
    for email in valid:
        user = found.get(email)
        link = links.get(user.pk) if user else None
        if link and link.linked:
            link.linked, link.active = False, False
            to_unlink.append(link)
            results.append(LinkResult(email, "unlinked", "The learner was unlinked (the link row is kept).", user))
        elif link:
            results.append(LinkResult(email, "already_unlinked", "The learner was already unlinked.", user))
        elif email in pending:
            to_remove.append(pending[email])
            results.append(LinkResult(email, "pending_removed", "Pending learner and enrollments removed."))
        else:
            results.append(LinkResult(email, "not_found", "No learner with this email is linked to this customer."))
    with transaction.atomic():
        bulk_update_audited(EnterpriseCustomerUser, to_unlink, ["linked", "active"], actor=actor)
        revoke_learner_role(customer, [link.user for link in to_unlink], actor=actor)
        remove_pending_learners(to_remove, actor=actor)
    return results


def remove_pending_learners(pending_users, *, actor=None):
    """Delete pending learners and their pending enrollments, keeping a history row for each."""
    from .models import PendingEnrollment

    if not pending_users:
        return
    enrollments = list(PendingEnrollment.objects.filter(user__in=pending_users))
    bulk_delete_audited(PendingEnrollment, enrollments, actor=actor)
    bulk_delete_audited(PendingEnterpriseCustomerUser, pending_users, actor=actor)
