"""HTTP contract of course_enrollments and enroll_learners_in_courses (SPEC §5): status, body, error codes."""

import pytest
from django.core import mail
from django.test import override_settings

from enterprise_enroll import models
from enterprise_enroll.learners import link_learners
from tests import factories

RUN = "course-v1:edX+DemoX+Demo_Course"


@pytest.fixture
def setup(customer, api_admin_of, client_for):
    factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer, content_filter={})
    learner = factories.UserFactory(username="ann", email="ann@example.com")
    link_learners(customer, users=[learner])
    return client_for(api_admin_of(customer)), learner


def url(customer, action="course_enrollments"):
    return f"/enterprise/api/v1/enterprise-customer/{customer.uuid}/{action}/"


def test_enroll_by_email_returns_per_item_results(customer, setup):
    client, learner = setup
    response = client.post(
        url(customer), [{"user_email": "ann@example.com", "course_run_id": RUN, "course_mode": "audit"}], format="json"
    )
    assert response.status_code == 200
    assert response.json() == [
        {
            "index": 0,
            "status": "enrolled",
            "code": "enrolled",
            "detail": "success",
            "user_email": "ann@example.com",
            "course_run_id": RUN,
            "course_mode": "audit",
            "is_active": True,
        }
    ]
    assert models.EnterpriseCourseEnrollment.objects.for_customer(customer).count() == 1


@pytest.mark.parametrize("body", [{"user_email": "a@example.com"}, "text", None])
def test_body_not_a_list_is_400(customer, setup, body):
    client, _ = setup
    response = client.post(url(customer), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "body_not_a_list"
    assert "hint" in response.json()


def test_empty_item_has_field_errors(customer, setup):
    client, _ = setup
    [result] = client.post(url(customer), [{}], format="json").json()
    assert result["status"] == "invalid"
    assert set(result["errors"]) >= {"course_run_id", "non_field_errors"}


def test_item_with_wrong_types_is_invalid_not_500(customer, setup):
    client, _ = setup
    results = client.post(url(customer), [{"lms_user_id": "abc", "course_run_id": RUN}, 5], format="json").json()
    assert [(r["status"], r["code"]) for r in results] == [("invalid", "invalid_item")] * 2
    assert "lms_user_id" in results[0]["errors"]


def test_batch_limit_is_named(customer, setup):
    client, _ = setup
    with override_settings(ENTERPRISE_ENROLL_MAX_BATCH_SIZE=1):
        response = client.post(url(customer), [{}, {}], format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "batch_too_large"
    assert response.json()["max_batch_size"] == 1


def test_dry_run_and_atomic_flags(customer, setup):
    client, learner = setup
    body = [
        {"lms_user_id": learner.pk, "course_run_id": RUN, "course_mode": "audit"},
        {"lms_user_id": learner.pk, "course_run_id": "nope", "course_mode": "audit"},
    ]
    dry = client.post(url(customer) + "?dry_run=true", body, format="json")
    assert dry.status_code == 200 and [r["status"] for r in dry.json()] == ["enrolled", "invalid"]
    atomic = client.post(url(customer) + "?atomic=true", body, format="json")
    assert atomic.status_code == 409 and [r["status"] for r in atomic.json()] == ["enrolled", "invalid"]
    assert not models.EnterpriseCourseEnrollment.objects.exists()
    bad_flag = client.post(url(customer) + "?atomic=maybe", body, format="json")
    assert (bad_flag.status_code, bad_flag.json()["code"]) == (400, "invalid_query_parameter")


def test_email_students_sends_one_email_per_enrolled_learner_and_none_on_unenroll(
    customer, setup, django_capture_on_commit_callbacks
):
    client, learner = setup
    body = [{"user_email": "ann@example.com", "course_run_id": RUN, "course_mode": "audit", "email_students": True}]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(customer), body, format="json")
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    assert RUN in mail.outbox[0].body
    body[0]["is_active"] = False
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(customer), body, format="json")
    assert len(mail.outbox) == 1


def test_unknown_customer_is_404_for_a_superuser(client_for, db):
    client = client_for(factories.UserFactory(is_superuser=True, is_staff=True))
    response = client.post(
        "/enterprise/api/v1/enterprise-customer/6f1c2d8e-0000-4000-8000-000000000000/course_enrollments/",
        [],
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (404, "customer_not_found")


def test_inactive_customer_is_404(customer, setup):
    client, _ = setup
    customer.active = False
    customer.save()
    response = client.post(url(customer), [], format="json")
    assert response.status_code == 404


def test_admin_of_another_customer_is_403_with_an_explanation(customer, other_customer, api_admin_of, client_for):
    client = client_for(api_admin_of(other_customer))
    response = client.post(url(customer), [], format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["permission"] == "enterprise_enroll.can_enroll_learners"
    assert body["feature_role"] == "enrollment_api_admin"
    assert body["enterprise_customer"] == str(customer.uuid)
    assert "assign_enterprise_role" in body["hint"]


class TestBulkShape:
    def post(self, client, customer, infos, notify=False):
        return client.post(
            url(customer, "enroll_learners_in_courses"), {"enrollments_info": infos, "notify": notify}, format="json"
        )

    def test_all_enrolled_is_201(self, customer, setup):
        client, learner = setup
        other = factories.UserFactory(email="bea@example.com")
        response = self.post(
            client,
            customer,
            [{"user_id": learner.pk, "course_run_key": RUN}, {"user_id": other.pk, "course_run_key": RUN}],
        )
        assert response.status_code == 201
        body = response.json()
        assert [s["user_id"] for s in body["successes"]] == [learner.pk, other.pk]
        assert body["pending"] == body["failures"] == []
        # user_id of a user not yet linked: the bulk shape links them (edx semantics)
        assert models.EnterpriseCustomerUser.objects.filter(user=other, enterprise_customer=customer).exists()

    def test_some_pending_is_202(self, customer, setup, django_capture_on_commit_callbacks):
        client, learner = setup
        with django_capture_on_commit_callbacks(execute=True):
            response = self.post(
                client,
                customer,
                [
                    {"email": "ann@example.com", "course_run_key": RUN},
                    {"email": "new@example.com", "course_run_key": RUN},
                ],
                notify=True,
            )
        assert response.status_code == 202
        assert [p["email"] for p in response.json()["pending"]] == ["new@example.com"]
        assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "new@example.com"]

    def test_any_failure_is_409_and_invalid_emails_create_nothing(self, customer, setup):
        client, learner = setup
        response = self.post(
            client,
            customer,
            [
                {"email": "not-an-email", "course_run_key": RUN},
                {"user_id": 987654, "course_run_key": RUN},
                {"email": "ann@example.com", "course_run_key": RUN},
            ],
        )
        assert response.status_code == 409
        body = response.json()
        assert body["invalid_email_addresses"] == ["not-an-email"]
        assert body["invalid_user_ids"] == [987654]
        assert not models.PendingEnterpriseCustomerUser.objects.exists()

    def test_subsidy_fields_are_stored(self, customer, setup):
        client, learner = setup
        license_uuid = "00000000-0000-4000-8000-0000000000aa"
        response = self.post(
            client, customer, [{"user_id": learner.pk, "course_run_key": RUN, "license_uuid": license_uuid}]
        )
        assert response.status_code == 201
        ece = models.EnterpriseCourseEnrollment.objects.get()
        assert (str(ece.license_uuid), ece.mode) == (license_uuid, "verified")

    def test_malformed_body_is_400(self, customer, setup):
        client, _ = setup
        response = client.post(url(customer, "enroll_learners_in_courses"), {"enrollments_info": "x"}, format="json")
        assert (response.status_code, response.json()["code"]) == (400, "validation_error")


@override_settings(
    ENTERPRISE_ENROLL_CATALOG_BACKEND="enterprise_enroll.catalog.EnterpriseCatalogServiceBackend",
    ENTERPRISE_ENROLL_CATALOG_SERVICE_URL=None,
)
def test_catalog_service_not_configured_is_503_with_retry_after_and_nothing_written(customer, setup):
    client, _ = setup
    factories.UserFactory(email="zed@example.com")
    body = [
        {"user_email": "zed@example.com", "course_run_id": RUN, "course_mode": "audit"},
        {"user_email": "new@example.com", "course_run_id": RUN, "course_mode": "audit"},
    ]
    response = client.post(url(customer), body, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "backend_unavailable"
    assert "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL" in response.json()["detail"] + response.json().get("hint", "")
    assert not models.EnterpriseCustomerUser.objects.filter(user__email="zed@example.com").exists()
    assert not models.PendingEnterpriseCustomerUser.objects.exists()
