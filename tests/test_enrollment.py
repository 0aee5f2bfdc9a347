"""Service layer: enroll_learners semantics (SPEC §5), batch cost, dry run, atomic, duplicates, backends."""

import pytest
from django.test import override_settings

from enterprise_enroll import models
from enterprise_enroll.backends import LocalEnrollmentBackend
from enterprise_enroll.enrollment import EnrollmentItem, enroll_learners
from enterprise_enroll.exceptions import AtomicBatchRejected, BackendUnavailable, InvalidRequest
from enterprise_enroll.learners import link_learners
from tests import factories

RUN = "course-v1:edX+DemoX+Demo_Course"
OTHER_RUN = "course-v1:edX+Other+2026"


@pytest.fixture
def catalog(customer):
    return factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer, content_filter={})


@pytest.fixture
def learner(customer):
    user = factories.UserFactory(username="ann", email="ann@example.com")
    link_learners(customer, users=[user])
    return user


def item(**kwargs):
    kwargs.setdefault("course_run_id", RUN)
    if kwargs.get("is_active", True):
        kwargs.setdefault("course_mode", "audit")
    return EnrollmentItem(**kwargs)


def statuses(results):
    return [(r.status, r.code) for r in results]


def eces(customer):
    return models.EnterpriseCourseEnrollment.objects.for_customer(customer)


class TestEnroll:
    def test_linked_learner_by_lms_user_id_is_enrolled(self, customer, catalog, learner):
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk)])
        assert (result.status, result.detail) == ("enrolled", "success")
        ece = eces(customer).get()
        assert (ece.course_id, ece.mode, ece.source, ece.unenrolled) == (RUN, "audit", "enterprise_api", False)

    def test_linked_learner_by_email_is_enrolled(self, customer, catalog, learner):
        assert statuses(enroll_learners(customer, [item(user_email="ANN@example.com")])) == [("enrolled", "enrolled")]

    @override_settings(ENTERPRISE_ENROLL_TPA_USER_RESOLVER="tests.test_enrollment.resolve_tpa")
    def test_linked_learner_by_tpa_user_id_is_enrolled(self, customer, catalog, learner):
        assert statuses(enroll_learners(customer, [item(tpa_user_id="sso-ann")])) == [("enrolled", "enrolled")]
        [missing] = enroll_learners(customer, [item(tpa_user_id="sso-nobody")])
        assert (missing.status, missing.code) == ("invalid", "user_not_found")

    def test_tpa_user_id_without_a_resolver_is_invalid(self, customer, catalog):
        [result] = enroll_learners(customer, [item(tpa_user_id="sso-ann")])
        assert (result.status, result.code) == ("invalid", "tpa_not_supported")

    def test_existing_user_not_yet_linked_is_linked_then_enrolled(self, customer, catalog):
        user = factories.UserFactory(email="bob@example.com")
        [result] = enroll_learners(customer, [item(user_email="bob@example.com")])
        assert result.status == "enrolled"
        assert models.EnterpriseCustomerUser.objects.get(enterprise_customer=customer, user=user).linked
        assert models.SystemWideEnterpriseUserRoleAssignment.objects.filter(
            user=user, role__name="enterprise_learner"
        ).exists()

    def test_unlinked_lms_user_id_is_invalid_and_nothing_is_written(self, customer, catalog):
        user = factories.UserFactory()
        [result] = enroll_learners(customer, [item(lms_user_id=user.pk)])
        assert (result.status, result.code) == ("invalid", "learner_not_linked")
        assert not models.EnterpriseCustomerUser.objects.exists()

    def test_unknown_lms_user_id_is_invalid(self, customer, catalog):
        [result] = enroll_learners(customer, [item(lms_user_id=999999)])
        assert (result.status, result.code) == ("invalid", "user_not_found")

    def test_unknown_email_becomes_pending_with_its_cohort(self, customer, catalog):
        customer.enable_autocohorting = True
        customer.save()
        [result] = enroll_learners(customer, [item(user_email="New@Example.com", cohort="blue")])
        assert (result.status, result.code) == ("pending", "pending_created")
        pending = models.PendingEnrollment.objects.select_related("user").get()
        assert (pending.user.user_email, pending.course_id, pending.course_mode, pending.cohort_name) == (
            "new@example.com",
            RUN,
            "audit",
            "blue",
        )

    def test_cohort_without_autocohorting_is_refused_on_the_pending_path_too(self, customer, catalog, learner):
        results = enroll_learners(
            customer, [item(lms_user_id=learner.pk, cohort="blue"), item(user_email="x@example.com", cohort="blue")]
        )
        assert statuses(results) == [("invalid", "cohort_not_allowed")] * 2
        assert "cohort" in results[1].errors
        assert not models.PendingEnterpriseCustomerUser.objects.exists()

    def test_already_enrolled_learner_gets_an_ece_and_already_enrolled(
        self, customer, other_customer, catalog, learner
    ):
        link_learners(other_customer, users=[learner])
        factories.EnterpriseCustomerCatalogFactory(enterprise_customer=other_customer)
        enroll_learners(other_customer, [item(lms_user_id=learner.pk)])  # enrolled through another customer
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk)])
        assert result.status == "already_enrolled"
        assert eces(customer).count() == 1

    def test_upgrade_from_audit_to_verified(self, customer, catalog, learner):
        enroll_learners(customer, [item(lms_user_id=learner.pk)])
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk, course_mode="verified")])
        assert result.status == "upgraded"
        assert eces(customer).get().mode == "verified"

    def test_downgrade_from_verified_to_audit_is_refused(self, customer, catalog, learner):
        enroll_learners(customer, [item(lms_user_id=learner.pk, course_mode="verified")])
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk, course_mode="audit")])
        assert (result.status, result.code) == ("invalid", "downgrade_not_allowed")
        assert eces(customer).get().mode == "verified"

    def test_course_not_in_catalog_is_invalid(self, customer, learner):
        factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer, content_filter={"orgs": ["MITx"]})
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk)])
        assert (result.status, result.code) == ("invalid", "not_in_catalog")
        assert not eces(customer).exists()

    def test_customer_without_catalog_says_so(self, customer, learner):
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk)])
        assert result.code == "not_in_catalog"
        assert "has no catalog" in result.detail

    @pytest.mark.parametrize(
        "fields, code, error_field",
        [
            ({"course_run_id": None, "lms_user_id": 1}, "missing_course_run_id", "course_run_id"),
            ({"course_run_id": "not-a-key", "lms_user_id": 1}, "invalid_course_run_id", "course_run_id"),
            ({"user_email": "nope"}, "invalid_email", "user_email"),
            ({"lms_user_id": 1, "course_mode": None}, "missing_course_mode", "course_mode"),
            ({"lms_user_id": 1, "course_mode": "gold"}, "invalid_course_mode", "course_mode"),
            ({}, "missing_learner_identifier", "non_field_errors"),
        ],
    )
    def test_invalid_fields_are_reported_per_item(self, customer, catalog, fields, code, error_field):
        [result] = enroll_learners(customer, [item(**fields)])
        assert (result.status, result.code) == ("invalid", code)
        assert error_field in result.errors

    def test_empty_item_reports_every_missing_field(self, customer, catalog):
        [result] = enroll_learners(customer, [EnrollmentItem(course_run_id=None)])
        assert set(result.errors) == {"non_field_errors", "course_run_id", "course_mode"}


class TestUnenroll:
    def test_unenroll_is_soft_and_reenroll_clears_it(self, customer, catalog, learner):
        enroll_learners(customer, [item(lms_user_id=learner.pk)])
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk, is_active=False)])
        assert result.status == "unenrolled"
        ece = eces(customer).get()
        assert ece.unenrolled and ece.unenrolled_at is not None
        assert enroll_learners(customer, [item(lms_user_id=learner.pk, is_active=False)])[0].status == (
            "already_unenrolled"
        )
        assert enroll_learners(customer, [item(lms_user_id=learner.pk)])[0].status == "enrolled"
        ece.refresh_from_db()
        assert not ece.unenrolled and ece.unenrolled_at is None
        assert eces(customer).count() == 1

    def test_unenrolling_what_does_not_exist_is_not_found(self, customer, catalog, learner):
        [result] = enroll_learners(customer, [item(lms_user_id=learner.pk, is_active=False)])
        assert (result.status, result.code) == ("not_found", "not_enrolled")
        assert not result.ok

    def test_clearing_a_pending_enrollment(self, customer, catalog):
        enroll_learners(customer, [item(user_email="new@example.com")])
        [result] = enroll_learners(customer, [item(user_email="new@example.com", is_active=False)])
        assert result.status == "pending_removed"
        assert not models.PendingEnrollment.objects.exists()
        assert enroll_learners(customer, [item(user_email="new@example.com", is_active=False)])[0].status == "not_found"

    def test_unenroll_of_unknown_email_creates_no_pending_learner(self, customer, catalog):
        [result] = enroll_learners(customer, [item(user_email="ghost@example.com", is_active=False)])
        assert result.status == "not_found"
        assert not models.PendingEnterpriseCustomerUser.objects.exists()

    def test_unenroll_needs_no_course_mode_and_no_catalog(self, customer, learner):
        factories.EnterpriseCourseEnrollmentFactory(
            enterprise_customer_user=models.EnterpriseCustomerUser.objects.get(user=learner)
        )
        [result] = enroll_learners(
            customer, [EnrollmentItem(course_run_id=RUN, lms_user_id=learner.pk, is_active=False)]
        )
        assert result.status == "unenrolled"


class TestBatch:
    def test_mixed_request_reports_each_item_in_order(self, customer, catalog, learner):
        customer.enable_autocohorting = True
        customer.save()
        unlinked = factories.UserFactory(email="carl@example.com")
        items = [
            item(lms_user_id=learner.pk),
            item(user_email="carl@example.com", course_mode="verified"),
            item(user_email="dora@example.com", cohort="red"),
            item(lms_user_id=learner.pk, course_run_id="bad key"),
            item(lms_user_id=unlinked.pk + 1000),
            item(lms_user_id=learner.pk, course_run_id="course-v1:edX+Third+2026", is_active=False),
            item(user_email="ann@example.com", course_run_id=OTHER_RUN, course_mode="verified"),
            item(lms_user_id=learner.pk),
        ]
        results = enroll_learners(customer, items)
        assert [r.index for r in results] == list(range(8))
        assert [r.status for r in results] == [
            "enrolled",
            "enrolled",
            "pending",
            "invalid",
            "invalid",
            "not_found",
            "enrolled",
            "enrolled",
        ]

    def test_duplicates_are_processed_once_and_reported_per_item(self, customer, catalog, learner):
        results = enroll_learners(customer, [item(lms_user_id=learner.pk), item(user_email="ann@example.com")])
        assert statuses(results) == [("enrolled", "enrolled")] * 2
        assert eces(customer).count() == 1

    def test_conflicting_duplicates_are_refused(self, customer, catalog, learner):
        results = enroll_learners(
            customer, [item(lms_user_id=learner.pk), item(lms_user_id=learner.pk, is_active=False)]
        )
        assert results[1].code == "conflicting_duplicate"

    def test_reposting_the_same_body_writes_nothing_new(self, customer, catalog, learner):
        body = [item(lms_user_id=learner.pk), item(user_email="new@example.com")]
        enroll_learners(customer, body)
        counts = (models.EnterpriseCourseEnrollment.history.count(), models.PendingEnrollment.history.count())
        results = enroll_learners(customer, body)
        assert statuses(results) == [("already_enrolled", "already_enrolled"), ("pending", "already_pending")]
        assert (models.EnterpriseCourseEnrollment.history.count(), models.PendingEnrollment.history.count()) == counts

    def test_dry_run_reports_and_writes_nothing(self, customer, catalog, learner):
        results = enroll_learners(
            customer, [item(lms_user_id=learner.pk), item(user_email="x@example.com")], dry_run=True
        )
        assert [r.status for r in results] == ["enrolled", "pending"]
        assert not eces(customer).exists()
        assert not models.PendingEnterpriseCustomerUser.objects.exists()

    def test_atomic_refuses_the_whole_batch_when_one_item_is_not_ok(self, customer, catalog, learner):
        with pytest.raises(AtomicBatchRejected) as info:
            enroll_learners(
                customer, [item(lms_user_id=learner.pk), item(course_run_id="bad", lms_user_id=1)], atomic=True
            )
        assert [r["status"] for r in info.value.results] == ["enrolled", "invalid"]
        assert not eces(customer).exists()

    def test_batch_over_the_limit_is_refused(self, customer, catalog):
        with override_settings(ENTERPRISE_ENROLL_MAX_BATCH_SIZE=2), pytest.raises(InvalidRequest) as info:
            enroll_learners(customer, [item(user_email=f"u{i}@example.com") for i in range(3)])
        assert info.value.code == "batch_too_large"

    @pytest.mark.parametrize("size", [1, 500])
    def test_query_count_is_constant(self, customer, catalog, size, django_assert_max_num_queries):
        half = size // 2
        users = factories.UserFactory.create_batch(half)
        link_learners(customer, users=users[: half // 2])
        items = [item(user_email=u.email) for u in users]
        items += [item(user_email=f"newbie{i}@example.com") for i in range(size - half)]
        with django_assert_max_num_queries(40):
            results = enroll_learners(customer, items)
        assert {r.status for r in results} <= {"enrolled", "pending"}
        with django_assert_max_num_queries(40):
            enroll_learners(customer, [item(user_email=r.item.user_email, is_active=False) for r in results])


class FailingBackend(LocalEnrollmentBackend):
    """Refuses the course run OTHER_RUN for everyone."""

    def enroll(self, requests):
        return {
            (r.user.pk, r.course_id): ("Enrollment is closed." if r.course_id == OTHER_RUN else None) for r in requests
        }


class DownBackend(LocalEnrollmentBackend):
    def read(self, pairs):
        raise BackendUnavailable("The enrollment backend is down.")


class TestBackends:
    @override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND="tests.test_enrollment.FailingBackend")
    def test_a_refused_item_is_failed_and_leaves_no_ece(self, customer, catalog, learner):
        results = enroll_learners(
            customer, [item(lms_user_id=learner.pk), item(lms_user_id=learner.pk, course_run_id=OTHER_RUN)]
        )
        assert statuses(results) == [("enrolled", "enrolled"), ("failed", "backend_error")]
        assert results[1].detail == "Enrollment is closed."
        assert list(eces(customer).values_list("course_id", flat=True)) == [RUN]

    @override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND="tests.test_enrollment.FailingBackend")
    def test_atomic_with_a_refused_item_writes_nothing(self, customer, catalog, learner):
        with pytest.raises(AtomicBatchRejected):
            enroll_learners(
                customer,
                [item(user_email="new-user@example.com"), item(lms_user_id=learner.pk, course_run_id=OTHER_RUN)],
                atomic=True,
            )
        assert not eces(customer).exists()

    @override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND="tests.test_enrollment.DownBackend")
    def test_backend_down_raises_and_writes_nothing(self, customer, catalog):
        factories.UserFactory(email="bob@example.com")
        with pytest.raises(BackendUnavailable):
            enroll_learners(customer, [item(user_email="bob@example.com")])
        assert not models.EnterpriseCustomerUser.objects.exists()


def resolve_tpa(customer, tpa_user_ids):
    from django.contrib.auth import get_user_model

    return {"sso-ann": get_user_model().objects.get(username="ann")} if "sso-ann" in tpa_user_ids else {}


def test_course_runs_differing_only_in_case_are_different_runs(customer, catalog, learner):
    # Course keys are case-sensitive; MySQL/MariaDB collations are not unless the column says so.
    upper = "course-v1:EDX+DemoX+Demo_Course"
    results = enroll_learners(
        customer, [item(lms_user_id=learner.pk), item(lms_user_id=learner.pk, course_run_id=upper)]
    )
    assert [r.status for r in results] == ["enrolled", "enrolled"]
    assert sorted(eces(customer).values_list("course_id", flat=True)) == [upper, RUN]
    assert eces(customer).filter(course_id=RUN).count() == 1
