"""The OpenAPI schema documents every endpoint with its bodies; the interactive docs page renders."""

import pytest
import yaml
from django.test import Client

CUSTOMER = "/enterprise/api/v1/enterprise-customer/{uuid}"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.mark.parametrize(
    "path, method",
    [
        ("/enterprise/api/v1/enterprise-customer/", "get"),
        ("/enterprise/api/v1/enterprise-customer/", "post"),
        (f"{CUSTOMER}/", "patch"),
        ("/enterprise/api/v1/enterprise-customer/basic_list/", "get"),
        (f"{CUSTOMER}/contains_content_items/", "get"),
        (f"{CUSTOMER}/course_enrollments/", "post"),
        (f"{CUSTOMER}/enroll_learners_in_courses/", "post"),
        (f"{CUSTOMER}/unlink_users/", "post"),
        ("/enterprise/api/v1/enterprise-learner/", "post"),
        ("/enterprise/api/v1/enterprise-course-enrollment/", "get"),
        ("/enterprise/api/v1/pending-enrollment/", "get"),
        ("/enterprise/api/v1/access/", "get"),
        ("/api/token/", "post"),
        ("/api/token/refresh/", "post"),
        ("/api/token/verify/", "post"),
    ],
)
def test_endpoint_is_documented(schema, path, method):
    operation = schema["paths"][path][method]
    assert operation["responses"]
    if method in ("post", "patch"):
        assert "requestBody" in operation


def test_course_enrollments_bodies_are_lists_of_items(schema):
    operation = schema["paths"][f"{CUSTOMER}/course_enrollments/"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request["type"] == "array"
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response["type"] == "array"
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"dry_run", "atomic"} <= parameters


def test_docs_page_renders(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    # Served from our own static files (drf-spectacular-sidecar), so the page works without internet access.
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content
    assert b"cdn.jsdelivr.net" not in response.content
