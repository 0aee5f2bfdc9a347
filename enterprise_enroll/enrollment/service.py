"""The enrollment service's entry points: enroll_learners (with retry on lost races) and pending realisation."""

import logging

from django.db import IntegrityError, OperationalError, transaction

from ..exceptions import AtomicBatchRejected
from ..learners import apply_link_plan, plan_links, remove_pending_learners
from ..models import EnrollmentSource, PendingEnterpriseCustomerUser
from ..validators import normalize_email
from .batch import EnrollmentBatch
from .items import EnrollmentItem, check_batch_size

logger = logging.getLogger(__name__)

# Attempts at a whole batch when a concurrent request wrote the same rows first (unique constraint or deadlock).
WRITE_ATTEMPTS = 3


def enroll_learners(
    customer,
    items,
    *,
    actor=None,
    source=EnrollmentSource.ENTERPRISE_API,
    dry_run=False,
    atomic=False,
    check_catalog=True,
):
    """
    Enroll, upgrade or unenroll learners of `customer`, one ItemResult per item, in input order.

    Costs a constant number of queries whatever the item count (local backends). `dry_run` writes nothing;
    `atomic` writes nothing unless every item is ok (AtomicBatchRejected otherwise). A backend that cannot be
    reached raises BackendUnavailable and nothing is written.
    """
    items = list(items)
    check_batch_size(items)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        batch = EnrollmentBatch(customer, items, source=source, check_catalog=check_catalog)
        batch.plan()
        if atomic and not all(result.ok for result in batch.results):
            raise AtomicBatchRejected([result.as_dict() for result in batch.results])
        if dry_run:
            return batch.results
        try:
            batch.write(actor=actor, atomic=atomic)
            return batch.results
        except (IntegrityError, OperationalError) as exc:
            # A concurrent request wrote the same rows first: plan again against what is now in the database.
            if attempt == WRITE_ATTEMPTS or not _is_retryable(exc):
                raise
            logger.info("enroll_learners: concurrent write (%s); retrying (attempt %d)", exc, attempt + 1)
    raise AssertionError("unreachable")


def _is_retryable(exc):
    if isinstance(exc, IntegrityError):
        return True
    message = str(exc).lower()
    return "deadlock" in message or "lock wait timeout" in message or "database is locked" in message


def realise_pending_learner(user, *, actor=None):
    """
    Turn pending learners with `user`'s email into real links and their pending enrollments into enrollments.

    Called when an account is created or its email changes. Each customer's pending enrollments go through
    enroll_learners (the backend enrolls; each ECE keeps its pending row's source); the pending rows are removed.
    Returns {customer: [ItemResult]}.
    """
    email = normalize_email(user.email)
    if not email:
        return {}
    pending_users = list(
        PendingEnterpriseCustomerUser.objects.filter(user_email=email)
        .select_related("enterprise_customer")
        .prefetch_related("enrollments")
    )
    outcome = {}
    with transaction.atomic():
        for pending in pending_users:
            customer = pending.enterprise_customer
            plan = plan_links(customer, users=[user])
            apply_link_plan(plan, actor=actor)
            items = [
                EnrollmentItem(
                    course_run_id=enrollment.course_id,
                    lms_user_id=user.pk,
                    course_mode=enrollment.course_mode,
                    cohort=enrollment.cohort_name,
                    source=enrollment.source,
                    license_uuid=enrollment.license_uuid,
                    transaction_id=enrollment.transaction_id,
                )
                for enrollment in pending.enrollments.all()
            ]
            outcome[customer] = enroll_learners(customer, items, actor=actor, check_catalog=False) if items else []
        remove_pending_learners(pending_users, actor=actor)
    return outcome
