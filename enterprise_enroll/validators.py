"""Field validators shared by models, serializers and forms."""

from django.core.exceptions import ValidationError
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey


def parse_course_run_id(value):
    """Return the canonical string of an Open edX course run key, or raise ValidationError."""
    try:
        return str(CourseKey.from_string(str(value).strip()))
    except InvalidKeyError as exc:
        raise ValidationError(
            "%(value)r is not a valid Open edX course run id (expected e.g. course-v1:Org+Course+Run).",
            code="invalid_course_run_id",
            params={"value": value},
        ) from exc


def validate_course_run_id(value):
    """Model/form validator: the value must parse as an Open edX course key."""
    parse_course_run_id(value)


def normalize_email(value):
    """Emails are compared case-insensitively: store them stripped and lower-cased."""
    return (value or "").strip().lower()
