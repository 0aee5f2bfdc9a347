"""Service layer: linking, unlinking, re-linking, the learner role, and pending realisation (SPEC §2)."""

import pytest

from enterprise_enroll import models
from enterprise_enroll.enrollment import realise_pending_learner
from enterprise_enroll.learners import link_learners, unlink_learners
from tests import factories

RUN = "course-v1:edX+DemoX+Demo_Course"


def learner_role_count(customer, user):
    return models.SystemWideEnterpriseUserRoleAssignment.objects.filter(
        user=user, enterprise_customer=customer, role__name="enterprise_learner"
    ).count()


def test_link_existing_user_by_email_case_insensitively_assigns_the_learner_role(customer):
    user = factories.UserFactory(email="Ann@Example.com")
    [result] = link_learners(customer, emails=["ann@EXAMPLE.com"])
    assert (result.status, result.user) == ("linked", user)
    link = models.EnterpriseCustomerUser.objects.get(enterprise_customer=customer, user=user)
    assert link.linked and link.active
    assert learner_role_count(customer, user) == 1


def test_unknown_email_becomes_a_normalised_pending_learner(customer):
    [result] = link_learners(customer, emails=[" New.Person@Example.COM "])
    assert result.status == "pending"
    assert models.PendingEnterpriseCustomerUser.objects.get().user_email == "new.person@example.com"
    [again] = link_learners(customer, emails=["new.person@example.com"])
    assert again.status == "already_pending"
    assert models.PendingEnterpriseCustomerUser.objects.count() == 1


def test_invalid_email_creates_nothing(customer):
    [result] = link_learners(customer, emails=["not-an-email"])
    assert result.status == "invalid"
    assert not models.PendingEnterpriseCustomerUser.objects.exists()


def test_unlink_is_soft_and_removes_the_role_then_relink_revives_the_same_row(customer):
    user = factories.UserFactory()
    link_learners(customer, users=[user])
    link_id = models.EnterpriseCustomerUser.objects.get(user=user).pk

    [result] = unlink_learners(customer, emails=[user.email])
    assert result.status == "unlinked"
    link = models.EnterpriseCustomerUser.objects.get(pk=link_id)
    assert not link.linked
    assert learner_role_count(customer, user) == 0
    assert unlink_learners(customer, emails=[user.email])[0].status == "already_unlinked"

    [relinked] = link_learners(customer, users=[user])
    assert relinked.status == "relinked"
    assert models.EnterpriseCustomerUser.objects.get().pk == link_id
    assert models.EnterpriseCustomerUser.objects.get().linked
    assert learner_role_count(customer, user) == 1


def test_second_customer_link_is_not_the_active_one(customer, other_customer):
    user = factories.UserFactory()
    link_learners(customer, users=[user])
    link_learners(other_customer, users=[user])
    active = dict(models.EnterpriseCustomerUser.objects.values_list("enterprise_customer__slug", "active"))
    assert active == {"acme": True, "globex": False}


def test_unlink_removes_a_pending_learner_and_its_enrollments(customer):
    pending = factories.PendingEnrollmentFactory(user__enterprise_customer=customer).user
    [result] = unlink_learners(customer, emails=[pending.user_email])
    assert result.status == "pending_removed"
    assert not models.PendingEnterpriseCustomerUser.objects.exists()
    assert not models.PendingEnrollment.objects.exists()
    assert models.PendingEnrollment.history.filter(history_type="-").count() == 1


def test_history_records_the_acting_user(customer):
    admin = factories.UserFactory(username="admin")
    learner = factories.UserFactory()
    link_learners(customer, users=[learner], actor=admin)
    record = models.EnterpriseCustomerUser.history.get()
    assert (record.history_type, record.history_user) == ("+", admin)
    unlink_learners(customer, emails=[learner.email], actor=admin)
    latest = models.EnterpriseCustomerUser.history.order_by("-history_id").first()
    assert (latest.history_type, latest.linked, latest.history_user) == ("~", False, admin)
    role_history = models.SystemWideEnterpriseUserRoleAssignment.history.order_by("history_id")
    assert [(h.history_type, h.history_user) for h in role_history] == [("+", admin), ("-", admin)]


def test_linking_1000_emails_costs_a_constant_number_of_queries(customer, django_assert_max_num_queries):
    users = factories.UserFactory.create_batch(500)
    emails = [u.email for u in users] + [f"newcomer{i}@example.com" for i in range(500)]
    with django_assert_max_num_queries(20):
        results = link_learners(customer, emails=emails)
    assert sorted({r.status for r in results}) == ["linked", "pending"]
    assert models.EnterpriseCustomerUser.objects.count() == 500
    assert models.PendingEnterpriseCustomerUser.objects.count() == 500
    assert models.SystemWideEnterpriseUserRoleAssignment.objects.filter(role__name="enterprise_learner").count() == 500


@pytest.mark.parametrize("how", ["create", "email_change"])
def test_pending_learner_is_realised_when_an_account_gets_its_email(customer, how):
    customer.enable_autocohorting = True
    customer.save()
    pending_user = factories.PendingEnterpriseCustomerUserFactory(
        enterprise_customer=customer, user_email="zoe@example.com"
    )
    factories.PendingEnrollmentFactory(
        user=pending_user, course_mode="verified", cohort_name="blue", source="csv_import"
    )
    if how == "create":
        user = factories.UserFactory(username="zoe", email="Zoe@Example.com")
    else:
        user = factories.UserFactory(username="zoe", email="other@example.com")
        user.email = "zoe@example.com"
        user.save(update_fields=["email"])
    link = models.EnterpriseCustomerUser.objects.get(enterprise_customer=customer, user=user)
    assert link.linked
    ece = models.EnterpriseCourseEnrollment.objects.get(enterprise_customer_user=link)
    assert (ece.course_id, ece.mode, ece.cohort_name, ece.source) == (RUN, "verified", "blue", "csv_import")
    assert not models.PendingEnterpriseCustomerUser.objects.exists()
    assert not models.PendingEnrollment.objects.exists()
    assert learner_role_count(customer, user) == 1


def test_saving_last_login_does_not_look_for_pending_learners(customer, django_assert_num_queries):
    user = factories.UserFactory()
    with django_assert_num_queries(1):
        user.save(update_fields=["last_login"])


def test_realise_without_pending_rows_does_nothing(customer):
    user = factories.UserFactory()
    assert realise_pending_learner(user) == {}
    assert not models.EnterpriseCustomerUser.objects.exists()


def test_a_link_saved_through_the_orm_keeps_the_role_in_step(customer):
    user = factories.UserFactory()
    link = models.EnterpriseCustomerUser.objects.create(enterprise_customer=customer, user=user)
    assert learner_role_count(customer, user) == 1
    link.linked = False
    link.save()
    assert learner_role_count(customer, user) == 0
    link.linked = True
    link.save(update_fields=["linked"])
    assert learner_role_count(customer, user) == 1
    link.active = False
    link.save(update_fields=["active"])  # not about the link's state: no role change, no query for it
    assert learner_role_count(customer, user) == 1
