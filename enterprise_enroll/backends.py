"""Enrollment backends (SPEC §7): read, enroll and unenroll in bulk; per-item failures, never half-written."""

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from . import app_settings
from .exceptions import BackendUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrollmentState:
    """The platform's view of one (user, course) enrollment."""

    mode: str
    is_active: bool


@dataclass(frozen=True)
class EnrollmentRequest:
    """
    One enrollment to make: `force` lets an enrollment through a closed enrollment window (edx semantics).

    `enterprise_uuid` (optional) is handed to the platform, which records it with the enrollment's events.
    """

    user: object
    course_id: str
    mode: str
    cohort: str | None = None
    force: bool = False
    enterprise_uuid: str | None = None


class EnrollmentBackend(ABC):
    """
    Base class. Keys are (user id, course id) tuples.

    `read` returns current enrollments for many pairs at once; `enroll` and `unenroll` return
    {key: None on success, or the backend's failure reason}. Raise BackendUnavailable when the whole backend is down.
    Every method is batch-first: one call per request, never one per item.
    """

    #: True when the ECE row itself is the enrollment of record (the service then writes nothing elsewhere).
    ece_is_record = False

    @abstractmethod
    def read(self, pairs):
        """{(user_id, course_id): EnrollmentState} for the pairs that have an enrollment (active or not)."""

    @abstractmethod
    def enroll(self, requests):
        """Make each EnrollmentRequest true (create, reactivate or change mode); {key: None | failure reason}."""

    @abstractmethod
    def unenroll(self, pairs):
        """Deactivate each (user_id, course_id) enrollment; one that does not exist is already unenrolled."""


class LocalEnrollmentBackend(EnrollmentBackend):
    """Standalone default: the EnterpriseCourseEnrollment row is the enrollment of record (one read query)."""

    ece_is_record = True

    def read(self, pairs):
        from .models import EnterpriseCourseEnrollment

        pairs = set(pairs)
        if not pairs:
            return {}
        rows = (
            EnterpriseCourseEnrollment.objects.filter(
                enterprise_customer_user__user_id__in={user_id for user_id, _ in pairs},
                course_id__in={course_id for _, course_id in pairs},
            )
            .order_by("unenrolled", "-modified")
            .values_list("enterprise_customer_user__user_id", "course_id", "mode", "unenrolled")
        )
        states = {}
        for user_id, course_id, mode, unenrolled in rows:
            if (user_id, course_id) in pairs:
                # Ordered active-first, newest-first: the first row seen is the one of record.
                states.setdefault((user_id, course_id), EnrollmentState(mode=mode, is_active=not unenrolled))
        return states

    def enroll(self, requests):
        return {(r.user.pk, r.course_id): None for r in requests}

    def unenroll(self, pairs):
        return dict.fromkeys(pairs)


SETTING_HINT = (
    "The Open edX enrollment backend only works inside the LMS. Outside it, set "
    "ENTERPRISE_ENROLL_ENROLLMENT_BACKEND to enterprise_enroll.backends.LocalEnrollmentBackend."
)


def import_platform():
    """The Open edX modules this backend calls, imported on use (this module must import outside the LMS too)."""
    try:
        from common.djangoapps.student import models as student_models
        from openedx.core.djangoapps.course_groups import cohorts
        from openedx.core.djangoapps.enrollments import api, errors
    except ImportError as exc:
        raise BackendUnavailable(
            f"The Open edX enrollment API cannot be imported ({exc}); nothing was written.", hint=SETTING_HINT
        ) from exc
    # Errors that concern one item; anything else is a bug or an outage and propagates.
    item_errors = (errors.CourseEnrollmentError, ObjectDoesNotExist)
    if hasattr(student_models, "CourseEnrollmentException"):  # e.g. EnrollmentNotAllowed raised by a platform filter
        item_errors += (student_models.CourseEnrollmentException,)
    return SimpleNamespace(
        api=api,
        errors=errors,
        cohorts=cohorts,
        CourseEnrollment=student_models.CourseEnrollment,
        item_errors=item_errors,
    )


class _ItemFailed(Exception):
    """One item cannot be done; its message is the item's reason."""


class OpenedxEnrollmentBackend(EnrollmentBackend):
    """
    Inside the LMS: the platform's Python enrollment API, called in-process (no HTTP loop-back, no OAuth client).

    Reads are one query on CourseEnrollment. Each item is written in its own savepoint, so an item that fails
    half-way (e.g. enrolled, then its cohort is refused) leaves nothing behind; as the platform shares the
    database, the caller's transaction also covers every platform write.
    """

    def read(self, pairs):
        pairs = set(pairs)
        if not pairs:
            return {}
        platform = import_platform()
        course_ids = _canonical_course_ids(course_id for _, course_id in pairs)
        rows = platform.CourseEnrollment.objects.filter(
            user_id__in={user_id for user_id, _ in pairs},
            course_id__in=[CourseKey.from_string(canonical) for canonical in course_ids],
        ).values_list("user_id", "course_id", "mode", "is_active")
        states = {}
        for user_id, course_key, mode, is_active in rows:
            for course_id in course_ids.get(str(course_key), ()):
                if (user_id, course_id) in pairs:
                    states[(user_id, course_id)] = EnrollmentState(mode=mode, is_active=bool(is_active))
        return states

    def enroll(self, requests):
        requests = list(requests)
        if not requests:
            return {}
        platform = import_platform()
        states = self.read((r.user.pk, r.course_id) for r in requests)
        cohorts = {}
        results = {}
        for request in requests:
            key = (request.user.pk, request.course_id)
            results[key] = self._enroll_one(platform, request, states.get(key), cohorts)
        return results

    def unenroll(self, pairs):
        pairs = set(pairs)
        if not pairs:
            return {}
        platform = import_platform()
        states = self.read(pairs)
        active = [key for key in pairs if key in states and states[key].is_active]
        usernames = dict(
            get_user_model().objects.filter(pk__in={user_id for user_id, _ in active}).values_list("pk", "username")
        )
        results = dict.fromkeys(pairs)
        for user_id, course_id in active:
            results[(user_id, course_id)] = self._unenroll_one(platform, usernames.get(user_id), user_id, course_id)
        return results

    def _enroll_one(self, platform, request, state, cohort_cache):
        try:
            with transaction.atomic():
                cohort = _find_cohort(platform, request, cohort_cache)
                _write_enrollment(platform, request, state)
                if cohort is not None:
                    _add_to_cohort(platform, cohort, request.user.username)
        except _ItemFailed as failure:
            return str(failure)
        except platform.item_errors as exc:
            logger.info("Open edX refused to enroll %s in %s: %r", request.user.username, request.course_id, exc)
            return _enroll_failure_reason(platform, request, exc)
        return None

    def _unenroll_one(self, platform, username, user_id, course_id):
        if username is None:
            return f"User {user_id} does not exist in the LMS."
        try:
            with transaction.atomic():
                platform.api.update_enrollment(username, course_id, is_active=False)
        except platform.errors.EnrollmentNotFoundError:
            return None  # Gone since the read: the learner is not enrolled, which is what was asked.
        except platform.item_errors as exc:
            logger.info("Open edX refused to unenroll %s from %s: %r", username, course_id, exc)
            return f"The Open edX enrollment API refused to unenroll the learner from {course_id}: {exc}"
        return None


def _canonical_course_ids(course_ids):
    """{canonical course key string: [course ids as given]}; unparsable ids cannot be enrolled and are skipped."""
    canonical = {}
    for course_id in course_ids:
        try:
            canonical.setdefault(str(CourseKey.from_string(course_id)), []).append(course_id)
        except InvalidKeyError:
            continue
    return canonical


def _find_cohort(platform, request, cache):
    """The named cohort of the course (looked up once per course and name), or None when no cohort is asked."""
    if not request.cohort:
        return None
    key = (request.course_id, request.cohort)
    if key not in cache:
        try:
            cache[key] = platform.cohorts.get_cohort_by_name(CourseKey.from_string(request.course_id), request.cohort)
        except (ObjectDoesNotExist, InvalidKeyError):
            cache[key] = None
    if cache[key] is None:
        raise _ItemFailed(
            f"Cohort '{request.cohort}' does not exist in {request.course_id}; "
            "create it in the LMS instructor dashboard (Cohorts) first."
        )
    return cache[key]


def _write_enrollment(platform, request, state):
    """Create, reactivate or change the mode of one enrollment, as the platform's own update-or-create does."""
    username, course_id, api = request.user.username, request.course_id, platform.api
    if state is not None and state.is_active:
        if state.mode != request.mode:
            api.update_enrollment(username, course_id, mode=request.mode, is_active=True)
        return
    try:
        api.add_enrollment(
            username,
            course_id,
            mode=request.mode,
            is_active=True,
            enterprise_uuid=request.enterprise_uuid,
            force_enrollment=request.force,
        )
    except platform.errors.CourseEnrollmentExistsError:
        # Enrolled by someone else since our read: converge on the requested mode instead of failing.
        api.update_enrollment(username, course_id, mode=request.mode, is_active=True)


def _add_to_cohort(platform, cohort, username):
    try:
        platform.cohorts.add_user_to_cohort(cohort, username)
    except ValueError:
        pass  # The platform's way of saying the learner is already in this cohort.


def _enroll_failure_reason(platform, request, exc):
    """A reason an integrator can act on, for one platform error."""
    errors, course_id = platform.errors, request.course_id
    if isinstance(exc, errors.CourseModeNotFoundError):
        available = _available_modes(exc)
        suffix = f" (available: {', '.join(available)})." if available else "."
        return f"Course mode '{request.mode}' is not available for {course_id}{suffix}"
    if isinstance(exc, errors.CourseEnrollmentClosedError):
        return f"Enrollment in {course_id} is closed; use force_enrollment to enroll anyway."
    if isinstance(exc, errors.CourseEnrollmentFullError):
        return f"{course_id} is full: it has reached its maximum number of learners."
    if isinstance(exc, errors.UserNotFoundError):
        return f"User '{request.user.username}' does not exist in the LMS."
    if isinstance(exc, ObjectDoesNotExist):
        return f"Course {course_id} does not exist in this LMS."
    return f"The Open edX enrollment API refused the enrollment in {course_id}: {str(exc) or type(exc).__name__}"


def _available_modes(exc):
    """Mode slugs the platform attached to a CourseModeNotFoundError (its `data` is the course's enrollment info)."""
    data = getattr(exc, "data", None) or {}
    modes = data.get("course_modes", []) if isinstance(data, dict) else []
    return [mode["slug"] for mode in modes if isinstance(mode, dict) and mode.get("slug")]


def get_enrollment_backend():
    """A new instance of the backend named by ENTERPRISE_ENROLL_ENROLLMENT_BACKEND."""
    return app_settings.import_setting("ENROLLMENT_BACKEND")()
