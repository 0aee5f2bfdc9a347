"""Data model: enterprise customers, learner links, pending rows, enrollments, catalogs and roles."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from edx_rbac.models import UserRole, UserRoleAssignment
from model_utils.models import TimeStampedModel
from simple_history.models import HistoricalRecords

from . import roles
from .validators import normalize_email, validate_course_run_id


class CourseIdField(models.CharField):
    """
    An Open edX course run id column. Course keys are case-sensitive; MySQL/MariaDB's default collations are not,
    so there the column uses a binary collation (otherwise two runs differing in case would collide in the unique
    constraints). PostgreSQL and SQLite compare case-sensitively already.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        kwargs.setdefault("validators", [validate_course_run_id])
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "mysql" and not self.db_collation:
            params["collation"] = "utf8mb4_bin"
        return params


class EnterpriseCustomerQuerySet(models.QuerySet):
    """Chainable filters for customers."""

    def active(self):
        return self.filter(active=True)


class EnterpriseCustomer(TimeStampedModel):
    """A company whose learners are enrolled (the tenant every other row is scoped to)."""

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, unique=True)
    active = models.BooleanField(default=True)
    enable_autocohorting = models.BooleanField(default=False)
    contact_email = models.EmailField(blank=True, default="")

    history = HistoricalRecords()
    objects = EnterpriseCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.slug})"


class EnterpriseCustomerUserQuerySet(models.QuerySet):
    """Chainable filters for learner links."""

    def linked(self):
        return self.filter(linked=True)

    def for_customer(self, customer):
        return self.filter(enterprise_customer=customer)


class EnterpriseCustomerUser(TimeStampedModel):
    """The link between a user and an enterprise customer. Unlinking is soft: `linked=False`."""

    enterprise_customer = models.ForeignKey(
        EnterpriseCustomer, on_delete=models.CASCADE, related_name="enterprise_customer_users"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enterprise_links")
    active = models.BooleanField(default=True, help_text=_("The learner's currently selected enterprise."))
    linked = models.BooleanField(default=True, help_text=_("False once the learner has been unlinked."))

    history = HistoricalRecords()
    objects = EnterpriseCustomerUserQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise_customer", "user"], name="ee_ecu_unique_customer_user"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.enterprise_customer.slug}"


class PendingEnterpriseCustomerUser(TimeStampedModel):
    """A learner known only by email; realised into a link when a user with that email exists."""

    enterprise_customer = models.ForeignKey(EnterpriseCustomer, on_delete=models.CASCADE, related_name="pending_users")
    user_email = models.EmailField(max_length=254)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_email", "enterprise_customer"], name="ee_pecu_unique_email_customer"),
            models.CheckConstraint(condition=Q(user_email=Lower("user_email")), name="ee_pecu_email_normalised"),
        ]

    def save(self, *args, **kwargs):
        self.user_email = normalize_email(self.user_email)
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.user_email} @ {self.enterprise_customer.slug} (pending)"


class EnrollmentSource(models.TextChoices):
    """Where an enrollment came from."""

    ENTERPRISE_API = "enterprise_api", _("Enterprise API")
    CUSTOMER_ADMIN = "customer_admin", _("Customer admin")
    MANUAL = "manual", _("Manual (Django admin)")
    MANAGEMENT_COMMAND = "management_command", _("Management command")
    CSV_IMPORT = "csv_import", _("CSV import")
    PENDING_REALISED = "pending_realised", _("Pending enrollment realised")


class PendingEnrollment(TimeStampedModel):
    """An enrollment waiting for its pending learner to get an account."""

    user = models.ForeignKey(PendingEnterpriseCustomerUser, on_delete=models.CASCADE, related_name="enrollments")
    course_id = CourseIdField()
    course_mode = models.CharField(max_length=50)
    cohort_name = models.CharField(max_length=255, null=True, blank=True)
    source = models.CharField(max_length=32, choices=EnrollmentSource.choices, default=EnrollmentSource.ENTERPRISE_API)
    license_uuid = models.UUIDField(null=True, blank=True)
    transaction_id = models.UUIDField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course_id"], name="ee_pe_unique_user_course"),
        ]

    def __str__(self):
        return f"{self.user.user_email} → {self.course_id} (pending)"


class EnterpriseCourseEnrollmentQuerySet(models.QuerySet):
    """Chainable filters for enterprise course enrollments."""

    def for_customer(self, customer):
        return self.filter(enterprise_customer_user__enterprise_customer=customer)

    def enrolled(self):
        return self.filter(unenrolled=False)

    def delete(self):
        raise ValidationError(_("Enterprise course enrollments are never deleted; unenroll them instead."))


class EnterpriseCourseEnrollment(TimeStampedModel):
    """An enrollment made on behalf of an enterprise customer. Rows are never deleted."""

    enterprise_customer_user = models.ForeignKey(
        EnterpriseCustomerUser, on_delete=models.PROTECT, related_name="enterprise_enrollments"
    )
    course_id = CourseIdField()
    mode = models.CharField(max_length=50)
    cohort_name = models.CharField(max_length=255, null=True, blank=True)
    source = models.CharField(max_length=32, choices=EnrollmentSource.choices, default=EnrollmentSource.ENTERPRISE_API)
    saved_for_later = models.BooleanField(default=False)
    unenrolled = models.BooleanField(default=False)
    unenrolled_at = models.DateTimeField(null=True, blank=True)
    license_uuid = models.UUIDField(null=True, blank=True)
    transaction_id = models.UUIDField(null=True, blank=True)

    history = HistoricalRecords()
    objects = EnterpriseCourseEnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise_customer_user", "course_id"], name="ee_ece_unique_learner_course"
            ),
        ]

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Enterprise course enrollments are never deleted; unenroll them instead."))

    def mark_unenrolled(self, when=None):
        self.unenrolled = True
        self.unenrolled_at = when or timezone.now()

    def __str__(self):
        return f"{self.enterprise_customer_user} → {self.course_id}"


class EnterpriseCustomerCatalog(TimeStampedModel):
    """A slice of content a customer may enroll in, described by a content filter (SPEC §6)."""

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enterprise_customer = models.ForeignKey(EnterpriseCustomer, on_delete=models.CASCADE, related_name="catalogs")
    title = models.CharField(max_length=255)
    content_filter = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('Keys: "course_run_ids", "course_keys" (all runs of a course), "orgs". {} means all content.'),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def clean(self):
        from .catalog import validate_content_filter

        validate_content_filter(self.content_filter)

    def __str__(self):
        return f"{self.title} ({self.enterprise_customer.slug})"


class SystemWideEnterpriseRole(UserRole):
    """A system-wide role (carried in JWTs): enterprise_learner, enterprise_admin, enterprise_openedx_operator."""

    history = HistoricalRecords()


class EnterpriseFeatureRole(UserRole):
    """A feature role that grants permissions: enrollment_api_admin, catalog_admin, dashboard_admin."""

    history = HistoricalRecords()


class RoleAssignmentMixin(models.Model):
    """
    Scope of a role assignment: exactly one of a customer or all contexts.

    Uniqueness holds in every database without partial indexes: `all_contexts_key` is True for all-contexts
    rows and NULL otherwise, so (user, role, customer) and (user, role, all_contexts_key) are both unique
    (NULLs never collide), and a check constraint ties it to `applies_to_all_contexts`.
    """

    enterprise_customer = models.ForeignKey(EnterpriseCustomer, null=True, blank=True, on_delete=models.CASCADE)
    all_contexts_key = models.BooleanField(null=True, editable=False, default=None)

    class Meta:
        abstract = True

    def __str__(self):
        scope = self.enterprise_customer.slug if self.enterprise_customer_id else "all contexts"
        return f"{self.user} — {self.role.name} ({scope})"

    def save(self, *args, **kwargs):
        self.all_contexts_key = True if self.applies_to_all_contexts else None
        super().save(*args, **kwargs)

    @classmethod
    def scope_constraints(cls, prefix):
        return [
            models.CheckConstraint(
                condition=(
                    Q(enterprise_customer__isnull=False, applies_to_all_contexts=False, all_contexts_key__isnull=True)
                    | Q(enterprise_customer__isnull=True, applies_to_all_contexts=True, all_contexts_key=True)
                ),
                name=f"{prefix}_customer_xor_all_contexts",
            ),
            models.UniqueConstraint(fields=["user", "role", "enterprise_customer"], name=f"{prefix}_unique_customer"),
            models.UniqueConstraint(fields=["user", "role", "all_contexts_key"], name=f"{prefix}_unique_all"),
        ]

    def clean(self):
        super().clean()
        if bool(self.enterprise_customer_id) == bool(self.applies_to_all_contexts):
            raise ValidationError(
                _("Choose either an enterprise customer or 'applies to all contexts', exactly one of the two."),
                code="role_scope",
            )

    @classmethod
    def get_assignments(cls, user, role_names=None):
        """(role name, context) pairs for the user, in one query (edx-rbac's JWT claim builder calls this)."""
        if user.is_anonymous:
            return []
        qs = cls.objects.filter(user=user).select_related("role")
        if role_names:
            qs = qs.filter(role__name__in=role_names)
        return [(a.role.name, a.get_context()) for a in qs]

    def get_context(self):
        """The edx-rbac context: '*' for all contexts, else the customer's UUID string."""
        if self.applies_to_all_contexts:
            return roles.ALL_CONTEXTS
        return str(self.enterprise_customer_id)


class SystemWideEnterpriseUserRoleAssignment(RoleAssignmentMixin, UserRoleAssignment):  # noqa: DJ008 (mixin)
    """Assigns a system-wide role to a user for one customer or all contexts."""

    role_class = SystemWideEnterpriseRole
    # Declared here (edx-rbac would add it after class creation, too late for simple-history to audit it).
    role = models.ForeignKey(SystemWideEnterpriseRole, on_delete=models.CASCADE)
    history = HistoricalRecords()

    class Meta:
        constraints = RoleAssignmentMixin.scope_constraints("ee_swra")


class EnterpriseFeatureUserRoleAssignment(RoleAssignmentMixin, UserRoleAssignment):  # noqa: DJ008 (mixin)
    """Assigns a feature role directly to a user for one customer or all contexts."""

    role_class = EnterpriseFeatureRole
    role = models.ForeignKey(EnterpriseFeatureRole, on_delete=models.CASCADE)
    history = HistoricalRecords()

    class Meta:
        constraints = RoleAssignmentMixin.scope_constraints("ee_fra")
