"""What a caller asks for (EnrollmentItem) and gets back (ItemResult), with the status vocabulary of SPEC §5."""

from dataclasses import dataclass, fields
from uuid import UUID

from .. import app_settings
from ..exceptions import InvalidRequest

ENROLLED = "enrolled"
ALREADY_ENROLLED = "already_enrolled"
UPGRADED = "upgraded"
PENDING = "pending"
UNENROLLED = "unenrolled"
ALREADY_UNENROLLED = "already_unenrolled"
PENDING_REMOVED = "pending_removed"
NOT_FOUND = "not_found"
FAILED = "failed"
INVALID = "invalid"
OK_STATUSES = frozenset(
    {ENROLLED, ALREADY_ENROLLED, UPGRADED, PENDING, UNENROLLED, ALREADY_UNENROLLED, PENDING_REMOVED}
)
# Statuses that deserve an email when the item asked for one (never on unenroll or on a no-op).
NOTIFY_STATUSES = frozenset({ENROLLED, UPGRADED, PENDING})
IDENTIFIER_FIELDS = ("lms_user_id", "tpa_user_id", "user_email")


@dataclass
class EnrollmentItem:
    """One requested operation on one learner and one course run."""

    course_run_id: str | None = None
    lms_user_id: int | None = None
    tpa_user_id: str | None = None
    user_email: str | None = None
    course_mode: str | None = None
    cohort: str | None = None
    is_active: bool = True
    force_enrollment: bool = False
    notify: bool = False
    license_uuid: UUID | None = None
    transaction_id: UUID | None = None
    errors: dict | None = None
    # lms_user_id of an existing user not yet linked: link instead of refusing (the bulk endpoint's semantics).
    link_learner: bool = False
    # Overrides the batch's source (pending realisation keeps each pending enrollment's own source).
    source: str | None = None


@dataclass
class ItemResult:
    """What happened (or, in a dry run, would happen) to one item."""

    index: int
    status: str
    code: str
    detail: str
    item: EnrollmentItem
    errors: dict | None = None

    @property
    def ok(self):
        return self.status in OK_STATUSES

    def as_dict(self):
        """The API's per-item element: edx's `detail` ("success" or the error) plus index/status/code/identifiers."""
        body = {"index": self.index, "status": self.status, "code": self.code, "detail": self.detail}
        for name in (*IDENTIFIER_FIELDS, "course_run_id", "course_mode", "cohort"):
            value = getattr(self.item, name)
            if value is not None:
                body[name] = value
        body["is_active"] = self.item.is_active
        if self.errors:
            body["errors"] = self.errors
        return body


def item_from_dict(data, **overrides):
    """An EnrollmentItem from a dict with EnrollmentItem field names (unknown keys are ignored)."""
    names = {f.name for f in fields(EnrollmentItem)}
    return EnrollmentItem(**{k: v for k, v in {**data, **overrides}.items() if k in names})


def check_batch_size(items):
    """Refuse a batch over ENTERPRISE_ENROLL_MAX_BATCH_SIZE items (SPEC §5)."""
    limit = app_settings.get("MAX_BATCH_SIZE")
    if len(items) > limit:
        raise InvalidRequest(
            f"{len(items)} items were sent; at most {limit} are accepted in one request.",
            code="batch_too_large",
            hint=f"Split the request into batches of at most {limit} items (ENTERPRISE_ENROLL_MAX_BATCH_SIZE).",
            max_batch_size=limit,
        )
