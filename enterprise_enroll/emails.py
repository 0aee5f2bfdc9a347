"""Enrollment and invitation emails: one message per enrolled learner, sent over one connection, never raising."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Templates under templates/enterprise_enroll/emails/; a host project overrides them by path.
TEMPLATE_DIR = "enterprise_enroll/emails"
ENROLLMENT = "enrollment"
INVITATION = "invitation"


@dataclass(frozen=True)
class Notification:
    """One learner to tell about one enrollment. `pending`: no account yet, so the message is an invitation."""

    email: str
    course_run_id: str
    course_mode: str
    pending: bool
    user: object = None


def send_enrollment_notifications(customer, notifications):
    """
    Send one email per notification through a single connection; return how many were sent.

    The service layer calls this after its transaction commits. A failure is logged and never raised: a mail
    problem must not undo (or report as failed) an enrollment that has already happened.
    """
    notifications = list(notifications)
    if not notifications:
        return 0
    try:
        connection = get_connection()
        connection.open()
    except Exception:
        logger.exception("Cannot open the email connection; %d enrollment emails not sent.", len(notifications))
        return 0
    try:
        return sum(_send_one(customer, notification, connection) for notification in notifications)
    finally:
        _close_quietly(connection)


def build_message(customer, notification, connection=None):
    """The EmailMultiAlternatives (plain text + HTML) for one notification."""
    kind = INVITATION if notification.pending else ENROLLMENT
    context = message_context(customer, notification)
    subject = " ".join(render_to_string(f"{TEMPLATE_DIR}/{kind}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{TEMPLATE_DIR}/{kind}_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
        reply_to=[customer.contact_email] if customer.contact_email else None,
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"{TEMPLATE_DIR}/{kind}_body.html", context), "text/html")
    return message


def message_context(customer, notification):
    """Template context. LMS_ROOT_URL (an Open edX setting) turns course ids into links when it is set."""
    root = (getattr(settings, "LMS_ROOT_URL", "") or "").rstrip("/")
    user = notification.user
    return {
        "enterprise_customer": customer,
        "email": notification.email,
        "user": user,
        "learner_name": (user.get_full_name() or user.get_username()) if user else "",
        "course_run_id": notification.course_run_id,
        "course_mode": notification.course_mode,
        "pending": notification.pending,
        "lms_root_url": root,
        "course_url": f"{root}/courses/{notification.course_run_id}/about" if root else "",
        "register_url": f"{root}/register" if root else "",
    }


def _send_one(customer, notification, connection):
    """Render and send one message; 1 if sent, 0 (logged) if rendering or sending failed."""
    try:
        return build_message(customer, notification, connection).send()
    except Exception:
        logger.exception(
            "Enrollment email to %s for %s (customer %s) was not sent.",
            notification.email,
            notification.course_run_id,
            customer.slug,
        )
        return 0


def _close_quietly(connection):
    try:
        connection.close()
    except Exception:
        logger.exception("Closing the email connection failed.")
