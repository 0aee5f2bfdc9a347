"""Database-level constraints and invariants of the data model (SPEC §2)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from enterprise_enroll import models
from tests import factories


def assert_db_rejects(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.mark.django_db
def test_roles_are_seeded():
    assert set(models.SystemWideEnterpriseRole.objects.values_list("name", flat=True)) == {
        "enterprise_learner",
        "enterprise_admin",
        "enterprise_openedx_operator",
    }
    assert set(models.EnterpriseFeatureRole.objects.values_list("name", flat=True)) == {
        "enrollment_api_admin",
        "catalog_admin",
        "dashboard_admin",
    }


def test_customer_slug_is_unique(customer):
    assert_db_rejects(lambda: factories.EnterpriseCustomerFactory(slug=customer.slug))


def test_learner_link_is_unique(customer):
    link = factories.EnterpriseCustomerUserFactory(enterprise_customer=customer)
    assert_db_rejects(
        lambda: models.EnterpriseCustomerUser.objects.create(enterprise_customer=customer, user=link.user)
    )


def test_pending_email_is_normalised_and_unique_case_insensitively(customer):
    pending = factories.PendingEnterpriseCustomerUserFactory(
        enterprise_customer=customer, user_email=" Ann@Example.COM "
    )
    assert pending.user_email == "ann@example.com"
    assert_db_rejects(
        lambda: factories.PendingEnterpriseCustomerUserFactory(
            enterprise_customer=customer, user_email="ANN@example.com"
        )
    )


def test_database_refuses_a_case_variant_even_when_save_is_bypassed(customer):
    # bulk_create skips save()'s normalisation. PostgreSQL and SQLite refuse the mixed-case email through the
    # check constraint; MySQL/MariaDB compare case-insensitively, so their unique constraint refuses it.
    factories.PendingEnterpriseCustomerUserFactory(enterprise_customer=customer, user_email="bob@example.com")
    assert_db_rejects(
        lambda: models.PendingEnterpriseCustomerUser.objects.bulk_create(
            [models.PendingEnterpriseCustomerUser(enterprise_customer=customer, user_email="Bob@Example.com")]
        )
    )


def test_pending_enrollment_is_unique_per_course(customer):
    pending = factories.PendingEnrollmentFactory(user__enterprise_customer=customer)
    assert_db_rejects(lambda: factories.PendingEnrollmentFactory(user=pending.user, course_id=pending.course_id))


def test_enterprise_course_enrollment_is_unique_per_learner_and_course(customer):
    ece = factories.EnterpriseCourseEnrollmentFactory(enterprise_customer_user__enterprise_customer=customer)
    assert_db_rejects(
        lambda: factories.EnterpriseCourseEnrollmentFactory(
            enterprise_customer_user=ece.enterprise_customer_user, course_id=ece.course_id
        )
    )


def test_enterprise_course_enrollment_is_never_deleted(customer):
    ece = factories.EnterpriseCourseEnrollmentFactory(enterprise_customer_user__enterprise_customer=customer)
    with pytest.raises(ValidationError):
        ece.delete()
    with pytest.raises(ValidationError):
        models.EnterpriseCourseEnrollment.objects.all().delete()
    assert models.EnterpriseCourseEnrollment.objects.count() == 1


def test_course_run_id_is_validated(customer):
    ece = factories.EnterpriseCourseEnrollmentFactory.build(
        enterprise_customer_user=factories.EnterpriseCustomerUserFactory(enterprise_customer=customer),
        course_id="not a course",
    )
    with pytest.raises(ValidationError) as info:
        ece.full_clean()
    assert "course_id" in info.value.message_dict


@pytest.mark.parametrize(
    "factory_class, role_model",
    [
        (factories.SystemRoleAssignmentFactory, models.SystemWideEnterpriseRole),
        (factories.FeatureRoleAssignmentFactory, models.EnterpriseFeatureRole),
    ],
)
class TestRoleAssignmentScope:
    def _role(self, role_model):
        return role_model.objects.first()

    def test_customer_and_all_contexts_together_are_refused(self, factory_class, role_model, customer):
        user = factories.UserFactory()
        assignment = factory_class.build(
            user=user, role=self._role(role_model), enterprise_customer=customer, applies_to_all_contexts=True
        )
        with pytest.raises(ValidationError):
            assignment.full_clean()
        assert_db_rejects(assignment.save)

    def test_neither_customer_nor_all_contexts_is_refused(self, factory_class, role_model, db):
        assignment = factory_class.build(user=factories.UserFactory(), role=self._role(role_model))
        with pytest.raises(ValidationError):
            assignment.full_clean()
        assert_db_rejects(assignment.save)

    def test_duplicate_customer_assignment_is_refused(self, factory_class, role_model, customer):
        first = factory_class(role=self._role(role_model), enterprise_customer=customer)
        assert_db_rejects(lambda: factory_class(user=first.user, role=first.role, enterprise_customer=customer))

    def test_duplicate_all_contexts_assignment_is_refused(self, factory_class, role_model, db):
        first = factory_class(role=self._role(role_model), applies_to_all_contexts=True)
        assert_db_rejects(lambda: factory_class(user=first.user, role=first.role, applies_to_all_contexts=True))

    def test_context_is_the_customer_uuid_or_star(self, factory_class, role_model, customer):
        scoped = factory_class(role=self._role(role_model), enterprise_customer=customer)
        everywhere = factory_class(role=self._role(role_model), applies_to_all_contexts=True)
        assert scoped.get_context() == str(customer.uuid)
        assert everywhere.get_context() == "*"
