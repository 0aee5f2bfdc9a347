"""One request's items planned and written together: resolve learners, check the catalog, read state, decide."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .. import app_settings
from ..audit import bulk_create_audited, bulk_delete_audited, bulk_update_audited
from ..backends import EnrollmentRequest, get_enrollment_backend
from ..catalog import get_catalog_backend
from ..emails import Notification, send_enrollment_notifications
from ..exceptions import AtomicBatchRejected
from ..learners import apply_link_plan, plan_links, users_by_email
from ..models import EnterpriseCourseEnrollment, PendingEnrollment
from ..tpa import get_tpa_user_resolver
from .items import (
    ALREADY_ENROLLED,
    ALREADY_UNENROLLED,
    ENROLLED,
    FAILED,
    NOT_FOUND,
    NOTIFY_STATUSES,
    PENDING,
    PENDING_REMOVED,
    UNENROLLED,
    UPGRADED,
    ItemResult,
)
from .validation import validate_item
from .work import Work, mark_invalid, mark_not_ok, mark_ok


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


class EnrollmentBatch:
    """Plans and writes one request's items: validate, resolve learners, check catalog, read state, decide."""

    def __init__(self, customer, items, *, source, check_catalog=True):
        self.customer = customer
        self.source = source
        self.check_catalog = check_catalog
        self.works = [Work(ItemResult(i, "", "", "", item)) for i, item in enumerate(items)]
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
            validate_item(work, self.customer)
        self._resolve_learners()
        if self.check_catalog:
            self._check_catalog()
        self._decide_all()

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
                message = _not_found_text(item)
                mark_invalid(work, "user_not_found", message, {"non_field_errors": [message]})
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
                mark_invalid(
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
                mark_invalid(work, "tpa_not_supported", message, {"tpa_user_id": [message]})
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
                mark_invalid(work, "learner_not_linked", message, {"non_field_errors": [message]})

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
                mark_invalid(work, "not_in_catalog", message, {"course_run_id": [message]})

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
                mark_invalid(work, "conflicting_duplicate", message, {"non_field_errors": [message]})
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
            return mark_invalid(work, "downgrade_not_allowed", message, {"course_mode": [message]})
        else:
            status = UPGRADED if current and current.is_active else ENROLLED
            self.writes.enroll_requests[work.key] = EnrollmentRequest(
                work.user, work.course_id, work.mode, item.cohort, item.force_enrollment, str(self.customer.uuid)
            )
        mark_ok(work, status)
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
            return mark_not_ok(
                work, NOT_FOUND, "not_enrolled", f"The learner has no enrollment in {work.course_id} for this customer."
            )
        if ece.unenrolled:
            return mark_ok(work, ALREADY_UNENROLLED)
        mark_ok(work, UNENROLLED)
        ece.unenrolled, ece.unenrolled_at = True, timezone.now()
        self.writes.eces[work.key] = ece
        self.writes.unenroll_pairs[work.key] = (work.user.pk, work.course_id)

    def _decide_pending(self, work, state):
        item = work.result.item
        pending_user = self.writes.link_plan.pending_by_email.get(work.email)
        existing = state.pending.get((pending_user.pk, work.course_id)) if pending_user and pending_user.pk else None
        if not item.is_active:
            if existing is None:
                return mark_not_ok(
                    work, NOT_FOUND, "not_enrolled", f"No pending enrollment in {work.course_id} for {work.email}."
                )
            self.writes.pending_delete.append(existing)
            return mark_ok(work, PENDING_REMOVED)
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
        mark_ok(work, PENDING, code)

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
                mark_not_ok(work, FAILED, "backend_error", str(failed[work.key]))

    def _notify_on_commit(self):
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
