"""Parallel identical course_enrollments requests on a server database: one ECE per pair, never a 500."""

import threading

import pytest
from django.db import connections

from enterprise_enroll import models
from enterprise_enroll.learners import link_learners
from tests import factories
from tests.api_helpers import api_client, grant

RUN = "course-v1:edX+DemoX+Demo_Course"
PARALLEL = 10


@pytest.mark.server_db
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded roles for later tests
def test_parallel_identical_requests_leave_one_enrollment_per_learner_and_course():
    customer = factories.EnterpriseCustomerFactory(slug="race")
    factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer)
    admin = factories.UserFactory(username="race-admin")
    grant(admin, "enterprise_admin", customer)
    linked = factories.UserFactory.create_batch(5)
    link_learners(customer, users=linked)
    unlinked = factories.UserFactory.create_batch(3)  # linked by the first request that gets there
    body = [{"lms_user_id": u.pk, "course_run_id": RUN, "course_mode": "audit"} for u in linked]
    body += [{"user_email": u.email, "course_run_id": RUN, "course_mode": "verified"} for u in unlinked]
    body += [{"user_email": f"nobody{i}@example.com", "course_run_id": RUN, "course_mode": "audit"} for i in range(3)]
    url = f"/enterprise/api/v1/enterprise-customer/{customer.uuid}/course_enrollments/"
    barrier = threading.Barrier(PARALLEL)
    responses = [None] * PARALLEL

    def post(slot):
        try:
            client = api_client(admin)
            barrier.wait()
            responses[slot] = client.post(url, body, format="json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert [r.status_code for r in responses] == [200] * PARALLEL, [r.content[:300] for r in responses if r]
    for response in responses:
        assert {item["status"] for item in response.json()} <= {"enrolled", "already_enrolled", "pending"}
    assert models.EnterpriseCourseEnrollment.objects.count() == len(linked) + len(unlinked)
    assert models.EnterpriseCustomerUser.objects.count() == len(linked) + len(unlinked)
    assert models.PendingEnterpriseCustomerUser.objects.count() == 3
    assert models.PendingEnrollment.objects.count() == 3
    enrolled_once = sum(item["status"] == "enrolled" for r in responses for item in r.json())
    assert enrolled_once == len(linked) + len(unlinked)
