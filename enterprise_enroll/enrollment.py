"""The enrollment service: enroll, upgrade and unenroll a customer's learners in bulk (SPEC §5, §7). Batch-first."""

import logging
from dataclasses import dataclass, field, fields
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from . import app_settings
from .audit import bulk_create_audited, bulk_delete_audited, bulk_update_audited
from .backends import EnrollmentRequest, get_enrollment_backend
from .catalog import get_catalog_backend
from .exceptions import AtomicBatchRejected, InvalidRequest
from .learners import apply_link_plan, plan_links, users_by_email
from .models import EnrollmentSource, EnterpriseCourseEnrollment, PendingEnrollment
from .tpa import get_tpa_user_resolver
from .validators import normalize_email, parse_course_run_id

logger = logging.getLogger(__name__)

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
# Attempts at a whole batch when a concurrent request wrote the same rows first (unique constraint or deadlock).
WRITE_ATTEMPTS = 3


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


@dataclass
class _Work:
    """Per-item working state while a batch is planned."""

    result: ItemResult
    course_id: str | None = None
    mode: str | None = None
    email: str | None = None
    user: object = None
    key: tuple | None = None


@dataclass
class _Writes:
    """Every write a batch plans, applied together in one transaction."""

    link_plan: object = None
    enroll_requests: dict = field(default_factory=dict)  # item key -> EnrollmentRequest
    unenroll_pairs: dict = field(default_factory=dict)  # item key -> (user id, course id)
    eces: dict = field(default_factory=dict)  # item key -> ECE to create (no pk) or update
    pending_create: list = field(default_factory=list)
    pending_update: list = field(default_factory=list)
    pending_delete: list = field(default_factory=list)


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


class EnrollmentBatch:
    """Plans and writes one request's items: validate, resolve learners, check catalog, read state, decide."""

    def __init__(self, customer, items, *, source, check_catalog=True):
        self.customer = customer
        self.source = source
        self.check_catalog = check_catalog
        self.works = [_Work(ItemResult(i, "", "", "", item)) for i, item in enumerate(items)]
        self.writes = _Writes()
        self.enrollment_backend = get_enrollment_backend()

    @property
    def results(self):
        return [work.result for work in self.works]

    def _live(self):
        return [work for work in self.works if not work.result.status]

    def plan(self):
        """Decide every item's status and the writes, reading the database in a fixed number of queries."""
        for work in self.works:
            self._validate(work)
        self._resolve_learners()
        if self.check_catalog:
            self._check_catalog()
        self._decide_all()

    # -- validation -------------------------------------------------------------------------------------------

    def _validate(self, work):
        """Check one item's fields; every problem is reported in `errors`, the first one gives the `code`."""
        item = work.result.item
        if item.errors:
            return _invalid(work, "invalid_item", "The item has invalid fields; see `errors`.", item.errors)
        problems = _Problems()
        if all(getattr(item, name) in (None, "") for name in IDENTIFIER_FIELDS):
            problems.add(
                "non_field_errors",
                "missing_learner_identifier",
                "One of lms_user_id, tpa_user_id or user_email is required.",
            )
        elif item.lms_user_id is None and item.tpa_user_id in (None, ""):
            work.email = normalize_email(item.user_email)
            try:
                validate_email(work.email)
            except ValidationError:
                problems.add("user_email", "invalid_email", f"{item.user_email!r} is not a valid email address.")
        if not item.course_run_id:
            problems.add("course_run_id", "missing_course_run_id", "course_run_id is required.")
        else:
            try:
                work.course_id = parse_course_run_id(item.course_run_id)
            except ValidationError as exc:
                problems.add("course_run_id", "invalid_course_run_id", exc.messages[0])
        if item.is_active:
            self._validate_enroll_options(work, problems)
        if problems:
            problems.report(work)

    def _validate_enroll_options(self, work, problems):
        item, modes = work.result.item, app_settings.get("COURSE_MODES")
        if not item.course_mode:
            problems.add(
                "course_mode",
                "missing_course_mode",
                f"course_mode is required when enrolling; one of {', '.join(modes)}.",
            )
        elif item.course_mode not in modes:
            problems.add(
                "course_mode",
                "invalid_course_mode",
                f"Course mode {item.course_mode!r} is not allowed; use one of {', '.join(modes)}.",
            )
        else:
            work.mode = item.course_mode
        if item.cohort and not self.customer.enable_autocohorting:
            problems.add(
                "cohort",
                "cohort_not_allowed",
                f"Enterprise customer {self.customer.slug} does not have auto-cohorting enabled, "
                "so a cohort cannot be given.",
            )

    # -- learners -------------------------------------------------------------------------------------------------

    def _resolve_learners(self):
        by_id = self._users_by_lms_id()
        by_tpa = self._users_by_tpa_id()
        by_email = users_by_email({w.email for w in self._live() if w.email})
        link_users, lookup_users, pending_emails, lookup_emails = {}, {}, set(), set()
        for work in self._live():
            item = work.result.item
            if item.lms_user_id is not None:
                work.user = by_id.get(int(item.lms_user_id))
                if work.user is not None and item.link_learner and item.is_active:
                    link_users[work.user.pk] = work.user
                    continue
            elif item.tpa_user_id not in (None, ""):
                work.user = by_tpa.get(str(item.tpa_user_id))
            else:
                work.user = by_email.get(work.email)
                if work.user is None:
                    (pending_emails if item.is_active else lookup_emails).add(work.email)
                    continue
                if item.is_active:
                    link_users[work.user.pk] = work.user
                    continue
            if work.user is None:
                _invalid(work, "user_not_found", _not_found_text(item), {"non_field_errors": [_not_found_text(item)]})
            else:
                lookup_users[work.user.pk] = work.user
        self.writes.link_plan = plan_links(
            self.customer,
            users=link_users.values(),
            pending_emails=pending_emails,
            lookup_users=[u for pk, u in lookup_users.items() if pk not in link_users],
            lookup_emails=lookup_emails,
        )
        self._require_links_for_user_ids()

    def _users_by_lms_id(self):
        ids = set()
        for work in self._live():
            value = work.result.item.lms_user_id
            if value is None:
                continue
            try:
                ids.add(int(value))
            except (TypeError, ValueError):
                _invalid(
                    work,
                    "invalid_item",
                    "lms_user_id must be an integer.",
                    {"lms_user_id": ["A valid integer is required."]},
                )
        return get_user_model().objects.in_bulk(ids) if ids else {}

    def _users_by_tpa_id(self):
        works = [w for w in self._live() if w.result.item.lms_user_id is None and w.result.item.tpa_user_id]
        if not works:
            return {}
        resolver = get_tpa_user_resolver()
        if resolver is None:
            for work in works:
                message = (
                    "tpa_user_id cannot be resolved: no third-party-auth resolver is configured "
                    "(ENTERPRISE_ENROLL_TPA_USER_RESOLVER). Send lms_user_id or user_email instead."
                )
                _invalid(work, "tpa_not_supported", message, {"tpa_user_id": [message]})
            return {}
        found = resolver(self.customer, {str(w.result.item.tpa_user_id) for w in works}) or {}
        return {str(key): user for key, user in found.items()}

    def _require_links_for_user_ids(self):
        """lms_user_id / tpa_user_id must name a learner already linked to this customer (edx semantics)."""
        links = self.writes.link_plan.links_by_user_id
        for work in self._live():
            item = work.result.item
            by_email = item.lms_user_id is None and item.tpa_user_id in (None, "")
            if work.user is None or by_email or (item.link_learner and item.is_active):
                continue
            link = links.get(work.user.pk)
            if link is None or not link.linked:
                message = (
                    f"User {work.user.pk} is not linked to enterprise customer {self.customer.slug}. "
                    "Link the learner first (POST enterprise-learner/) or send user_email instead."
                )
                _invalid(work, "learner_not_linked", message, {"non_field_errors": [message]})

    # -- catalog ---------------------------------------------------------------------------------------------------

    def _check_catalog(self):
        wanted = {w.course_id for w in self._live() if w.result.item.is_active}
        if not wanted:
            return
        backend = get_catalog_backend()
        contained = backend.contains(self.customer, wanted)
        for work in self._live():
            if work.result.item.is_active and work.course_id not in contained:
                message = backend.explain_missing(self.customer, work.course_id)
                _invalid(work, "not_in_catalog", message, {"course_run_id": [message]})

    # -- decisions -------------------------------------------------------------------------------------------------

    def _decide_all(self):
        live = self._live()
        for work in live:
            work.key = (("user", work.user.pk) if work.user else ("email", work.email), work.course_id)
        state = _CurrentState.read(self, live)
        first_by_key = {}
        for work in live:
            first = first_by_key.setdefault(work.key, work)
            if first is work:
                self._decide(work, state)
            elif _operation(first) != _operation(work):
                message = (
                    f"Item {first.result.index} asks for a different operation on the same learner and "
                    "course run; send one item per learner and course run."
                )
                _invalid(work, "conflicting_duplicate", message, {"non_field_errors": [message]})
            else:
                work.result.status, work.result.code = first.result.status, first.result.code
                work.result.detail = first.result.detail

    def _decide(self, work, state):
        if work.user is None:
            return self._decide_pending(work, state)
        if work.result.item.is_active:
            return self._decide_enroll(work, state)
        return self._decide_unenroll(work, state)

    def _decide_enroll(self, work, state):
        item, link = work.result.item, self.writes.link_plan.links_by_user_id[work.user.pk]
        ece = state.eces.get((link.pk, work.course_id))
        current = state.platform.get((work.user.pk, work.course_id))
        if current and current.is_active and current.mode == work.mode:
            status = ALREADY_ENROLLED
        elif current and current.is_active and _is_downgrade(current.mode, work.mode):
            message = (
                f"The learner is enrolled in {work.course_id} as {current.mode!r}; changing to "
                f"{work.mode!r} would be a downgrade, which is not allowed."
            )
            return _invalid(work, "downgrade_not_allowed", message, {"course_mode": [message]})
        else:
            status = UPGRADED if current and current.is_active else ENROLLED
            self.writes.enroll_requests[work.key] = EnrollmentRequest(
                work.user, work.course_id, work.mode, item.cohort, item.force_enrollment, str(self.customer.uuid)
            )
        _ok(work, status)
        if ece is not None and not ece.unenrolled and ece.mode == work.mode:
            return
        self._plan_ece(work, link, ece)

    def _plan_ece(self, work, link, ece):
        item = work.result.item
        if ece is None:
            ece = EnterpriseCourseEnrollment(
                enterprise_customer_user=link,
                course_id=work.course_id,
                source=item.source or self.source,
                license_uuid=item.license_uuid,
                transaction_id=item.transaction_id,
            )
        ece.mode, ece.cohort_name = work.mode, item.cohort or ece.cohort_name
        ece.unenrolled, ece.unenrolled_at = False, None
        self.writes.eces[work.key] = ece

    def _decide_unenroll(self, work, state):
        link = self.writes.link_plan.links_by_user_id.get(work.user.pk)
        ece = state.eces.get((link.pk, work.course_id)) if link is not None and link.pk else None
        if ece is None:
            return _not_ok(
                work, NOT_FOUND, "not_enrolled", f"The learner has no enrollment in {work.course_id} for this customer."
            )
        if ece.unenrolled:
            return _ok(work, ALREADY_UNENROLLED)
        _ok(work, UNENROLLED)
        ece.unenrolled, ece.unenrolled_at = True, timezone.now()
        self.writes.eces[work.key] = ece
        self.writes.unenroll_pairs[work.key] = (work.user.pk, work.course_id)

    def _decide_pending(self, work, state):
        item = work.result.item
        pending_user = self.writes.link_plan.pending_by_email.get(work.email)
        existing = state.pending.get((pending_user.pk, work.course_id)) if pending_user and pending_user.pk else None
        if not item.is_active:
            if existing is None:
                return _not_ok(
                    work, NOT_FOUND, "not_enrolled", f"No pending enrollment in {work.course_id} for {work.email}."
                )
            self.writes.pending_delete.append(existing)
            return _ok(work, PENDING_REMOVED)
        if existing is None:
            existing = PendingEnrollment(
                user=pending_user,
                course_id=work.course_id,
                source=item.source or self.source,
                license_uuid=item.license_uuid,
                transaction_id=item.transaction_id,
            )
            self.writes.pending_create.append(existing)
            code = "pending_created"
        elif (existing.course_mode, existing.cohort_name) == (work.mode, item.cohort or existing.cohort_name):
            code = "already_pending"
        else:
            self.writes.pending_update.append(existing)
            code = "pending_updated"
        existing.course_mode, existing.cohort_name = work.mode, item.cohort or existing.cohort_name
        _ok(work, PENDING, code)

    # -- writes ----------------------------------------------------------------------------------------------------

    def write(self, *, actor=None, atomic=False):
        """Apply the planned writes in one transaction; backend failures mark their items `failed`."""
        writes = self.writes
        with transaction.atomic():
            apply_link_plan(writes.link_plan, actor=actor)
            failed = self._call_backend(self.enrollment_backend.enroll, writes.enroll_requests.values())
            failed |= self._call_backend(self.enrollment_backend.unenroll, writes.unenroll_pairs.values())
            self._mark_failed(failed)
            if atomic and not all(result.ok for result in self.results):
                raise AtomicBatchRejected([result.as_dict() for result in self.results])  # rolls everything back
            eces = [ece for key, ece in writes.eces.items() if key not in failed]
            changed = [ece for ece in eces if ece.pk is not None]  # before the inserts give new rows a pk
            bulk_create_audited(EnterpriseCourseEnrollment, [e for e in eces if e.pk is None], actor=actor)
            bulk_update_audited(
                EnterpriseCourseEnrollment,
                changed,
                ["mode", "cohort_name", "unenrolled", "unenrolled_at"],
                actor=actor,
            )
            bulk_create_audited(PendingEnrollment, writes.pending_create, actor=actor)
            bulk_update_audited(PendingEnrollment, writes.pending_update, ["course_mode", "cohort_name"], actor=actor)
            bulk_delete_audited(PendingEnrollment, writes.pending_delete, actor=actor)
            self._notify_on_commit()

    def _call_backend(self, method, planned):
        """Call a bulk backend method; return {item key: reason} for the pairs it refused."""
        planned = list(planned)
        if not planned:
            return {}
        outcomes = method(planned)
        pair_of = _pair if isinstance(planned[0], EnrollmentRequest) else (lambda pair: pair)
        refused = {pair_of(entry): outcomes.get(pair_of(entry)) for entry in planned}
        return {
            work.key: refused[pair]
            for work in self.works
            if work.user is not None and (pair := (work.user.pk, work.course_id)) in refused and refused[pair]
        }

    def _mark_failed(self, failed):
        for work in self.works:
            if work.key in failed and work.result.ok:
                _not_ok(work, FAILED, "backend_error", str(failed[work.key]))

    def _notify_on_commit(self):
        from .emails import Notification, send_enrollment_notifications

        notifications, seen = [], set()
        for work in self.works:
            result = work.result
            if not (result.item.notify and result.status in NOTIFY_STATUSES) or work.key in seen:
                continue
            seen.add(work.key)
            email = work.user.email if work.user else work.email
            notifications.append(
                Notification(email, work.course_id, work.mode, pending=work.user is None, user=work.user)
            )
        if notifications:
            customer = self.customer
            transaction.on_commit(lambda: send_enrollment_notifications(customer, notifications))


@dataclass
class _CurrentState:
    """What the database and the enrollment backend hold now for a batch's (learner, course) pairs."""

    eces: dict
    platform: dict
    pending: dict

    @classmethod
    def read(cls, batch, works):
        links = batch.writes.link_plan.links_by_user_id
        link_ids = {links[w.user.pk].pk for w in works if w.user and w.user.pk in links and links[w.user.pk].pk}
        courses = {w.course_id for w in works}
        eces = {}
        if link_ids:
            for ece in EnterpriseCourseEnrollment.objects.filter(
                enterprise_customer_user_id__in=link_ids, course_id__in=courses
            ):
                eces[(ece.enterprise_customer_user_id, ece.course_id)] = ece
        pairs = {(w.user.pk, w.course_id) for w in works if w.user and w.result.item.is_active}
        platform = batch.enrollment_backend.read(pairs) if pairs else {}
        pending_ids = {p.pk for p in batch.writes.link_plan.pending_by_email.values() if p.pk}
        pending = {}
        if pending_ids:
            for enrollment in PendingEnrollment.objects.filter(user_id__in=pending_ids, course_id__in=courses):
                pending[(enrollment.user_id, enrollment.course_id)] = enrollment
        return cls(eces=eces, platform=platform, pending=pending)


def _pair(request):
    return (request.user.pk, request.course_id)


def _operation(work):
    item = work.result.item
    return (item.is_active, work.mode, item.cohort)


def _is_downgrade(current_mode, new_mode):
    free = app_settings.get("FREE_COURSE_MODES")
    return current_mode not in free and new_mode in free


def _not_found_text(item):
    if item.lms_user_id is not None:
        return f"No user has lms_user_id {item.lms_user_id}."
    return f"No user matches tpa_user_id {item.tpa_user_id!r} for this customer's identity provider."


def _ok(work, status, code=None):
    work.result.status, work.result.code, work.result.detail = status, code or status, "success"


def _not_ok(work, status, code, detail, errors=None):
    result = work.result
    result.status, result.code, result.detail, result.errors = status, code, detail, errors


class _Problems:
    """Field errors of one item, in the order found: {field: [(code, message)]}."""

    def __init__(self):
        self.by_field = {}

    def __bool__(self):
        return bool(self.by_field)

    def add(self, field_name, code, message):
        self.by_field.setdefault(field_name, []).append((code, message))

    def report(self, work):
        code, detail = next(iter(self.by_field.values()))[0]
        errors = {name: [message for _, message in found] for name, found in self.by_field.items()}
        _invalid(work, code, detail, errors)


def _invalid(work, code, detail, errors):
    _not_ok(work, INVALID, code, detail, errors)


def realise_pending_learner(user, *, actor=None):
    """
    Turn pending learners with `user`'s email into real links and their pending enrollments into enrollments.

    Called when an account is created or its email changes. Each customer's pending enrollments go through
    enroll_learners (the backend enrolls; each ECE keeps its pending row's source); the pending rows are removed.
    Returns {customer: [ItemResult]}.
    """
    from .learners import remove_pending_learners
    from .models import PendingEnterpriseCustomerUser

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
