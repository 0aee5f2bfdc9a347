"""Serializers of the enrollment endpoints: course_enrollments items, the bulk shape, and enrollment rows."""

from rest_framework import serializers

from ....models import EnterpriseCourseEnrollment, PendingEnrollment


class CourseEnrollmentItemSerializer(serializers.Serializer):
    """
    One course_enrollments item, edx-compatible. Only types are checked here; the service reports every
    semantic problem (missing identifier, bad course run id, mode, cohort, catalog) per item.
    """

    lms_user_id = serializers.IntegerField(required=False, allow_null=True)
    tpa_user_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    user_email = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    course_run_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    course_mode = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    cohort = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    email_students = serializers.BooleanField(required=False, default=False)
    is_active = serializers.BooleanField(required=False, default=True)


class CourseEnrollmentResultSerializer(serializers.Serializer):
    """One element of the course_enrollments response (same order as the request)."""

    index = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=[
            "enrolled",
            "already_enrolled",
            "upgraded",
            "pending",
            "unenrolled",
            "already_unenrolled",
            "pending_removed",
            "not_found",
            "failed",
            "invalid",
        ]
    )
    code = serializers.CharField(help_text="Stable machine code, e.g. not_in_catalog, learner_not_linked.")
    detail = serializers.CharField(help_text='"success", or what went wrong.')
    lms_user_id = serializers.IntegerField(required=False)
    tpa_user_id = serializers.CharField(required=False)
    user_email = serializers.CharField(required=False)
    course_run_id = serializers.CharField(required=False)
    course_mode = serializers.CharField(required=False)
    cohort = serializers.CharField(required=False)
    is_active = serializers.BooleanField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class BulkEnrollmentInfoSerializer(serializers.Serializer):
    """One element of enroll_learners_in_courses' `enrollments_info` (edx shape)."""

    user_id = serializers.IntegerField(required=False, allow_null=True)
    email = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    course_run_key = serializers.CharField()
    course_mode = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    force_enrollment = serializers.BooleanField(required=False, default=False)
    license_uuid = serializers.UUIDField(required=False, allow_null=True)
    transaction_id = serializers.UUIDField(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("user_id") is None and not attrs.get("email"):
            raise serializers.ValidationError("Each enrollment needs user_id or email.", code="missing_identifier")
        return attrs


class BulkEnrollmentSerializer(serializers.Serializer):
    """Request body of enroll_learners_in_courses."""

    enrollments_info = BulkEnrollmentInfoSerializer(many=True, allow_empty=False)
    notify = serializers.BooleanField(required=False, default=False)


class BulkEnrollmentResponseSerializer(serializers.Serializer):
    """Response of enroll_learners_in_courses: 201 all enrolled, 202 some pending, 409 any failure."""

    successes = serializers.ListField(child=serializers.DictField())
    pending = serializers.ListField(child=serializers.DictField())
    failures = serializers.ListField(child=serializers.DictField())
    invalid_email_addresses = serializers.ListField(child=serializers.CharField())
    invalid_user_ids = serializers.ListField(child=serializers.IntegerField())


class EnterpriseCourseEnrollmentSerializer(serializers.ModelSerializer):
    """An enterprise course enrollment row."""

    enterprise_customer = serializers.UUIDField(source="enterprise_customer_user.enterprise_customer_id")
    enterprise_customer_user = serializers.IntegerField(source="enterprise_customer_user_id")
    lms_user_id = serializers.IntegerField(source="enterprise_customer_user.user_id")
    username = serializers.CharField(source="enterprise_customer_user.user.username")
    user_email = serializers.CharField(source="enterprise_customer_user.user.email")

    class Meta:
        model = EnterpriseCourseEnrollment
        fields = [
            "id",
            "enterprise_customer",
            "enterprise_customer_user",
            "lms_user_id",
            "username",
            "user_email",
            "course_id",
            "mode",
            "cohort_name",
            "source",
            "saved_for_later",
            "unenrolled",
            "unenrolled_at",
            "license_uuid",
            "transaction_id",
            "created",
            "modified",
        ]
        read_only_fields = fields


class PendingEnrollmentSerializer(serializers.ModelSerializer):
    """A pending enrollment (the learner has no account yet)."""

    enterprise_customer = serializers.UUIDField(source="user.enterprise_customer_id")
    user_email = serializers.CharField(source="user.user_email")

    class Meta:
        model = PendingEnrollment
        fields = [
            "id",
            "enterprise_customer",
            "user_email",
            "course_id",
            "course_mode",
            "cohort_name",
            "source",
            "license_uuid",
            "transaction_id",
            "created",
            "modified",
        ]
        read_only_fields = fields


def bulk_items(validated, item_class):
    """Translate a validated enroll_learners_in_courses body into service items (edx field names → ours)."""
    items = []
    for info in validated["enrollments_info"]:
        subsidised = info.get("license_uuid") or info.get("transaction_id")
        items.append(
            item_class(
                course_run_id=info["course_run_key"],
                lms_user_id=info.get("user_id"),
                user_email=None if info.get("user_id") is not None else info.get("email"),
                # edx picks a paid mode for subsidised enrollments; audit otherwise.
                course_mode=info.get("course_mode") or ("verified" if subsidised else "audit"),
                force_enrollment=info.get("force_enrollment", False),
                license_uuid=info.get("license_uuid"),
                transaction_id=info.get("transaction_id"),
                notify=validated.get("notify", False),
                link_learner=True,
            )
        )
    return items


def bulk_response(results):
    """(body, status) of enroll_learners_in_courses: 201 all enrolled, 202 some pending, 409 any failure."""
    body = {"successes": [], "pending": [], "failures": [], "invalid_email_addresses": [], "invalid_user_ids": []}
    for result in results:
        item = result.item
        entry = {
            "user_id": item.lms_user_id,
            "email": item.user_email,
            "course_run_key": item.course_run_id,
            "status": result.status,
            "code": result.code,
            "detail": result.detail,
        }
        if result.status in ("enrolled", "upgraded", "already_enrolled"):
            body["successes"].append({**entry, "created": result.status != "already_enrolled"})
        elif result.status == "pending":
            body["pending"].append(entry)
        else:
            body["failures"].append(entry)
            if result.code == "invalid_email":
                body["invalid_email_addresses"].append(item.user_email)
            elif result.code == "user_not_found":
                body["invalid_user_ids"].append(item.lms_user_id)
    status = 409 if body["failures"] else 202 if body["pending"] else 201
    return body, status
