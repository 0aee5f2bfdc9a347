"""factory_boy factories for every model."""

import factory
from django.contrib.auth import get_user_model

from enterprise_enroll import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("password")


class EnterpriseCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EnterpriseCustomer

    name = factory.Sequence(lambda n: f"Customer {n}")
    slug = factory.Sequence(lambda n: f"customer-{n}")


class EnterpriseCustomerCatalogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EnterpriseCustomerCatalog

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    title = factory.Sequence(lambda n: f"Catalog {n}")
    content_filter = factory.LazyFunction(dict)


class EnterpriseCustomerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EnterpriseCustomerUser

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    user = factory.SubFactory(UserFactory)


class PendingEnterpriseCustomerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PendingEnterpriseCustomerUser

    enterprise_customer = factory.SubFactory(EnterpriseCustomerFactory)
    user_email = factory.Sequence(lambda n: f"pending{n}@example.com")


class PendingEnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PendingEnrollment

    user = factory.SubFactory(PendingEnterpriseCustomerUserFactory)
    course_id = "course-v1:edX+DemoX+Demo_Course"
    course_mode = "audit"


class EnterpriseCourseEnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EnterpriseCourseEnrollment

    enterprise_customer_user = factory.SubFactory(EnterpriseCustomerUserFactory)
    course_id = "course-v1:edX+DemoX+Demo_Course"
    mode = "audit"


def system_role(name):
    return models.SystemWideEnterpriseRole.objects.get(name=name)


def feature_role(name):
    return models.EnterpriseFeatureRole.objects.get(name=name)


class SystemRoleAssignmentFactory(factory.django.DjangoModelFactory):
    """Usage: SystemRoleAssignmentFactory(user=u, role=system_role("enterprise_admin"), enterprise_customer=c)."""

    class Meta:
        model = models.SystemWideEnterpriseUserRoleAssignment

    user = factory.SubFactory(UserFactory)


class FeatureRoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EnterpriseFeatureUserRoleAssignment

    user = factory.SubFactory(UserFactory)
