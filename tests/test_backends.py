"""Tests for the enrollment backends (SPEC §7): local (ECE of record) and Open edX in-process (against a fake LMS)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from enterprise_enroll import backends
from enterprise_enroll.backends import (
    EnrollmentRequest,
    EnrollmentState,
    LocalEnrollmentBackend,
    OpenedxEnrollmentBackend,
    get_enrollment_backend,
)
from enterprise_enroll.exceptions import BackendUnavailable
from tests import factories
from tests.fake_openedx import install

DEMO = "course-v1:edX+DemoX+Demo_Course"
OTHER = "course-v1:edX+Other+2025"


# --- LocalEnrollmentBackend --------------------------------------------------------------------------------------


def ece(user, customer, course_id, mode="audit", unenrolled=False):
    link, _ = factories.models.EnterpriseCustomerUser.objects.get_or_create(user=user, enterprise_customer=customer)
    return factories.EnterpriseCourseEnrollmentFactory(
        enterprise_customer_user=link, course_id=course_id, mode=mode, unenrolled=unenrolled
    )


def test_local_read_returns_exactly_the_asked_pairs_in_one_query(customer, django_assert_num_queries):
    alice, bob = factories.UserFactory(), factories.UserFactory()
    ece(alice, customer, DEMO, mode="verified")
    ece(bob, customer, OTHER, unenrolled=True)
    ece(alice, customer, OTHER)  # (alice, OTHER) exists but is not asked for

    with django_assert_num_queries(1):
        states = LocalEnrollmentBackend().read([(alice.pk, DEMO), (bob.pk, OTHER), (bob.pk, DEMO)])

    assert states == {
        (alice.pk, DEMO): EnrollmentState(mode="verified", is_active=True),
        (bob.pk, OTHER): EnrollmentState(mode="audit", is_active=False),
    }


def test_local_read_prefers_the_active_enrollment_across_customers(customer, other_customer):
    learner = factories.UserFactory()
    ece(learner, customer, DEMO, mode="verified")
    ece(learner, other_customer, DEMO, mode="audit", unenrolled=True)

    assert LocalEnrollmentBackend().read([(learner.pk, DEMO)]) == {
        (learner.pk, DEMO): EnrollmentState(mode="verified", is_active=True)
    }


def test_local_read_of_nothing_makes_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert LocalEnrollmentBackend().read([]) == {}


def test_local_enroll_and_unenroll_succeed_without_writing(db, django_assert_num_queries):
    learner = factories.UserFactory()
    backend = LocalEnrollmentBackend()

    with django_assert_num_queries(0):
        assert backend.enroll([EnrollmentRequest(learner, DEMO, "audit")]) == {(learner.pk, DEMO): None}
        assert backend.unenroll([(learner.pk, DEMO)]) == {(learner.pk, DEMO): None}
    assert backend.ece_is_record is True


def test_get_enrollment_backend_defaults_to_local():
    assert isinstance(get_enrollment_backend(), LocalEnrollmentBackend)


@override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND="enterprise_enroll.backends.OpenedxEnrollmentBackend")
def test_get_enrollment_backend_follows_the_setting():
    backend = get_enrollment_backend()
    assert isinstance(backend, OpenedxEnrollmentBackend)
    assert backend.ece_is_record is False


@override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND="no.such.Backend")
def test_get_enrollment_backend_names_the_broken_setting():
    with pytest.raises(ImproperlyConfigured, match="ENTERPRISE_ENROLL_ENROLLMENT_BACKEND"):
        get_enrollment_backend()


# --- OpenedxEnrollmentBackend: outside the LMS -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda backend: backend.read([(1, DEMO)]),
        lambda backend: backend.enroll([EnrollmentRequest(get_user_model()(pk=1, username="x"), DEMO, "audit")]),
        lambda backend: backend.unenroll([(1, DEMO)]),
    ],
)
def test_openedx_outside_the_lms_is_503_naming_the_setting(call):
    with pytest.raises(BackendUnavailable) as raised:
        call(OpenedxEnrollmentBackend())

    assert raised.value.status_code == 503
    assert "ENTERPRISE_ENROLL_ENROLLMENT_BACKEND" in raised.value.hint
    assert "LocalEnrollmentBackend" in raised.value.hint


def test_openedx_empty_batches_need_no_platform():
    backend = OpenedxEnrollmentBackend()
    assert backend.read([]) == backend.enroll([]) == backend.unenroll([]) == {}


# --- OpenedxEnrollmentBackend: inside a (fake) LMS ---------------------------------------------------------------


@pytest.fixture
def platform(db, monkeypatch):
    fake = install(monkeypatch)
    fake.add_course(DEMO, modes=["audit", "verified"], cohorts=["Team A", "Team B"])
    fake.add_course(OTHER, modes=["audit"])
    return fake


@pytest.fixture
def learner(db):
    return factories.UserFactory(username="ada")


def enroll_one(request):
    return OpenedxEnrollmentBackend().enroll([request])[(request.user.pk, request.course_id)]


def api_calls(platform, name):
    return [call for call in platform.calls if call[0] == name]


def test_openedx_read_is_one_query_for_many_pairs(platform):
    users = [factories.UserFactory() for _ in range(5)]
    platform.set_enrollment(users[0], DEMO, "verified")
    platform.set_enrollment(users[1], OTHER, "audit", is_active=False)
    platform.set_enrollment(users[2], OTHER, "audit")  # not asked for
    pairs = [(user.pk, course) for user in users for course in (DEMO,)] + [(users[1].pk, OTHER)]

    states = OpenedxEnrollmentBackend().read(pairs + [(users[3].pk, "not-a-course-key")])

    assert platform.enrollment_queries == 1
    assert states == {
        (users[0].pk, DEMO): EnrollmentState(mode="verified", is_active=True),
        (users[1].pk, OTHER): EnrollmentState(mode="audit", is_active=False),
    }


def test_openedx_enrolls_a_new_learner(platform, learner):
    request = EnrollmentRequest(learner, DEMO, "verified", enterprise_uuid="0b1c")

    assert enroll_one(request) is None

    assert platform.enrollment_of(learner, DEMO) == {"mode": "verified", "is_active": True, "enterprise_uuid": "0b1c"}
    [(_, username, course_id, kwargs)] = api_calls(platform, "add_enrollment")
    assert (username, course_id, kwargs["force_enrollment"]) == ("ada", DEMO, False)


def test_openedx_mode_not_offered_is_a_reason_and_writes_nothing(platform, learner):
    reason = enroll_one(EnrollmentRequest(learner, OTHER, "verified"))

    assert reason == f"Course mode 'verified' is not available for {OTHER} (available: audit)."
    assert platform.enrollment_of(learner, OTHER) is None


def test_openedx_closed_enrollment_needs_force(platform, learner):
    platform.courses[OTHER].enrollment_open = False

    reason = enroll_one(EnrollmentRequest(learner, OTHER, "audit"))
    assert "closed" in reason and "force_enrollment" in reason
    assert platform.enrollment_of(learner, OTHER) is None

    assert enroll_one(EnrollmentRequest(learner, OTHER, "audit", force=True)) is None
    assert platform.enrollment_of(learner, OTHER)["is_active"] is True
    assert api_calls(platform, "add_enrollment")[-1][3]["force_enrollment"] is True


def test_openedx_full_course(platform, learner):
    platform.courses[OTHER].max_learners = 1
    platform.set_enrollment(factories.UserFactory(), OTHER, "audit")

    assert (
        enroll_one(EnrollmentRequest(learner, OTHER, "audit"))
        == f"{OTHER} is full: it has reached its maximum number of learners."
    )


def test_openedx_unknown_course(platform, learner):
    missing = "course-v1:edX+Nope+2025"
    assert enroll_one(EnrollmentRequest(learner, missing, "audit")) == f"Course {missing} does not exist in this LMS."


def test_openedx_user_missing_from_the_lms(platform):
    ghost = get_user_model()(pk=987654, username="ghost")
    assert enroll_one(EnrollmentRequest(ghost, DEMO, "audit")) == "User 'ghost' does not exist in the LMS."


def test_openedx_enrollment_prevented_by_a_platform_filter(platform, learner):
    platform.refused_courses.add(DEMO)

    reason = enroll_one(EnrollmentRequest(learner, DEMO, "audit"))

    assert reason.startswith(f"The Open edX enrollment API refused the enrollment in {DEMO}")
    assert "platform filter" in reason


def test_openedx_already_enrolled_in_that_mode_calls_nothing(platform, learner):
    platform.set_enrollment(learner, DEMO, "verified")

    assert enroll_one(EnrollmentRequest(learner, DEMO, "verified")) is None
    assert not api_calls(platform, "add_enrollment") and not api_calls(platform, "update_enrollment")


def test_openedx_mode_change_updates_the_enrollment(platform, learner):
    platform.set_enrollment(learner, DEMO, "audit")

    assert enroll_one(EnrollmentRequest(learner, DEMO, "verified")) is None

    assert platform.enrollment_of(learner, DEMO)["mode"] == "verified"
    assert not api_calls(platform, "add_enrollment")


def test_openedx_reactivates_an_inactive_enrollment(platform, learner):
    platform.set_enrollment(learner, DEMO, "audit", is_active=False)

    assert enroll_one(EnrollmentRequest(learner, DEMO, "audit")) is None
    assert platform.enrollment_of(learner, DEMO)["is_active"] is True


def test_openedx_concurrent_enrollment_converges_on_the_requested_mode(platform, learner, monkeypatch):
    platform.set_enrollment(learner, DEMO, "audit")
    monkeypatch.setattr(OpenedxEnrollmentBackend, "read", lambda self, pairs: {})  # enrolled after our read

    assert enroll_one(EnrollmentRequest(learner, DEMO, "verified")) is None
    assert platform.enrollment_of(learner, DEMO) == {"mode": "verified", "is_active": True}


def test_openedx_adds_to_cohort_once_per_batch_lookup(platform, learner):
    other = factories.UserFactory()
    requests = [EnrollmentRequest(user, DEMO, "audit", cohort="Team A") for user in (learner, other)]

    assert OpenedxEnrollmentBackend().enroll(requests) == {(learner.pk, DEMO): None, (other.pk, DEMO): None}

    assert platform.cohort_members(DEMO, "Team A") == {learner.pk, other.pk}
    assert len(api_calls(platform, "get_cohort_by_name")) == 1


def test_openedx_cohort_already_joined_is_fine(platform, learner):
    platform.set_enrollment(learner, DEMO, "audit")
    platform.cohort_members(DEMO, "Team B").add(learner.pk)

    assert enroll_one(EnrollmentRequest(learner, DEMO, "audit", cohort="Team B")) is None


def test_openedx_unknown_cohort_fails_the_item_before_enrolling(platform, learner):
    reason = enroll_one(EnrollmentRequest(learner, DEMO, "audit", cohort="Nobody"))

    assert reason.startswith(f"Cohort 'Nobody' does not exist in {DEMO}")
    assert platform.enrollment_of(learner, DEMO) is None
    assert not api_calls(platform, "add_enrollment")


def test_openedx_a_failing_item_rolls_back_its_own_writes_only(platform, learner, monkeypatch):
    import sys

    api = sys.modules["openedx.core.djangoapps.enrollments.api"]
    errors = sys.modules["openedx.core.djangoapps.enrollments.errors"]
    real_add = api.add_enrollment

    def add_then_fail(username, course_id, **kwargs):
        result = real_add(username, course_id, **kwargs)
        factories.UserFactory(username=f"side-effect-{username}")  # a database write made by the platform
        if course_id == OTHER:
            raise errors.CourseEnrollmentError("exploded after writing")
        return result

    monkeypatch.setattr(api, "add_enrollment", add_then_fail)

    results = OpenedxEnrollmentBackend().enroll(
        [EnrollmentRequest(learner, DEMO, "audit"), EnrollmentRequest(learner, OTHER, "audit")]
    )

    assert results[(learner.pk, DEMO)] is None
    assert "exploded after writing" in results[(learner.pk, OTHER)]
    # Only the failing item's savepoint was rolled back.
    assert get_user_model().objects.filter(username__startswith="side-effect-").count() == 1


def test_openedx_mixed_batch_reports_per_item(platform, learner):
    other = factories.UserFactory()
    results = OpenedxEnrollmentBackend().enroll(
        [
            EnrollmentRequest(learner, DEMO, "verified"),
            EnrollmentRequest(learner, OTHER, "verified"),
            EnrollmentRequest(other, OTHER, "audit"),
        ]
    )

    assert results[(learner.pk, DEMO)] is None
    assert results[(learner.pk, OTHER)].startswith("Course mode 'verified' is not available")
    assert results[(other.pk, OTHER)] is None
    assert platform.enrollment_queries == 1


def test_openedx_unenroll(platform, learner):
    never, inactive = factories.UserFactory(), factories.UserFactory()
    platform.set_enrollment(learner, DEMO, "verified")
    platform.set_enrollment(inactive, DEMO, "audit", is_active=False)

    results = OpenedxEnrollmentBackend().unenroll([(learner.pk, DEMO), (never.pk, DEMO), (inactive.pk, DEMO)])

    assert results == {(learner.pk, DEMO): None, (never.pk, DEMO): None, (inactive.pk, DEMO): None}
    assert platform.enrollment_of(learner, DEMO) == {"mode": "verified", "is_active": False}
    # Only the active enrollment needed a call; the others already are what was asked.
    assert [call[1] for call in api_calls(platform, "update_enrollment")] == ["ada"]
    assert platform.enrollment_queries == 1


def test_openedx_unenroll_refused_by_the_platform_is_a_reason(platform, learner, monkeypatch):
    import sys

    errors = sys.modules["openedx.core.djangoapps.enrollments.errors"]
    platform.set_enrollment(learner, DEMO, "audit")

    def refuse(*args, **kwargs):
        raise errors.CourseEnrollmentError("unenrollment is locked")

    monkeypatch.setattr(sys.modules["openedx.core.djangoapps.enrollments.api"], "update_enrollment", refuse)

    reason = OpenedxEnrollmentBackend().unenroll([(learner.pk, DEMO)])[(learner.pk, DEMO)]
    assert reason == f"The Open edX enrollment API refused to unenroll the learner from {DEMO}: unenrollment is locked"


def test_openedx_backend_module_imports_no_platform_code():
    # The module is imported by the standalone app: platform imports may only happen inside methods.
    source = open(backends.__file__).read()
    top_level_imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in top_level_imports if "openedx" in line or "common." in line]
