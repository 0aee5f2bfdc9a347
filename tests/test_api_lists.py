"""HTTP contract of the customer, learner, enrollment and pending-enrollment endpoints: scoping, filters, cost."""

import pytest

from enterprise_enroll import models
from enterprise_enroll.enrollment import EnrollmentItem, enroll_learners
from enterprise_enroll.learners import link_learners
from tests import factories

API = "/enterprise/api/v1"
RUN = "course-v1:edX+DemoX+Demo_Course"


@pytest.fixture
def two_tenants(customer, other_customer):
    """Each customer has a catalog, two linked learners enrolled in RUN, and one pending enrollment."""
    for tenant in (customer, other_customer):
        factories.EnterpriseCustomerCatalogFactory(enterprise_customer=tenant)
        users = [factories.UserFactory(username=f"{tenant.slug}-learner{i}") for i in range(2)]
        link_learners(tenant, users=users)
        items = [EnrollmentItem(course_run_id=RUN, lms_user_id=u.pk, course_mode="audit") for u in users]
        items.append(EnrollmentItem(course_run_id=RUN, user_email=f"future@{tenant.slug}.example", course_mode="audit"))
        enroll_learners(tenant, items)
    return customer, other_customer


def results(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


class TestCustomers:
    def test_admin_sees_only_their_customer(self, two_tenants, api_admin_of, client_for):
        customer, other = two_tenants
        client = client_for(api_admin_of(customer))
        assert [c["slug"] for c in results(client.get(f"{API}/enterprise-customer/"))] == ["acme"]
        denied = client.get(f"{API}/enterprise-customer/{other.uuid}/")
        assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
        assert client.get(f"{API}/enterprise-customer/basic_list/").json() == [
            {"id": str(customer.uuid), "name": "Acme"}
        ]

    def test_learner_sees_the_customer_they_are_linked_to(self, two_tenants, client_for):
        learner = models.EnterpriseCustomerUser.objects.filter(enterprise_customer=two_tenants[1]).first().user
        assert [c["slug"] for c in results(client_for(learner).get(f"{API}/enterprise-customer/"))] == ["globex"]

    def test_staff_see_every_active_customer_with_filters_and_ordering(self, two_tenants, client_for):
        factories.EnterpriseCustomerFactory(slug="dormant", active=False)
        client = client_for(factories.UserFactory(is_staff=True))
        assert [c["slug"] for c in results(client.get(f"{API}/enterprise-customer/?ordering=-name"))] == [
            "globex",
            "acme",
        ]
        assert [c["slug"] for c in results(client.get(f"{API}/enterprise-customer/?slug=acme"))] == ["acme"]

    def test_list_costs_constant_queries(self, client_for, db, django_assert_max_num_queries):
        factories.EnterpriseCustomerFactory.create_batch(30)
        client = client_for(factories.UserFactory(is_staff=True))
        with django_assert_max_num_queries(4):
            assert len(results(client.get(f"{API}/enterprise-customer/"))) == 30

    def test_create_needs_an_operator(self, db, client_for):
        operator = factories.UserFactory()
        factories.SystemRoleAssignmentFactory(
            user=operator, role=factories.system_role("enterprise_openedx_operator"), applies_to_all_contexts=True
        )
        body = {"name": "Initech", "slug": "initech"}
        denied = client_for(factories.UserFactory()).post(f"{API}/enterprise-customer/", body, format="json")
        assert (denied.status_code, denied.json()["permission"]) == (403, "enterprise_enroll.can_manage_customers")
        created = client_for(operator).post(f"{API}/enterprise-customer/", body, format="json")
        assert created.status_code == 201
        assert models.EnterpriseCustomer.objects.filter(slug="initech").exists()
        duplicate = client_for(operator).post(f"{API}/enterprise-customer/", body, format="json")
        assert (duplicate.status_code, duplicate.json()["code"]) == (400, "validation_error")

    def test_patch_needs_dashboard_admin_of_that_customer(self, two_tenants, api_admin_of, client_for):
        customer, other = two_tenants
        client = client_for(api_admin_of(customer))
        ok = client.patch(f"{API}/enterprise-customer/{customer.uuid}/", {"enable_autocohorting": True}, format="json")
        assert ok.status_code == 200 and ok.json()["enable_autocohorting"] is True
        denied = client.patch(f"{API}/enterprise-customer/{other.uuid}/", {"name": "Mine"}, format="json")
        assert denied.status_code == 403
        other.refresh_from_db()
        assert other.name == "Globex"

    def test_contains_content_items(self, customer, api_admin_of, client_for):
        factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer, content_filter={"orgs": ["edX"]})
        client = client_for(api_admin_of(customer))
        base = f"{API}/enterprise-customer/{customer.uuid}/contains_content_items/"
        assert client.get(f"{base}?course_run_ids={RUN}").json() == {"contains_content_items": True}
        mixed = client.get(f"{base}?course_run_ids={RUN}&course_run_ids=course-v1:MITx+6.00x+2026")
        assert mixed.json() == {"contains_content_items": False}
        missing = client.get(base)
        assert (missing.status_code, missing.json()["code"]) == (400, "missing_course_run_ids")
        malformed = client.get(f"{base}?course_run_ids=garbage")
        assert malformed.status_code == 400


class TestLearners:
    def test_admin_lists_their_customers_learners_only(self, two_tenants, api_admin_of, client_for):
        customer, _ = two_tenants
        rows = results(client_for(api_admin_of(customer)).get(f"{API}/enterprise-learner/"))
        assert sorted(r["username"] for r in rows) == ["acme-learner0", "acme-learner1"]

    def test_learner_sees_own_links(self, two_tenants, client_for):
        learner = models.EnterpriseCustomerUser.objects.filter(enterprise_customer=two_tenants[0]).first().user
        rows = results(client_for(learner).get(f"{API}/enterprise-learner/"))
        assert [r["username"] for r in rows] == [learner.username]

    def test_filters(self, two_tenants, client_for):
        client = client_for(factories.UserFactory(is_superuser=True))
        rows = results(client.get(f"{API}/enterprise-learner/?username=globex-learner1"))
        assert [r["enterprise_customer"] for r in rows] == [str(two_tenants[1].uuid)]

    def test_link_by_username_and_by_unknown_email(self, customer, api_admin_of, client_for):
        client = client_for(api_admin_of(customer))
        user = factories.UserFactory(username="zed")
        linked = client.post(
            f"{API}/enterprise-learner/", {"enterprise_customer": str(customer.uuid), "username": "zed"}, format="json"
        )
        assert (linked.status_code, linked.json()["status"]) == (201, "linked")
        assert linked.json()["link"]["user_id"] == user.pk
        pending = client.post(
            f"{API}/enterprise-learner/",
            {"enterprise_customer": str(customer.uuid), "user_email": "later@example.com"},
            format="json",
        )
        assert (pending.status_code, pending.json()["status"]) == (201, "pending")

    def test_linking_for_another_customer_is_403(self, two_tenants, api_admin_of, client_for):
        customer, other = two_tenants
        client = client_for(api_admin_of(customer))
        response = client.post(
            f"{API}/enterprise-learner/",
            {"enterprise_customer": str(other.uuid), "user_email": "x@example.com"},
            format="json",
        )
        assert response.status_code == 403

    def test_unlink_users(self, two_tenants, api_admin_of, client_for):
        customer, _ = two_tenants
        client = client_for(api_admin_of(customer))
        response = client.post(
            f"{API}/enterprise-customer/{customer.uuid}/unlink_users/",
            {"user_emails": ["acme-learner0@example.com", "nobody@example.com"]},
            format="json",
        )
        assert [r["status"] for r in response.json()] == ["unlinked", "not_found"]
        assert not models.EnterpriseCustomerUser.objects.get(user__username="acme-learner0").linked


class TestEnrollmentLists:
    def test_admin_sees_only_their_enrollments_and_pending(self, two_tenants, api_admin_of, client_for):
        customer, other = two_tenants
        client = client_for(api_admin_of(customer))
        rows = results(client.get(f"{API}/enterprise-course-enrollment/"))
        assert sorted(r["username"] for r in rows) == ["acme-learner0", "acme-learner1"]
        assert results(client.get(f"{API}/enterprise-course-enrollment/?enterprise_customer={other.uuid}")) == []
        pending = results(client.get(f"{API}/pending-enrollment/"))
        assert [p["user_email"] for p in pending] == ["future@acme.example"]
        other_ece = models.EnterpriseCourseEnrollment.objects.for_customer(other).first()
        assert client.get(f"{API}/enterprise-course-enrollment/{other_ece.pk}/").status_code == 404

    def test_filters(self, two_tenants, client_for):
        client = client_for(factories.UserFactory(is_superuser=True))
        rows = results(client.get(f"{API}/enterprise-course-enrollment/?user_email=GLOBEX-learner0@example.com"))
        assert [r["username"] for r in rows] == ["globex-learner0"]
        assert results(client.get(f"{API}/enterprise-course-enrollment/?unenrolled=true")) == []
        assert len(results(client.get(f"{API}/enterprise-course-enrollment/?modified_since=2000-01-01T00:00:00Z"))) == 4
        assert len(results(client.get(f"{API}/enterprise-course-enrollment/?course_id={RUN}"))) == 4

    def test_learner_without_admin_role_sees_no_enrollments(self, two_tenants, client_for):
        learner = models.EnterpriseCustomerUser.objects.filter(enterprise_customer=two_tenants[0]).first().user
        assert results(client_for(learner).get(f"{API}/enterprise-course-enrollment/")) == []

    def test_list_costs_constant_queries(self, two_tenants, client_for, django_assert_max_num_queries):
        client = client_for(factories.UserFactory(is_superuser=True))
        with django_assert_max_num_queries(4):
            assert len(results(client.get(f"{API}/enterprise-course-enrollment/"))) == 4
