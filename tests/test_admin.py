"""Django admin (SPEC §8): every page opens, searches and filters, service-backed writes, validation, history."""

import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.urls import reverse

from enterprise_enroll import roles
from enterprise_enroll.models import (
    EnterpriseCourseEnrollment,
    EnterpriseCustomer,
    EnterpriseCustomerUser,
    EnterpriseFeatureUserRoleAssignment,
    PendingEnterpriseCustomerUser,
    SystemWideEnterpriseUserRoleAssignment,
)
from tests import factories

RUN = "course-v1:edX+DemoX+Demo_Course"
APP_MODELS = [model._meta.model_name for model in apps.get_app_config("enterprise_enroll").get_models()]
REGISTERED = [name for name in APP_MODELS if not name.startswith("historical")]


def url(model_name, view, *args):
    return reverse(f"admin:enterprise_enroll_{model_name}_{view}", args=args)


@pytest.fixture
def enrollment(acme):
    link = factories.EnterpriseCustomerUserFactory(
        enterprise_customer=acme, user=factories.UserFactory(username="ann", email="ann@example.com")
    )
    return factories.EnterpriseCourseEnrollmentFactory(enterprise_customer_user=link, course_id=RUN)


def test_every_model_is_registered_with_history():
    from simple_history.admin import SimpleHistoryAdmin

    for model in apps.get_app_config("enterprise_enroll").get_models():
        if model._meta.model_name.startswith("historical"):
            continue
        assert isinstance(admin.site._registry.get(model), SimpleHistoryAdmin), model


@pytest.mark.parametrize("model_name", REGISTERED)
def test_changelist_and_add_pages_open(admin_client, enrollment, model_name):
    assert admin_client.get(url(model_name, "changelist")).status_code == 200
    assert admin_client.get(url(model_name, "add")).status_code == 200


@pytest.mark.parametrize("model_name", REGISTERED)
def test_change_and_history_pages_open(admin_client, enrollment, api_admin_of, model_name):
    api_admin_of(enrollment.enterprise_customer_user.enterprise_customer)
    factories.PendingEnrollmentFactory(
        user__enterprise_customer=enrollment.enterprise_customer_user.enterprise_customer
    )
    factories.FeatureRoleAssignmentFactory(
        role=factories.feature_role("catalog_admin"),
        enterprise_customer=enrollment.enterprise_customer_user.enterprise_customer,
    )
    obj = apps.get_model("enterprise_enroll", model_name).objects.first()
    assert admin_client.get(url(model_name, "change", obj.pk)).status_code == 200
    assert admin_client.get(url(model_name, "history", obj.pk)).status_code == 200


def test_user_admin_supports_autocomplete():
    from django.contrib.auth import get_user_model

    assert admin.site._registry[get_user_model()].search_fields


# -- customers and catalogs --------------------------------------------------------------------------------------


def test_customer_search_and_filters(admin_client, acme):
    factories.EnterpriseCustomerFactory(name="Globex", slug="globex", active=False, enable_autocohorting=True)
    listing = url("enterprisecustomer", "changelist")
    names = lambda response: [c.name for c in response.context["cl"].result_list]  # noqa: E731
    assert names(admin_client.get(listing, {"q": "glob"})) == ["Globex"]
    assert names(admin_client.get(listing, {"q": "acme"})) == ["Acme"]
    assert names(admin_client.get(listing, {"active__exact": "0"})) == ["Globex"]
    assert names(admin_client.get(listing, {"enable_autocohorting__exact": "1"})) == ["Globex"]


def customer_form(**overrides):
    data = {
        "name": "Initech",
        "slug": "initech",
        "active": "on",
        "contact_email": "",
        "catalogs-TOTAL_FORMS": "1",
        "catalogs-INITIAL_FORMS": "0",
        "catalogs-MIN_NUM_FORMS": "0",
        "catalogs-MAX_NUM_FORMS": "1000",
        "catalogs-0-title": "Everything",
        "catalogs-0-content_filter": "{}",
    }
    return {**data, **overrides}


def test_customer_with_catalog_inline_is_created_with_history(admin_client, superuser):
    response = admin_client.post(url("enterprisecustomer", "add"), customer_form())
    assert response.status_code == 302, response.context["errors"] if response.context else response
    customer = EnterpriseCustomer.objects.get(slug="initech")
    assert customer.catalogs.get().content_filter == {}
    assert customer.history.get().history_user == superuser
    assert customer.catalogs.get().history.get().history_user == superuser


def test_catalog_content_filter_is_validated_by_the_model(admin_client):
    response = admin_client.post(
        url("enterprisecustomer", "add"), customer_form(**{"catalogs-0-content_filter": '{"colour": ["red"]}'})
    )
    assert response.status_code == 200
    assert "Unknown key(s) [&#x27;colour&#x27;]" in response.content.decode()
    assert not EnterpriseCustomer.objects.exists()


def test_catalog_admin_validates_too(admin_client, acme):
    response = admin_client.post(
        url("enterprisecustomercatalog", "add"),
        {"enterprise_customer": acme.pk, "title": "Bad", "content_filter": '{"orgs": "edX"}'},
    )
    assert response.status_code == 200
    assert "must be a list of strings" in response.content.decode()
    assert acme.catalogs.count() == 1


# -- learner links -----------------------------------------------------------------------------------------------


def has_learner_role(user, customer):
    return SystemWideEnterpriseUserRoleAssignment.objects.filter(
        user=user, enterprise_customer=customer, role__name=roles.ENTERPRISE_LEARNER_ROLE
    ).exists()


def test_adding_a_link_goes_through_the_service(admin_client, acme, superuser):
    user = factories.UserFactory(email="bob@example.com")
    response = admin_client.post(
        url("enterprisecustomeruser", "add"), {"enterprise_customer": acme.pk, "user": user.pk}
    )
    assert response.status_code == 302
    link = EnterpriseCustomerUser.objects.get(user=user)
    assert link.linked and has_learner_role(user, acme)
    assert link.history.get().history_user == superuser


def test_unlink_and_relink_actions(admin_client, enrollment):
    link = enrollment.enterprise_customer_user
    changelist = url("enterprisecustomeruser", "changelist")
    response = admin_client.post(changelist, {"action": "unlink_selected", "_selected_action": [link.pk]}, follow=True)
    link.refresh_from_db()
    assert not link.linked and not has_learner_role(link.user, link.enterprise_customer)
    assert "1 unlinked" in response.content.decode()

    admin_client.post(changelist, {"action": "relink_selected", "_selected_action": [link.pk]})
    link.refresh_from_db()
    assert link.linked and has_learner_role(link.user, link.enterprise_customer)


def test_link_search_by_email(admin_client, enrollment):
    factories.EnterpriseCustomerUserFactory(enterprise_customer=enrollment.enterprise_customer_user.enterprise_customer)
    response = admin_client.get(url("enterprisecustomeruser", "changelist"), {"q": "ann@example"})
    assert [link.user.username for link in response.context["cl"].result_list] == ["ann"]


def test_pending_learner_for_an_existing_account_is_refused(admin_client, acme):
    factories.UserFactory(email="ann@example.com")
    response = admin_client.post(
        url("pendingenterprisecustomeruser", "add"),
        {
            "enterprise_customer": acme.pk,
            "user_email": "ANN@example.com",
            "enrollments-TOTAL_FORMS": "0",
            "enrollments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "A user with this email already exists" in response.content.decode()
    assert not PendingEnterpriseCustomerUser.objects.exists()


def test_pending_learner_with_inline_enrollment(admin_client, acme):
    response = admin_client.post(
        url("pendingenterprisecustomeruser", "add"),
        {
            "enterprise_customer": acme.pk,
            "user_email": " New@Example.com ",
            "enrollments-TOTAL_FORMS": "1",
            "enrollments-INITIAL_FORMS": "0",
            "enrollments-0-course_id": RUN,
            "enrollments-0-course_mode": "audit",
        },
    )
    assert response.status_code == 302
    pending = PendingEnterpriseCustomerUser.objects.get()
    assert pending.user_email == "new@example.com"
    assert pending.enrollments.get().course_id == RUN


# -- enterprise course enrollments -------------------------------------------------------------------------------


def test_enrollments_are_never_hard_deleted(admin_client, enrollment):
    model_admin = admin.site._registry[EnterpriseCourseEnrollment]
    request = admin_client.get(url("enterprisecourseenrollment", "changelist")).wsgi_request
    assert "delete_selected" not in model_admin.get_actions(request)
    assert admin_client.get(url("enterprisecourseenrollment", "delete", enrollment.pk)).status_code == 403
    response = admin_client.post(
        url("enterprisecourseenrollment", "changelist"),
        {"action": "delete_selected", "_selected_action": [enrollment.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert EnterpriseCourseEnrollment.objects.filter(pk=enrollment.pk).exists()


def test_enrollment_filters_and_search(admin_client, enrollment, other_customer):
    other = factories.EnterpriseCourseEnrollmentFactory(
        enterprise_customer_user__enterprise_customer=other_customer,
        enterprise_customer_user__user__email="zed@example.com",
        course_id="course-v1:edX+Other+2025",
        source="csv_import",
        unenrolled=True,
    )
    listing = url("enterprisecourseenrollment", "changelist")

    def pks(**query):
        response = admin_client.get(listing, query)
        assert response.status_code == 200
        return [e.pk for e in response.context["cl"].result_list]

    assert pks(enterprise_customer_user__enterprise_customer__uuid__exact=other_customer.pk) == [other.pk]
    assert pks(course_id__exact=RUN) == [enrollment.pk]
    assert pks(source__exact="csv_import") == [other.pk]
    assert pks(unenrolled__exact="1") == [other.pk]
    assert pks(q="zed@") == [other.pk]
    assert pks(q="DemoX") == [enrollment.pk]


def test_enrollment_changelist_has_no_n_plus_one(admin_client, acme, django_assert_max_num_queries):
    listing = url("enterprisecourseenrollment", "changelist")
    factories.EnterpriseCourseEnrollmentFactory.create_batch(2, enterprise_customer_user__enterprise_customer=acme)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        admin_client.get(listing)
    factories.EnterpriseCourseEnrollmentFactory.create_batch(30, enterprise_customer_user__enterprise_customer=acme)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(listing)
    assert len(response.context["cl"].result_list) == 32


def test_link_changelist_has_no_n_plus_one(admin_client, acme, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    factories.EnterpriseCustomerUserFactory.create_batch(2, enterprise_customer=acme)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url("enterprisecustomeruser", "changelist"))
    factories.EnterpriseCustomerUserFactory.create_batch(30, enterprise_customer=acme)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url("enterprisecustomeruser", "changelist"))


def test_adding_an_enrollment_goes_through_the_service(admin_client, enrollment, superuser):
    link = enrollment.enterprise_customer_user
    data = {"enterprise_customer_user": link.pk, "course_id": "course-v1:edX+New+2026", "mode": "verified"}
    response = admin_client.post(url("enterprisecourseenrollment", "add"), data)
    assert response.status_code == 302
    ece = EnterpriseCourseEnrollment.objects.get(course_id="course-v1:edX+New+2026")
    assert (ece.mode, ece.source) == ("verified", "manual")
    assert ece.history.get().history_user == superuser


@pytest.mark.parametrize(
    "course_id, mode, field, message",
    [
        ("nope", "audit", "course_id", "is not a valid Open edX course run id"),
        ("course-v1:MITx+X+1", "audit", "course_id", "catalog"),
        (RUN, "audit", "__all__", "already exists"),
    ],
)
def test_adding_an_enrollment_shows_service_refusals_as_form_errors(
    admin_client, enrollment, course_id, mode, field, message
):
    data = {"enterprise_customer_user": enrollment.enterprise_customer_user.pk, "course_id": course_id, "mode": mode}
    response = admin_client.post(url("enterprisecourseenrollment", "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors.get(field, [])), errors
    assert EnterpriseCourseEnrollment.objects.count() == 1


def test_enrollment_state_is_read_only_but_saved_for_later_is_editable(admin_client, enrollment):
    response = admin_client.post(
        url("enterprisecourseenrollment", "change", enrollment.pk),
        {"saved_for_later": "on", "mode": "professional", "unenrolled": "on"},
    )
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.saved_for_later and enrollment.mode == "audit" and not enrollment.unenrolled


def test_unenroll_and_reenroll_actions(admin_client, enrollment):
    listing = url("enterprisecourseenrollment", "changelist")
    response = admin_client.post(
        listing, {"action": "unenroll_selected", "_selected_action": [enrollment.pk]}, follow=True
    )
    enrollment.refresh_from_db()
    assert enrollment.unenrolled and enrollment.unenrolled_at
    assert "1 unenrolled" in response.content.decode()

    admin_client.post(listing, {"action": "reenroll_selected", "_selected_action": [enrollment.pk]})
    enrollment.refresh_from_db()
    assert not enrollment.unenrolled and enrollment.mode == "audit"
    assert enrollment.history.count() == 3  # created, unenrolled, re-enrolled


@pytest.mark.parametrize("model_name", ["enterprisecourseenrollment", "enterprisecustomeruser"])
def test_history_of_service_managed_rows_can_be_viewed_not_reverted(admin_client, enrollment, model_name):
    obj = enrollment if model_name == "enterprisecourseenrollment" else enrollment.enterprise_customer_user
    historical = obj.history.get()
    version = reverse(f"admin:enterprise_enroll_{model_name}_simple_history", args=[obj.pk, historical.history_id])

    page = admin_client.get(version)
    assert page.status_code == 200 and 'value="Revert"' not in page.content.decode()
    assert admin_client.post(version, {"saved_for_later": "", "active": ""}).status_code == 403


def test_history_of_plain_rows_can_be_reverted(admin_client, acme):
    historical = acme.history.get()
    version = reverse(
        "admin:enterprise_enroll_enterprisecustomer_simple_history", args=[acme.pk, historical.history_id]
    )
    assert 'value="Revert"' in admin_client.get(version).content.decode()


# -- role assignments --------------------------------------------------------------------------------------------


ASSIGNMENTS = [
    ("systemwideenterpriseuserroleassignment", SystemWideEnterpriseUserRoleAssignment, "enterprise_admin", True),
    ("enterprisefeatureuserroleassignment", EnterpriseFeatureUserRoleAssignment, "catalog_admin", False),
]


def role_pk(system, name):
    return (factories.system_role if system else factories.feature_role)(name).pk


@pytest.mark.parametrize("model_name, model, role, system", ASSIGNMENTS)
def test_role_assignment_uses_autocomplete_for_user_and_customer(admin_client, model_name, model, role, system):
    form = admin_client.get(url(model_name, "add")).context["adminform"].form
    assert isinstance(form.fields["user"].widget.widget, AutocompleteSelect)
    assert isinstance(form.fields["enterprise_customer"].widget.widget, AutocompleteSelect)
    assert "all_contexts_key" not in form.fields


@pytest.mark.parametrize("model_name, model, role, system", ASSIGNMENTS)
def test_autocomplete_endpoints_answer(admin_client, acme, model_name, model, role, system):
    factories.UserFactory(username="annika", email="annika@example.com")
    for field, term, expected in (("user", "annika", "annika"), ("enterprise_customer", "acm", "Acme (acme)")):
        response = admin_client.get(
            reverse("admin:autocomplete"),
            {"app_label": "enterprise_enroll", "model_name": model_name, "field_name": field, "term": term},
        )
        assert response.status_code == 200
        assert [r["text"] for r in json.loads(response.content)["results"]] == [expected]


@pytest.mark.parametrize("model_name, model, role, system", ASSIGNMENTS)
@pytest.mark.parametrize(
    "scope, message",
    [
        ({}, "exactly one of the two"),
        ({"customer": True, "applies_to_all_contexts": "on"}, "exactly one of the two"),
    ],
)
def test_role_assignment_scope_is_validated_in_the_form(
    admin_client, acme, model_name, model, role, system, scope, message
):
    user = factories.UserFactory()
    data = {"user": user.pk, "role": role_pk(system, role)}
    if scope.get("customer"):
        data["enterprise_customer"] = acme.pk
    if "applies_to_all_contexts" in scope:
        data["applies_to_all_contexts"] = "on"
    response = admin_client.post(url(model_name, "add"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.non_field_errors())
    assert not model.objects.filter(user=user).exists()


@pytest.mark.parametrize("model_name, model, role, system", ASSIGNMENTS)
def test_duplicate_assignments_are_form_errors_not_500s(admin_client, acme, superuser, model_name, model, role, system):
    user = factories.UserFactory()
    for scope in ({"enterprise_customer": acme.pk}, {"applies_to_all_contexts": "on"}):
        data = {"user": user.pk, "role": role_pk(system, role), **scope}
        assert admin_client.post(url(model_name, "add"), data).status_code == 302
        again = admin_client.post(url(model_name, "add"), data)
        assert again.status_code == 200
        assert again.context["adminform"].form.errors
    assert model.objects.filter(user=user).count() == 2
    assignment = model.objects.get(user=user, applies_to_all_contexts=True)
    assert assignment.all_contexts_key is True
    assert assignment.history.get().history_user == superuser


def test_editing_an_assignment_keeps_its_own_scope_valid(admin_client, superuser):
    assignment = factories.SystemRoleAssignmentFactory(
        user=factories.UserFactory(),
        role=factories.system_role("enterprise_openedx_operator"),
        applies_to_all_contexts=True,
    )
    data = {"user": assignment.user.pk, "role": assignment.role.pk, "applies_to_all_contexts": "on"}
    response = admin_client.post(url("systemwideenterpriseuserroleassignment", "change", assignment.pk), data)
    assert response.status_code == 302
