"""An in-memory stand-in for the parts of the Open edX LMS the backends call, mirroring the platform's behaviour."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from opaque_keys.edx.keys import CourseKey

from . import errors


class CourseNotFoundError(ObjectDoesNotExist):
    """openedx.core.lib.exceptions.CourseNotFoundError."""


class CourseEnrollmentException(Exception):
    """common.djangoapps.student.models.CourseEnrollmentException."""


class EnrollmentNotAllowed(CourseEnrollmentException):
    """Raised by CourseEnrollment.enroll when an openedx-filters pipeline prevents the enrollment."""


class CourseUserGroupDoesNotExist(ObjectDoesNotExist):
    """CourseUserGroup.DoesNotExist."""


@dataclass
class FakeCohort:
    """A CourseUserGroup of type cohort."""

    name: str
    course_id: str
    members: set = field(default_factory=set)


@dataclass
class FakeCourse:
    """A course run with its modes, enrollment window, capacity and cohorts."""

    course_id: str
    modes: list
    enrollment_open: bool = True
    max_learners: int | None = None
    cohorts: dict = field(default_factory=dict)


def _canonical(course_id):
    return str(CourseKey.from_string(str(course_id)))


def _user(username_or_email):
    lookup = "email" if "@" in username_or_email else "username"
    return get_user_model().objects.filter(**{lookup: username_or_email}).first()


class FakePlatform:
    """State of the fake LMS plus the functions the fake modules expose; `calls` records every API call."""

    def __init__(self):
        self.courses = {}
        self.enrollments = {}  # (user_id, canonical course id) -> {"mode", "is_active", "enterprise_uuid"}
        self.refused_courses = set()
        self.social_auth = []  # (provider, uid, user)
        self.calls = []
        self.enrollment_queries = 0

    # --- test set-up ----------------------------------------------------------------------------------------------

    def add_course(self, course_id, modes=("audit",), *, enrollment_open=True, max_learners=None, cohorts=()):
        course = FakeCourse(_canonical(course_id), list(modes), enrollment_open, max_learners)
        course.cohorts = {name: FakeCohort(name, course.course_id) for name in cohorts}
        self.courses[course.course_id] = course
        return course

    def set_enrollment(self, user, course_id, mode, is_active=True):
        self.enrollments[(user.pk, _canonical(course_id))] = {"mode": mode, "is_active": is_active}

    def enrollment_of(self, user, course_id):
        return self.enrollments.get((user.pk, _canonical(course_id)))

    def cohort_members(self, course_id, name):
        return self.courses[_canonical(course_id)].cohorts[name].members

    # --- openedx.core.djangoapps.enrollments.api ------------------------------------------------------------------

    def add_enrollment(
        self,
        username,
        course_id,
        mode=None,
        is_active=True,
        enrollment_attributes=None,
        enterprise_uuid=None,
        force_enrollment=False,
        include_expired=False,
    ):
        self.calls.append(("add_enrollment", username, course_id, {"mode": mode, "force_enrollment": force_enrollment}))
        course = self._validate_mode(course_id, mode or "audit")
        user = self._user_or_error(username)
        if course.course_id in self.refused_courses:
            raise EnrollmentNotAllowed("Enrollment prevented by a platform filter.")
        if not course.enrollment_open and not force_enrollment:
            raise errors.CourseEnrollmentClosedError("")
        active = [e for (uid, cid), e in self.enrollments.items() if cid == course.course_id and e["is_active"]]
        if course.max_learners is not None and len(active) >= course.max_learners:
            raise errors.CourseEnrollmentFullError("")
        key = (user.pk, course.course_id)
        if self.enrollments.get(key, {}).get("is_active"):
            raise errors.CourseEnrollmentExistsError("Already enrolled", self._serialize(username, key))
        self.enrollments[key] = {"mode": mode or "audit", "is_active": is_active, "enterprise_uuid": enterprise_uuid}
        return self._serialize(username, key)

    def update_enrollment(
        self, username, course_id, mode=None, is_active=None, enrollment_attributes=None, include_expired=False
    ):
        self.calls.append(("update_enrollment", username, course_id, {"mode": mode, "is_active": is_active}))
        if mode is not None:
            self._validate_mode(course_id, mode)
        user = self._user_or_error(username)
        key = (user.pk, _canonical(course_id))
        if key not in self.enrollments:
            raise errors.EnrollmentNotFoundError(f"Course Enrollment not found for user {username} in {course_id}")
        if mode is not None:
            self.enrollments[key]["mode"] = mode
        if is_active is not None:
            self.enrollments[key]["is_active"] = is_active
        return self._serialize(username, key)

    def get_enrollment(self, username, course_id):
        user = _user(username)
        key = (getattr(user, "pk", None), _canonical(course_id))
        return self._serialize(username, key) if key in self.enrollments else None

    def _validate_mode(self, course_id, mode):
        course = self.courses.get(_canonical(course_id))
        if course is None:
            raise CourseNotFoundError(f"Requested enrollment information for unknown course {course_id}")
        if mode not in course.modes:
            info = {"course_id": course.course_id, "course_modes": [{"slug": slug} for slug in course.modes]}
            raise errors.CourseModeNotFoundError(
                f"Specified course mode '{mode}' unavailable for course {course_id}.", info
            )
        return course

    def _user_or_error(self, username):
        user = _user(username)
        if user is None:
            raise errors.UserNotFoundError(f"Not user with username '{username}' found.")
        return user

    def _serialize(self, username, key):
        enrollment = self.enrollments[key]
        return {"user": username, "course_details": {"course_id": key[1]}, **enrollment}

    # --- openedx.core.djangoapps.course_groups.cohorts ------------------------------------------------------------

    def get_cohort_by_name(self, course_key, name):
        assert isinstance(course_key, CourseKey), "the platform expects a CourseKey"
        self.calls.append(("get_cohort_by_name", None, str(course_key), {"name": name}))
        course = self.courses.get(str(course_key))
        if course is None or name not in course.cohorts:
            raise CourseUserGroupDoesNotExist("CourseUserGroup matching query does not exist.")
        return course.cohorts[name]

    def add_user_to_cohort(self, cohort, username_or_email):
        self.calls.append(("add_user_to_cohort", username_or_email, cohort.course_id, {"cohort": cohort.name}))
        user = _user(username_or_email)
        if user is None:
            raise get_user_model().DoesNotExist()
        if user.pk in cohort.members:
            raise ValueError(f"User {user.username} already present in cohort {cohort.name}")
        previous = None
        for other in self.courses[cohort.course_id].cohorts.values():
            if user.pk in other.members:
                other.members.discard(user.pk)
                previous = other.name
        cohort.members.add(user.pk)
        return user, previous


class FakeEnrollmentQuerySet:
    """CourseEnrollment.objects.filter(user_id__in=…, course_id__in=…): each evaluation counts as one query."""

    def __init__(self, platform, user_ids, course_keys):
        assert all(isinstance(key, CourseKey) for key in course_keys), "course_id lookups take CourseKeys"
        self.platform = platform
        self.user_ids = set(user_ids)
        self.course_ids = {str(key) for key in course_keys}

    def values_list(self, *fields):
        self.platform.enrollment_queries += 1
        rows = []
        for (user_id, course_id), enrollment in self.platform.enrollments.items():
            if user_id in self.user_ids and course_id in self.course_ids:
                row = {"user_id": user_id, "course_id": CourseKey.from_string(course_id), **enrollment}
                rows.append(tuple(row[name] for name in fields))
        return rows


class FakeEnrollmentManager:
    """The slice of CourseEnrollment.objects the backend uses."""

    def __init__(self, platform):
        self.platform = platform

    def filter(self, *, user_id__in, course_id__in):
        return FakeEnrollmentQuerySet(self.platform, user_id__in, list(course_id__in))


class FakeUserSocialAuthManager:
    """UserSocialAuth.objects.filter(provider=…, uid__in=…).select_related("user"): one query."""

    def __init__(self, platform):
        self.platform = platform
        self.queries = 0

    def filter(self, *, provider, uid__in):
        uids = set(uid__in)
        self.queries += 1
        return FakeSocialAuthRows(
            [
                FakeSocialAuth(row_provider, uid, user)
                for row_provider, uid, user in self.platform.social_auth
                if row_provider == provider and uid in uids
            ]
        )


@dataclass
class FakeSocialAuth:
    """A social_django UserSocialAuth row."""

    provider: str
    uid: str
    user: object


class FakeSocialAuthRows(list):
    """A list that accepts select_related() like a queryset."""

    def select_related(self, *fields):
        return self
