"""Manage learners: CSV/paste parsing, the service hand-off, the admin page end to end, and import_learners."""

import csv
import io
import re
from io import StringIO

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from enterprise_enroll import csv_import
from enterprise_enroll.csv_import import ImportRejected, LearnerRow, decode, parse_csv, parse_pasted
from enterprise_enroll.exceptions import BackendUnavailable
from enterprise_enroll.models import EnterpriseCourseEnrollment, PendingEnrollment, PendingEnterpriseCustomerUser
from tests import factories

RUN = "course-v1:edX+DemoX+Demo_Course"
RUN2 = "course-v1:edX+Other+2025"


def rejected(call):
    with pytest.raises(ImportRejected) as info:
        call()
    return info.value


# -- parsing (pure) ----------------------------------------------------------------------------------------------


def test_csv_rows_with_and_without_course_and_canonical_values():
    rows = parse_csv(
        f"email,course_run_id,course_mode\n Ann@Example.com ,{RUN},verified\n\nbob@example.com,,\n", max_rows=10
    )
    assert rows == [LearnerRow(2, "ann@example.com", RUN, "verified"), LearnerRow(4, "bob@example.com", None, None)]


def test_columns_in_any_order_and_short_rows():
    rows = parse_csv(f"Course_Mode,EMAIL,course_run_id\naudit,ann@example.com,{RUN}\n,bob@example.com\n")
    assert rows == [LearnerRow(2, "ann@example.com", RUN, "audit"), LearnerRow(3, "bob@example.com", None, None)]


def test_email_only_file():
    assert parse_csv("email\nann@example.com\n") == [LearnerRow(2, "ann@example.com")]


def test_semicolon_separated_header_from_spreadsheets():
    assert parse_csv(f"email;course_run_id;course_mode\nann@example.com;{RUN};audit\n")[0].course_run_id == RUN


def test_default_mode_fills_rows_without_one():
    assert parse_csv(f"email,course_run_id\nann@example.com,{RUN}\n", default_mode="audit")[0].course_mode == "audit"


def test_quoted_fields_spanning_lines_keep_real_line_numbers():
    error = rejected(lambda: parse_csv('email,course_mode\n"ann@example.com",audit\nnot-an-email,\n'))
    assert [str(p) for p in error.problems] == [
        "Line 2: course_mode 'audit' is given without a course run.",
        "Line 3: 'not-an-email' is not a valid email address.",
    ]


@pytest.mark.parametrize(
    "text, code, fragment",
    [
        ("", "no_rows", "The file is empty"),
        ("email\n\n", "no_rows", "There are no learners"),
        ("ann@example.com,course-v1:a+b+c\n", "missing_header", "Line 1: A header row"),
        ("mail,course\nann@example.com,x\n", "missing_header", "found 'mail', 'course'"),
        ("email,course,mode\n", "wrong_columns", "unknown column(s) 'course', 'mode'"),
        ("email,email\n", "wrong_columns", "repeated ['email']"),
        ("email\nann@example.com,extra\n", "wrong_columns", "Line 2: 2 values, but the header has 1 columns"),
        ("email\nbob@\n", "invalid_email", "Line 2: 'bob@' is not a valid email address."),
        ("email,course_run_id\n,x\n", "missing_email", "Line 2: The email is empty."),
        (
            "email,course_run_id,course_mode\na@example.com,not a key,audit\n",
            "invalid_course_run_id",
            "Line 2: 'not a key'",
        ),
        (f"email,course_run_id\na@example.com,{RUN}\n", "missing_course_mode", "Line 2: The course mode is empty"),
        (f"email,course_run_id,course_mode\na@example.com,{RUN},gold\n", "invalid_course_mode", "'gold' is not one of"),
        ('email\n"unterminated\n', "malformed_csv", "Line 2: The CSV cannot be read: unexpected end of data."),
        ('email\n"a"b"\n', "malformed_csv", "Line 2: The CSV cannot be read"),
    ],
)
def test_bad_files_are_rejected_with_line_numbers(text, code, fragment):
    error = rejected(lambda: parse_csv(text))
    assert error.problems[0].code == code
    assert fragment in str(error.problems[0])


def test_every_problem_is_listed_up_to_a_cap():
    text = "email\n" + "".join(f"bad{i}\n" for i in range(60))
    error = rejected(lambda: parse_csv(text))
    assert len(error.problems) == 60
    assert len(error.messages) == csv_import.MAX_LISTED_PROBLEMS + 1
    assert error.messages[-1] == "… and 10 more problems."


def test_row_limit(settings):
    settings.ENTERPRISE_ENROLL_CSV_MAX_ROWS = 2
    error = rejected(lambda: parse_csv("email\na@example.com\nb@example.com\nc@example.com\n"))
    assert error.problems[0].code == "too_many_rows"
    assert str(error.problems[0]).startswith("Line 4: More than 2 learners (ENTERPRISE_ENROLL_CSV_MAX_ROWS)")
    assert parse_csv("email\na@example.com\nb@example.com\n")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom(bom):
    text = decode(bom + "email\nAnn@Bücher.example\n".encode())
    assert parse_csv(text) == [LearnerRow(2, "ann@bücher.example")]


def test_latin1_is_rejected_with_its_line():
    error = rejected(lambda: decode("email\nann@example.com\nzoë@example.com\n".encode("latin-1")))
    assert (
        str(error.problems[0])
        == "Line 3: The file is not UTF-8 (byte 0xeb); save it as “CSV UTF-8” and upload it again."
    )


def test_utf16_is_rejected():
    assert "UTF-16" in str(rejected(lambda: decode("email\n".encode("utf-16"))).problems[0])


def test_pasted_emails_any_separator_with_course():
    rows = parse_pasted("ann@example.com, bob@example.com;\n\n  Cy@Example.com", course_run_id=RUN, course_mode="audit")
    assert rows == [
        LearnerRow(1, "ann@example.com", RUN, "audit"),
        LearnerRow(1, "bob@example.com", RUN, "audit"),
        LearnerRow(3, "cy@example.com", RUN, "audit"),
    ]


def test_pasted_errors_and_limit(settings):
    assert str(rejected(lambda: parse_pasted("ann@example.com\nnope")).problems[0]) == (
        "Line 2: 'nope' is not a valid email address."
    )
    settings.ENTERPRISE_ENROLL_CSV_MAX_ROWS = 1
    assert rejected(lambda: parse_pasted("a@example.com b@example.com")).problems[0].code == "too_many_rows"


# -- the service hand-off ----------------------------------------------------------------------------------------


def test_import_learners_links_enrolls_and_reports_in_row_order(acme, superuser):
    ann = factories.UserFactory(email="ann@example.com")
    rows = [
        LearnerRow(2, "new@example.com", RUN, "audit"),
        LearnerRow(3, "ann@example.com"),
        LearnerRow(4, "ann@example.com", RUN, "verified"),
        LearnerRow(5, "ann@example.com", "course-v1:MITx+X+1", "audit"),
    ]
    results = csv_import.import_learners(acme, rows, actor=superuser, source="csv_import")

    assert [(r.row.line, r.status, r.code) for r in results] == [
        (2, "pending", "pending_created"),
        (3, "linked", "linked"),
        (4, "enrolled", "enrolled"),
        (5, "invalid", "not_in_catalog"),
    ]
    ece = EnterpriseCourseEnrollment.objects.get()
    assert (ece.enterprise_customer_user.user, ece.course_id, ece.mode, ece.source) == (
        ann,
        RUN,
        "verified",
        "csv_import",
    )
    assert PendingEnrollment.objects.get().source == "csv_import"


def test_dry_run_writes_nothing(acme):
    factories.UserFactory(email="ann@example.com")
    rows = [LearnerRow(2, "ann@example.com", RUN, "audit"), LearnerRow(3, "new@example.com")]
    results = csv_import.import_learners(acme, rows, source="csv_import", dry_run=True)
    assert [r.status for r in results] == ["enrolled", "pending"]
    assert not EnterpriseCourseEnrollment.objects.exists()
    assert not PendingEnterpriseCustomerUser.objects.exists()
    assert not acme.enterprise_customer_users.exists()


def test_lists_longer_than_the_api_batch_are_chunked(acme, settings):
    settings.ENTERPRISE_ENROLL_MAX_BATCH_SIZE = 2
    rows = [LearnerRow(i, f"l{i}@example.com", RUN, "audit") for i in range(2, 7)]
    results = csv_import.import_learners(acme, rows, source="csv_import")
    assert [r.status for r in results] == ["pending"] * 5
    assert PendingEnrollment.objects.count() == 5


def test_results_csv():
    row = LearnerRow(2, "ann@example.com", RUN, "audit")
    text = csv_import.results_csv([csv_import.RowResult(row, "enrolled", "enrolled", "success")])
    header = "line,email,course_run_id,course_mode,status,code,detail\n"
    assert text == f"{header}2,ann@example.com,{RUN},audit,enrolled,enrolled,success\n"


# -- the admin page ----------------------------------------------------------------------------------------------


def page_url(customer):
    return reverse("admin:enterprise_enroll_enterprisecustomer_manage_learners", args=[customer.pk])


def upload(content, name="learners.csv"):
    return SimpleUploadedFile(name, content if isinstance(content, bytes) else content.encode(), "text/csv")


def preview(client, customer, *, csv_text=None, emails="", **fields):
    data = {"step": "preview", "emails": emails, "course_mode": "audit", **fields}
    if csv_text is not None:
        data["csv_file"] = upload(csv_text)
    return client.post(page_url(customer), data)


def payload_of(response):
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def apply(client, customer, payload):
    return client.post(page_url(customer), {"step": "apply", "payload": payload})


def statuses(response):
    return [r.status for r in response.context["results"]]


CSV_TEXT = (
    f"email,course_run_id,course_mode\nann@example.com,{RUN},verified\nnew@example.com,{RUN},audit\nbob@example.com,,\n"
)


def test_page_is_linked_from_the_customer_change_page_and_list(admin_client, acme):
    change = admin_client.get(reverse("admin:enterprise_enroll_enterprisecustomer_change", args=[acme.pk]))
    assert page_url(acme) in change.content.decode()
    listing = admin_client.get(reverse("admin:enterprise_enroll_enterprisecustomer_changelist"))
    assert page_url(acme) in listing.content.decode()
    page = admin_client.get(page_url(acme))
    assert page.status_code == 200
    assert 'name="csv_file"' in page.content.decode() and 'name="emails"' in page.content.decode()


def test_upload_preview_apply_download(admin_client, acme, superuser, django_capture_on_commit_callbacks):
    ann = factories.UserFactory(email="ann@example.com")
    factories.UserFactory(email="bob@example.com")

    shown = preview(admin_client, acme, csv_text=CSV_TEXT, notify="on")
    assert shown.status_code == 200
    assert statuses(shown) == ["enrolled", "pending", "linked"]
    assert "nothing has been written yet" in shown.content.decode()
    assert not EnterpriseCourseEnrollment.objects.exists() and not acme.enterprise_customer_users.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = apply(admin_client, acme, payload_of(shown))
    assert done.status_code == 200
    assert statuses(done) == ["enrolled", "pending", "linked"]
    assert "3 of 3 rows applied." in done.content.decode()
    ece = EnterpriseCourseEnrollment.objects.get()
    assert (ece.enterprise_customer_user.user, ece.mode, ece.source) == (ann, "verified", "csv_import")
    assert ece.history.get().history_user == superuser
    assert PendingEnrollment.objects.get().user.user_email == "new@example.com"
    assert acme.enterprise_customer_users.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "new@example.com"]

    token = re.search(r'name="results" value="([^"]+)"', done.content.decode()).group(1)
    download = admin_client.post(
        reverse("admin:enterprise_enroll_enterprisecustomer_manage_learners_results", args=[acme.pk]),
        {"results": token},
    )
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="acme-learners-results.csv"'
    table = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert [(r["line"], r["email"], r["status"]) for r in table] == [
        ("2", "ann@example.com", "enrolled"),
        ("3", "new@example.com", "pending"),
        ("4", "bob@example.com", "linked"),
    ]

    again = apply(admin_client, acme, payload_of(shown))
    assert statuses(again) == ["already_enrolled", "pending", "already_linked"]
    assert [r.code for r in again.context["results"]][1] == "already_pending"


def test_pasted_emails_with_a_course(admin_client, acme):
    factories.UserFactory(email="ann@example.com")
    shown = preview(admin_client, acme, emails="ann@example.com\nnew@example.com", course_run_id=f" {RUN} ")
    assert statuses(shown) == ["enrolled", "pending"]
    apply(admin_client, acme, payload_of(shown))
    assert EnterpriseCourseEnrollment.objects.get().source == "customer_admin"
    assert PendingEnrollment.objects.get().source == "customer_admin"


def test_not_ok_rows_are_shown_and_skipped(admin_client, acme):
    factories.UserFactory(email="ann@example.com")
    text = f"email,course_run_id,course_mode\nann@example.com,course-v1:MITx+X+1,audit\nann@example.com,{RUN},audit\n"
    shown = preview(admin_client, acme, csv_text=text)
    assert statuses(shown) == ["invalid", "enrolled"]
    assert "not_in_catalog" in shown.content.decode()
    done = apply(admin_client, acme, payload_of(shown))
    assert "1 of 2 rows applied." in done.content.decode()
    assert EnterpriseCourseEnrollment.objects.get().course_id == RUN


def test_nothing_applicable_offers_no_apply(admin_client, acme):
    shown = preview(
        admin_client, acme, csv_text="email,course_run_id,course_mode\na@example.com,course-v1:X+Y+Z,audit\n"
    )
    assert statuses(shown) == ["invalid"]
    assert 'id="apply-form"' not in shown.content.decode()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"ann@example.com,course-v1:a+b+c\n", "Line 1: A header row email[,course_run_id][,course_mode] is required"),
        (b"email,course\nann@example.com,x\n", "Line 1: The header has unknown column(s) &#x27;course&#x27;"),
        ("email\nzoë@example.com\n".encode("latin-1"), "Line 2: The file is not UTF-8"),
        (b"email\nann@example.com\nbob@\n", "Line 3: &#x27;bob@&#x27; is not a valid email address."),
        (
            b"email,course_run_id,course_mode\na@example.com,edX/Demo,audit\n",
            "Line 2: &#x27;edX/Demo&#x27; is not a valid",
        ),
        (b"email,course_run_id,course_mode\na@example.com,nope,audit\n", "is not a valid Open edX course run id"),
        (b"email\na@example.com\nb@example.com\nc@example.com\n", "Line 4: More than 2 learners"),
    ],
)
def test_a_rejected_file_writes_nothing_and_says_why(admin_client, acme, settings, content, message):
    settings.ENTERPRISE_ENROLL_CSV_MAX_ROWS = 2
    response = admin_client.post(
        page_url(acme), {"step": "preview", "course_mode": "audit", "csv_file": upload(content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "results" not in response.context or not response.context["results"]
    assert not PendingEnterpriseCustomerUser.objects.exists() and not acme.enterprise_customer_users.exists()


def test_an_oversized_upload_is_refused_before_reading(admin_client, acme, settings):
    settings.ENTERPRISE_ENROLL_CSV_MAX_ROWS = 1
    response = preview(admin_client, acme, csv_text="email\n" + "a" * 2000 + "@example.com\n")
    assert response.status_code == 400
    assert "at most 1024 are accepted" in response.content.decode()


def test_paste_or_file_exactly_one(admin_client, acme):
    neither = preview(admin_client, acme)
    both = preview(admin_client, acme, csv_text="email\na@example.com\n", emails="b@example.com")
    for response in (neither, both):
        assert response.status_code == 400
        assert "Paste emails or upload a CSV file (one of the two)." in response.content.decode()


def test_bad_course_field_for_pasted_emails(admin_client, acme):
    response = preview(admin_client, acme, emails="a@example.com", course_run_id="nope")
    assert response.status_code == 400
    assert "is not a valid Open edX course run id" in response.content.decode()


def test_apply_revalidates_and_trusts_no_client_data(admin_client, acme, other_customer, settings):
    shown = preview(admin_client, acme, csv_text="email\na@example.com\nb@example.com\n")
    payload = payload_of(shown)

    tampered = apply(admin_client, acme, payload[:-3] + "xyz")
    assert tampered.status_code == 400 and "altered" in tampered.content.decode()
    wrong_customer = apply(admin_client, other_customer, payload)
    assert wrong_customer.status_code == 400 and "another customer" in wrong_customer.content.decode()

    settings.ENTERPRISE_ENROLL_CSV_MAX_ROWS = 1  # the limit shrank between preview and apply
    revalidated = apply(admin_client, acme, payload)
    assert revalidated.status_code == 400 and "More than 1 learners" in revalidated.content.decode()
    assert not PendingEnterpriseCustomerUser.objects.exists()


def test_an_expired_preview_is_refused(admin_client, acme, monkeypatch):
    payload = payload_of(preview(admin_client, acme, emails="a@example.com"))
    monkeypatch.setattr("enterprise_enroll.forms.PREVIEW_MAX_AGE_SECONDS", -1)
    response = apply(admin_client, acme, payload)
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_forged_results_cannot_be_downloaded(admin_client, acme):
    url = reverse("admin:enterprise_enroll_enterprisecustomer_manage_learners_results", args=[acme.pk])
    forged = signing.dumps("line,email\n1,x@example.com\n", salt="something else")
    response = admin_client.post(url, {"results": forged}, follow=True)
    assert "cannot be downloaded" in response.content.decode()
    assert admin_client.get(url).status_code == 302


def test_a_backend_outage_writes_nothing(admin_client, acme, monkeypatch):
    def down(*args, **kwargs):
        raise BackendUnavailable(hint="Check ENTERPRISE_ENROLL_CATALOG_SERVICE_URL.")

    payload = payload_of(preview(admin_client, acme, emails="a@example.com\nb@example.com", course_run_id=RUN))
    monkeypatch.setattr("enterprise_enroll.catalog.LocalCatalogBackend.contains", down)
    response = apply(admin_client, acme, payload)
    assert response.status_code == 503
    assert "Check ENTERPRISE_ENROLL_CATALOG_SERVICE_URL." in response.content.decode()
    assert not PendingEnterpriseCustomerUser.objects.exists()


def test_inactive_customer_and_unknown_customer(admin_client, acme):
    acme.active = False
    acme.save()
    response = admin_client.get(page_url(acme), follow=True)
    assert "is inactive" in response.content.decode()
    missing = reverse(
        "admin:enterprise_enroll_enterprisecustomer_manage_learners", args=["00000000-0000-0000-0000-000000000000"]
    )
    assert admin_client.get(missing).status_code == 404


def test_staff_without_the_enrollment_role_is_refused(client, acme):
    from django.contrib.auth.models import Permission

    staff = factories.UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_enterprisecustomer"))
    client.force_login(staff)
    assert client.get(page_url(acme)).status_code == 403


def test_enterprise_admin_staff_may_manage_their_customer(client, acme, api_admin_of):
    from django.contrib.auth.models import Permission

    staff = api_admin_of(acme)
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="change_enterprisecustomer"))
    client.force_login(staff)
    assert client.get(page_url(acme)).status_code == 200


def test_anonymous_is_sent_to_login(client, acme):
    response = client.get(page_url(acme))
    assert response.status_code == 302 and "/login/" in response["Location"]


class Rollback(Exception):
    """Raised to undo everything a block wrote (the test's own transaction stays)."""


def test_api_and_admin_produce_identical_rows(acme, superuser, client_for, client):
    """The same input through POST course_enrollments and through Manage learners gives the same rows."""
    for email in ("ann@example.com", "bob@example.com"):
        factories.UserFactory(email=email)
    factories.EnterpriseCourseEnrollmentFactory(
        enterprise_customer_user=factories.EnterpriseCustomerUserFactory(
            enterprise_customer=acme, user=factories.UserFactory(email="cy@example.com")
        ),
        course_id=RUN,
        mode="audit",
        source="manual",
    )
    body = [
        {"user_email": "ann@example.com", "course_run_id": RUN, "course_mode": "verified"},
        {"user_email": "BOB@example.com", "course_run_id": RUN2, "course_mode": "audit"},
        {"user_email": "new@example.com", "course_run_id": RUN, "course_mode": "audit"},
        {"user_email": "new@example.com", "course_run_id": RUN2, "course_mode": "verified"},
        {"user_email": "cy@example.com", "course_run_id": RUN, "course_mode": "verified"},
        {"user_email": "cy@example.com", "course_run_id": "course-v1:MITx+Elsewhere+1", "course_mode": "audit"},
    ]
    expected = ["enrolled", "enrolled", "pending", "pending", "upgraded", "invalid"]
    url = f"/enterprise/api/v1/enterprise-customer/{acme.pk}/course_enrollments/"
    with pytest.raises(Rollback), transaction.atomic():
        api = client_for(superuser).post(url, body, format="json")
        assert api.status_code == 200, api.content
        assert [item["status"] for item in api.json()] == expected
        through_api = snapshot(acme)
        raise Rollback
    assert not PendingEnterpriseCustomerUser.objects.exists()

    client.force_login(superuser)
    text = "email,course_run_id,course_mode\n" + "".join(
        f"{i['user_email']},{i['course_run_id']},{i['course_mode']}\n" for i in body
    )
    done = apply(client, acme, payload_of(preview(client, acme, csv_text=text)))

    assert statuses(done) == expected
    assert snapshot(acme) == {**through_api, "sources": {"manual", "csv_import"}}
    assert through_api["sources"] == {"manual", "enterprise_api"}


def snapshot(customer):
    """Every enrollment-related row of a customer, without ids or timestamps; the sources written, apart."""
    eces = EnterpriseCourseEnrollment.objects.for_customer(customer)
    pending = PendingEnrollment.objects.filter(user__enterprise_customer=customer)
    return {
        "sources": set(eces.values_list("source", flat=True)) | set(pending.values_list("source", flat=True)),
        "links": sorted(customer.enterprise_customer_users.values_list("user__email", "active", "linked")),
        "eces": sorted(
            eces.values_list(
                "enterprise_customer_user__user__email",
                "course_id",
                "mode",
                "cohort_name",
                "unenrolled",
                "saved_for_later",
                "license_uuid",
                "transaction_id",
            )
        ),
        "pending": sorted(pending.values_list("user__user_email", "course_id", "course_mode", "cohort_name")),
        "learner_roles": sorted(
            customer.systemwideenterpriseuserroleassignment_set.values_list("user__email", "role__name")
        ),
    }


# -- the management command --------------------------------------------------------------------------------------


@pytest.fixture
def csv_path(tmp_path):
    def write(text, encoding="utf-8"):
        path = tmp_path / "learners.csv"
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command("import_learners", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_with_source_and_prints_results(acme, csv_path):
    factories.UserFactory(email="ann@example.com")
    factories.UserFactory(email="bob@example.com")
    out, err = run_command("acme", csv_path(CSV_TEXT))

    table = list(csv.DictReader(io.StringIO(out)))
    assert [(r["line"], r["email"], r["status"]) for r in table] == [
        ("2", "ann@example.com", "enrolled"),
        ("3", "new@example.com", "pending"),
        ("4", "bob@example.com", "linked"),
    ]
    assert "Summary: 1 enrolled, 1 pending, 1 linked." in err
    assert EnterpriseCourseEnrollment.objects.get().source == "management_command"
    assert PendingEnrollment.objects.get().source == "management_command"


def test_command_dry_run_writes_nothing(acme, csv_path):
    out, err = run_command(str(acme.pk), csv_path(CSV_TEXT), "--dry-run")
    assert "Dry run: nothing was written." in err
    assert "pending" in out
    assert not PendingEnterpriseCustomerUser.objects.exists()


def test_command_records_the_actor(acme, csv_path, superuser):
    run_command("acme", csv_path("email\nnew@example.com\n"), "--by", "root")
    assert PendingEnterpriseCustomerUser.objects.get().history.get().history_user == superuser


def test_command_default_mode_and_notify(acme, csv_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_command(
            "acme", csv_path(f"email,course_run_id\nnew@example.com,{RUN}\n"), "--default-mode", "verified", "--notify"
        )
    assert PendingEnrollment.objects.get().course_mode == "verified"
    assert mail.outbox[0].to == ["new@example.com"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["nope", "learners.csv"], "No active enterprise customer 'nope'"),
        (["acme", "/does/not/exist.csv"], "Cannot read /does/not/exist.csv"),
        (["acme", "learners.csv", "--by", "ghost"], "No user 'ghost'"),
    ],
)
def test_command_errors(acme, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run_command(*args)


def test_command_rejects_a_bad_file_with_line_numbers(acme, csv_path):
    with pytest.raises(CommandError) as info:
        run_command("acme", csv_path("email\nann@example.com\nbob@\n"))
    assert "Line 3: 'bob@' is not a valid email address." in str(info.value)
    assert "nothing was written" in str(info.value)
    assert not PendingEnterpriseCustomerUser.objects.exists()


def test_command_progress_bar_only_on_a_terminal(acme, csv_path):
    class Terminal(StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    path = csv_path("email\n" + "".join(f"l{i}@example.com\n" for i in range(3)))
    _, piped = run_command("acme", path, "--dry-run")
    call_command("import_learners", "acme", path, "--dry-run", "--chunk-size", "2", stdout=StringIO(), stderr=terminal)
    assert "\r" not in piped
    assert "2/3 rows" in terminal.getvalue() and "3/3 rows" in terminal.getvalue() and "\r" in terminal.getvalue()


def test_import_cost_does_not_grow_with_the_row_count(acme, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(prefix, count):
        existing = factories.UserFactory.create_batch(count, email=factory_email(prefix))
        enroll = [LearnerRow(i, u.email, RUN, "audit") for i, u in enumerate(existing, start=2)]
        link_only = [LearnerRow(i, f"{prefix}-new{i}@example.com") for i in range(count)]
        return enroll + link_only

    few_rows, many_rows = rows("few", 3), rows("many", 150)
    with CaptureQueriesContext(connection) as few:
        csv_import.import_learners(acme, few_rows, source="csv_import")
    with django_assert_max_num_queries(len(few.captured_queries)):
        results = csv_import.import_learners(acme, many_rows, source="csv_import")
    assert {r.status for r in results} == {"enrolled", "pending"}


def factory_email(prefix):
    import factory

    return factory.Sequence(lambda n: f"{prefix}{n}@example.com")
