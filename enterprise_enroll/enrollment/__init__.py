"""The enrollment service: enroll, upgrade and unenroll a customer's learners in bulk (SPEC §5, §7). Batch-first."""

from .items import (
    ALREADY_ENROLLED,
    ALREADY_UNENROLLED,
    ENROLLED,
    FAILED,
    IDENTIFIER_FIELDS,
    INVALID,
    NOT_FOUND,
    NOTIFY_STATUSES,
    OK_STATUSES,
    PENDING,
    PENDING_REMOVED,
    UNENROLLED,
    UPGRADED,
    EnrollmentItem,
    ItemResult,
    check_batch_size,
    item_from_dict,
)
from .service import enroll_learners, realise_pending_learner

__all__ = [
    "ALREADY_ENROLLED",
    "ALREADY_UNENROLLED",
    "ENROLLED",
    "FAILED",
    "IDENTIFIER_FIELDS",
    "INVALID",
    "NOT_FOUND",
    "NOTIFY_STATUSES",
    "OK_STATUSES",
    "PENDING",
    "PENDING_REMOVED",
    "UNENROLLED",
    "UPGRADED",
    "EnrollmentItem",
    "ItemResult",
    "check_batch_size",
    "enroll_learners",
    "item_from_dict",
    "realise_pending_learner",
]
