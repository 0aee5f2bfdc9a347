"""Field checks of one item: identifiers, course run id, mode and cohort. Every problem is reported."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .. import app_settings
from ..validators import normalize_email, parse_course_run_id
from .items import IDENTIFIER_FIELDS
from .work import mark_invalid


def validate_item(work, customer):
    """Check one item's fields; every problem is reported in `errors`, the first one gives the `code`."""
    item = work.result.item
    if item.errors:
        return mark_invalid(work, "invalid_item", "The item has invalid fields; see `errors`.", item.errors)
    problems = Problems()
    if all(getattr(item, name) in (None, "") for name in IDENTIFIER_FIELDS):
        problems.add(
            "non_field_errors",
            "missing_learner_identifier",
            "One of lms_user_id, tpa_user_id or user_email is required.",
        )
    elif item.lms_user_id is None and item.tpa_user_id in (None, ""):
        work.email = normalize_email(item.user_email)
        try:
            validate_email(work.email)
        except ValidationError:
            problems.add("user_email", "invalid_email", f"{item.user_email!r} is not a valid email address.")
    if not item.course_run_id:
        problems.add("course_run_id", "missing_course_run_id", "course_run_id is required.")
    else:
        try:
            work.course_id = parse_course_run_id(item.course_run_id)
        except ValidationError as exc:
            problems.add("course_run_id", "invalid_course_run_id", exc.messages[0])
    if item.is_active:
        _validate_enroll_options(work, customer, problems)
    if problems:
        problems.report(work)


def _validate_enroll_options(work, customer, problems):
    item, modes = work.result.item, app_settings.get("COURSE_MODES")
    if not item.course_mode:
        problems.add(
            "course_mode",
            "missing_course_mode",
            f"course_mode is required when enrolling; one of {', '.join(modes)}.",
        )
    elif item.course_mode not in modes:
        problems.add(
            "course_mode",
            "invalid_course_mode",
            f"Course mode {item.course_mode!r} is not allowed; use one of {', '.join(modes)}.",
        )
    else:
        work.mode = item.course_mode
    if item.cohort and not customer.enable_autocohorting:
        problems.add(
            "cohort",
            "cohort_not_allowed",
            f"Enterprise customer {customer.slug} does not have auto-cohorting enabled, so a cohort cannot be given.",
        )


class Problems:
    """Field errors of one item, in the order found: {field: [(code, message)]}."""

    def __init__(self):
        self.by_field = {}

    def __bool__(self):
        return bool(self.by_field)

    def add(self, field_name, code, message):
        self.by_field.setdefault(field_name, []).append((code, message))

    def report(self, work):
        code, detail = next(iter(self.by_field.values()))[0]
        errors = {name: [message for _, message in found] for name, found in self.by_field.items()}
        mark_invalid(work, code, detail, errors)
