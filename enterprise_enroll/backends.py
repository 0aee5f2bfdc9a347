"""Enrollment backends (SPEC §7): read, enroll and unenroll in bulk; per-item failures, never half-written."""

from dataclasses import dataclass

from . import app_settings


@dataclass(frozen=True)
class EnrollmentState:
    """The platform's view of one (user, course) enrollment."""

    mode: str
    is_active: bool


@dataclass(frozen=True)
class EnrollmentRequest:
    """One enrollment to make: `force` lets an enrollment through a closed enrollment window (edx semantics)."""

    user: object
    course_id: str
    mode: str
    cohort: str | None = None
    force: bool = False


class EnrollmentBackend:
    """
    Base class. Keys are (user id, course id) tuples.

    `read` returns current enrollments for many pairs at once; `enroll` and `unenroll` return
    {key: None on success, or the backend's failure reason}. Raise BackendUnavailable when the whole backend is down.
    """

    #: True when the ECE row itself is the enrollment of record (the service then writes nothing elsewhere).
    ece_is_record = False

    def read(self, pairs):
        raise NotImplementedError

    def enroll(self, requests):
        raise NotImplementedError

    def unenroll(self, pairs):
        raise NotImplementedError


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


def get_enrollment_backend():
    """A new instance of the backend named by ENTERPRISE_ENROLL_ENROLLMENT_BACKEND."""
    return app_settings.import_setting("ENROLLMENT_BACKEND")()
