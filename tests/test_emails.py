"""Enrollment and invitation emails (emails.py): content, one connection per batch, failures logged not raised."""

import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from enterprise_enroll.emails import Notification, build_message, send_enrollment_notifications
from tests import factories

RUN = "course-v1:edX+DemoX+Demo_Course"


class BrokenBackend(BaseEmailBackend):
    """Refuses every message, as an unreachable SMTP server would."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


class UnopenableBackend(BaseEmailBackend):
    def open(self):
        raise OSError("no route to host")


class FlakyBackend(LocmemBackend):
    """Fails for one recipient only; counts how many connections were opened."""

    opened = 0

    def open(self):
        FlakyBackend.opened += 1
        return super().open()

    def send_messages(self, messages):
        if any("bounce@" in address for message in messages for address in message.to):
            raise OSError("mailbox unavailable")
        return super().send_messages(messages)


@pytest.fixture
def acme(db):
    return factories.EnterpriseCustomerFactory(name="Acme & Co", slug="acme", contact_email="learning@acme.test")


def enrolled(user, run=RUN, mode="verified"):
    return Notification(email=user.email, course_run_id=run, course_mode=mode, pending=False, user=user)


def invited(email, run=RUN, mode="audit"):
    return Notification(email=email, course_run_id=run, course_mode=mode, pending=True)


def test_enrollment_email_has_recipient_subject_course_and_html(acme):
    user = factories.UserFactory(username="ann", first_name="Ann", last_name="Lee")

    assert send_enrollment_notifications(acme, [enrolled(user)]) == 1

    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == f"Acme & Co enrolled you in {RUN}"
    assert RUN in message.body and "verified" in message.body and "Hello Ann Lee," in message.body
    assert message.reply_to == ["learning@acme.test"]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f"<strong>{RUN}</strong>" in html and "Acme &amp; Co" in html


def test_pending_learner_gets_an_invitation(acme):
    assert send_enrollment_notifications(acme, [invited("new@example.com")]) == 1

    [message] = mail.outbox
    assert message.to == ["new@example.com"]
    assert message.subject == f"Acme & Co invites you to {RUN}"
    assert "You do not have an account yet" in message.body and "new@example.com" in message.body
    assert "You do not have an account yet" in message.alternatives[0][0]


def test_links_use_lms_root_url_when_set(acme, settings):
    settings.LMS_ROOT_URL = "https://lms.example.com/"
    user = factories.UserFactory()
    send_enrollment_notifications(acme, [enrolled(user), invited("new@example.com")])

    assert f"https://lms.example.com/courses/{RUN}/about" in mail.outbox[0].body
    assert "https://lms.example.com/register" in mail.outbox[1].body


def test_no_links_without_lms_root_url(acme):
    message = build_message(acme, invited("new@example.com"))
    assert "http" not in message.body


def test_one_email_per_notification_over_one_connection(acme, settings):
    settings.EMAIL_BACKEND = "tests.test_emails.FlakyBackend"
    FlakyBackend.opened = 0
    users = factories.UserFactory.create_batch(3)

    sent = send_enrollment_notifications(acme, [enrolled(u) for u in users] + [invited("x@example.com")])

    assert sent == 4
    assert [m.to for m in mail.outbox] == [[u.email] for u in users] + [["x@example.com"]]
    assert FlakyBackend.opened == 1


def test_nothing_to_send_opens_nothing(acme):
    assert send_enrollment_notifications(acme, []) == 0
    assert mail.outbox == []


def test_a_failing_backend_is_logged_not_raised(acme, settings, caplog):
    settings.EMAIL_BACKEND = "tests.test_emails.BrokenBackend"
    user = factories.UserFactory()

    with caplog.at_level(logging.ERROR, logger="enterprise_enroll.emails"):
        sent = send_enrollment_notifications(acme, [enrolled(user), invited("y@example.com")])

    assert sent == 0
    failures = [r for r in caplog.records if "was not sent" in r.getMessage()]
    assert len(failures) == 2
    assert user.email in failures[0].getMessage() and RUN in failures[0].getMessage()
    assert failures[0].exc_info[0] is ConnectionRefusedError


def test_one_failed_recipient_does_not_stop_the_batch(acme, settings, caplog):
    settings.EMAIL_BACKEND = "tests.test_emails.FlakyBackend"
    ok = factories.UserFactory()

    with caplog.at_level(logging.ERROR, logger="enterprise_enroll.emails"):
        sent = send_enrollment_notifications(acme, [invited("bounce@example.com"), enrolled(ok)])

    assert sent == 1
    assert [m.to for m in mail.outbox] == [[ok.email]]
    assert "bounce@example.com" in caplog.text


def test_a_connection_that_cannot_open_is_logged_not_raised(acme, settings, caplog):
    settings.EMAIL_BACKEND = "tests.test_emails.UnopenableBackend"
    with caplog.at_level(logging.ERROR, logger="enterprise_enroll.emails"):
        assert send_enrollment_notifications(acme, [invited("z@example.com")]) == 0
    assert "1 enrollment emails not sent" in caplog.text


def test_templates_are_overridable(acme, settings, tmp_path):
    override = tmp_path / "enterprise_enroll" / "emails"
    override.mkdir(parents=True)
    (override / "enrollment_subject.txt").write_text("Welcome aboard {{ course_run_id }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]

    send_enrollment_notifications(acme, [enrolled(factories.UserFactory())])

    assert mail.outbox[0].subject == f"Welcome aboard {RUN}"


# -- sent by the service layer after commit ----------------------------------------------------------------------


@pytest.fixture
def catalogued(acme):
    factories.EnterpriseCustomerCatalogFactory(enterprise_customer=acme, content_filter={})
    return acme


def enroll(customer, *items):
    from enterprise_enroll.enrollment import EnrollmentItem, enroll_learners

    return enroll_learners(customer, [EnrollmentItem(**item) for item in items])


def test_service_emails_enrolled_and_pending_after_commit(catalogued, django_capture_on_commit_callbacks):
    ann = factories.UserFactory(email="ann@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        results = enroll(
            catalogued,
            {"user_email": "ann@example.com", "course_run_id": RUN, "course_mode": "audit", "notify": True},
            {"user_email": "new@example.com", "course_run_id": RUN, "course_mode": "audit", "notify": True},
            {"user_email": "quiet@example.com", "course_run_id": RUN, "course_mode": "audit"},
        )
        assert mail.outbox == []  # nothing before the transaction commits
    for callback in callbacks:
        callback()

    assert [r.status for r in results] == ["enrolled", "pending", "pending"]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([ann.email], f"Acme & Co enrolled you in {RUN}"),
        (["new@example.com"], f"Acme & Co invites you to {RUN}"),
    ]


def test_service_never_emails_on_unenroll_or_no_op(catalogued, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ann@example.com")
    item = {"user_email": "ann@example.com", "course_run_id": RUN, "course_mode": "audit", "notify": True}
    enroll(catalogued, item)
    with django_capture_on_commit_callbacks(execute=True):
        again = enroll(catalogued, item)
        gone = enroll(catalogued, {**item, "is_active": False, "course_mode": None})
    assert [again[0].status, gone[0].status] == ["already_enrolled", "unenrolled"]
    assert mail.outbox == []


def test_a_mail_failure_never_undoes_the_enrollment(catalogued, settings, django_capture_on_commit_callbacks):
    from enterprise_enroll.models import EnterpriseCourseEnrollment

    settings.EMAIL_BACKEND = "tests.test_emails.BrokenBackend"
    factories.UserFactory(email="ann@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        [result] = enroll(
            catalogued, {"user_email": "ann@example.com", "course_run_id": RUN, "course_mode": "audit", "notify": True}
        )
    assert result.status == "enrolled"
    assert EnterpriseCourseEnrollment.objects.get().course_id == RUN


@pytest.mark.parametrize(
    "path, body",
    [
        (
            "course_enrollments/",
            [{"user_email": "new@example.com", "course_run_id": RUN, "course_mode": "audit", "email_students": True}],
        ),
        (
            "enroll_learners_in_courses/",
            {"enrollments_info": [{"email": "new@example.com", "course_run_key": RUN}], "notify": True},
        ),
    ],
)
def test_api_flags_email_students_and_notify_send_invitations(
    catalogued, client_for, django_capture_on_commit_callbacks, path, body
):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(root).post(
            f"/enterprise/api/v1/enterprise-customer/{catalogued.pk}/{path}", body, format="json"
        )
    assert response.status_code in (200, 202), response.content
    assert [(m.to, m.subject) for m in mail.outbox] == [(["new@example.com"], f"Acme & Co invites you to {RUN}")]
