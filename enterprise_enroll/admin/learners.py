"""Admin of learner links, pending learners and enterprise course enrollments; writes go through the service layer."""

from collections import Counter, defaultdict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from .. import app_settings
from ..enrollment import EnrollmentItem, enroll_learners
from ..exceptions import EnterpriseEnrollError
from ..forms import EnterpriseCourseEnrollmentAddForm, PendingLearnerForm
from ..learners import link_learners, unlink_learners
from ..models import (
    EnrollmentSource,
    EnterpriseCourseEnrollment,
    EnterpriseCustomerUser,
    PendingEnrollment,
    PendingEnterpriseCustomerUser,
)


class ServiceManagedAdmin(SimpleHistoryAdmin):
    """History is shown, but never reverted: a revert would skip the service layer (roles, enrollment backend)."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Hiding the Revert button is not enough: a POST would save the old version over the row.
        if request.method == "POST":
            raise PermissionDenied(_("Past versions of this row can be viewed, not restored."))
        return super().history_form_view(request, object_id, version_id, extra_context)


def _report(modeladmin, request, results):
    """One message summing up service results by status, plus one error message per refused row."""
    counts = Counter(result.status for result in results)
    summary = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in counts.items())
    modeladmin.message_user(request, summary or _("Nothing to do."), messages.SUCCESS)
    for result in results:
        if not getattr(result, "ok", result.status != "invalid"):
            modeladmin.message_user(request, f"{result.status}: {result.detail}", messages.ERROR)


@admin.register(EnterpriseCustomerUser)
class EnterpriseCustomerUserAdmin(ServiceManagedAdmin):
    """Learner links. Adding, unlinking and re-linking go through the service (the learner role follows)."""

    list_display = ("user", "user_email", "enterprise_customer", "active", "linked", "created")
    list_filter = ("linked", "active", "enterprise_customer")
    search_fields = ("user__email", "user__username", "enterprise_customer__name", "enterprise_customer__slug")
    list_select_related = ("user", "enterprise_customer")
    autocomplete_fields = ("user", "enterprise_customer")
    actions = ("unlink_selected", "relink_selected")

    def get_fields(self, request, obj=None):
        return ("enterprise_customer", "user") if obj is None else ("enterprise_customer", "user", "active", "linked")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("enterprise_customer", "user", "linked")

    @admin.display(description=gettext_lazy("Email"), ordering="user__email")
    def user_email(self, link):
        return link.user.email

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        link_learners(obj.enterprise_customer, users=[obj.user], actor=request.user)
        saved = EnterpriseCustomerUser.objects.get(enterprise_customer=obj.enterprise_customer, user=obj.user)
        obj.pk, obj.active, obj.linked, obj._state.adding = saved.pk, saved.active, saved.linked, False

    @admin.action(
        description=gettext_lazy("Unlink selected learners (soft; their learner role is removed)"),
        permissions=["change"],
    )
    def unlink_selected(self, request, queryset):
        results = []
        for customer, links in _by_customer(queryset):
            emails = [link.user.email for link in links if link.user.email]
            results += unlink_learners(customer, emails=emails, actor=request.user)
        _report(self, request, results)

    @admin.action(description=gettext_lazy("Re-link selected learners"), permissions=["change"])
    def relink_selected(self, request, queryset):
        results = []
        for customer, links in _by_customer(queryset):
            results += link_learners(customer, users=[link.user for link in links], actor=request.user)
        _report(self, request, results)


def _by_customer(queryset):
    grouped = defaultdict(list)
    for link in queryset.select_related("user", "enterprise_customer"):
        grouped[link.enterprise_customer].append(link)
    return grouped.items()


class PendingEnrollmentInline(admin.TabularInline):
    model = PendingEnrollment
    extra = 0
    fields = ("course_id", "course_mode", "cohort_name", "source", "created")
    readonly_fields = ("source", "created")


@admin.register(PendingEnterpriseCustomerUser)
class PendingEnterpriseCustomerUserAdmin(SimpleHistoryAdmin):
    """Learners known only by email; realised automatically when an account with that email appears."""

    form = PendingLearnerForm
    list_display = ("user_email", "enterprise_customer", "created")
    list_filter = ("enterprise_customer",)
    search_fields = ("user_email", "enterprise_customer__name", "enterprise_customer__slug")
    list_select_related = ("enterprise_customer",)
    autocomplete_fields = ("enterprise_customer",)
    inlines = (PendingEnrollmentInline,)


@admin.register(PendingEnrollment)
class PendingEnrollmentAdmin(SimpleHistoryAdmin):
    list_display = ("user", "course_id", "course_mode", "cohort_name", "source", "created")
    list_filter = ("source", "user__enterprise_customer")
    search_fields = ("user__user_email", "course_id")
    list_select_related = ("user__enterprise_customer",)
    autocomplete_fields = ("user",)


@admin.register(EnterpriseCourseEnrollment)
class EnterpriseCourseEnrollmentAdmin(ServiceManagedAdmin):
    """
    Enterprise enrollments: never deleted. Adding, unenrolling and re-enrolling go through the service layer and
    the enrollment backend (so, inside the LMS, the platform enrollment changes too); state is read-only here.
    """

    add_form = EnterpriseCourseEnrollmentAddForm
    list_display = ("learner_email", "customer", "course_id", "mode", "source", "unenrolled", "created")
    list_filter = ("enterprise_customer_user__enterprise_customer", "course_id", "source", "unenrolled")
    search_fields = ("enterprise_customer_user__user__email", "enterprise_customer_user__user__username", "course_id")
    list_select_related = ("enterprise_customer_user__user", "enterprise_customer_user__enterprise_customer")
    autocomplete_fields = ("enterprise_customer_user",)
    actions = ("unenroll_selected", "reenroll_selected")
    change_state_fields = (
        "enterprise_customer_user",
        "course_id",
        "mode",
        "cohort_name",
        "source",
        "unenrolled",
        "unenrolled_at",
        "license_uuid",
        "transaction_id",
        "created",
        "modified",
    )

    @admin.display(description=gettext_lazy("Learner email"), ordering="enterprise_customer_user__user__email")
    def learner_email(self, ece):
        return ece.enterprise_customer_user.user.email

    @admin.display(
        description=gettext_lazy("Enterprise customer"), ordering="enterprise_customer_user__enterprise_customer__name"
    )
    def customer(self, ece):
        return ece.enterprise_customer_user.enterprise_customer.name

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("enterprise_customer_user", "course_id", "mode", "cohort_name")
        return (*self.change_state_fields, "saved_for_later")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_state_fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # The form's dry run already accepted the item; this is the same call for real.
        [result] = enroll_learners(
            obj.enterprise_customer_user.enterprise_customer,
            [form.enrollment_item()],
            actor=request.user,
            source=EnrollmentSource.MANUAL,
        )
        saved = EnterpriseCourseEnrollment.objects.filter(
            enterprise_customer_user=obj.enterprise_customer_user, course_id=form.cleaned_data["course_id"]
        ).first()
        if not result.ok or saved is None:
            # Per request (ModelAdmin instances are shared between threads); read by response_add.
            request.enterprise_enroll_failed_add = f"{result.status}: {result.detail}"
            return
        obj.pk, obj._state.adding = saved.pk, False

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            return super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        failure = getattr(request, "enterprise_enroll_failed_add", None)
        if failure:
            self.message_user(request, _("The enrollment was not made: %s") % failure, messages.ERROR)
            return self.response_post_save_add(request, obj)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(
        description=gettext_lazy("Unenroll selected (soft: rows are kept, marked unenrolled)"), permissions=["change"]
    )
    def unenroll_selected(self, request, queryset):
        self._run(request, queryset, is_active=False)

    @admin.action(description=gettext_lazy("Re-enroll selected in their mode"), permissions=["change"])
    def reenroll_selected(self, request, queryset):
        self._run(request, queryset, is_active=True)

    def _run(self, request, queryset, *, is_active):
        grouped = defaultdict(list)
        rows = queryset.select_related("enterprise_customer_user__enterprise_customer")
        for ece in rows:
            link = ece.enterprise_customer_user
            grouped[link.enterprise_customer].append(
                EnrollmentItem(
                    course_run_id=ece.course_id,
                    lms_user_id=link.user_id,
                    course_mode=ece.mode if is_active else None,
                    cohort=ece.cohort_name if is_active else None,
                    is_active=is_active,
                )
            )
        size, results = app_settings.get("MAX_BATCH_SIZE"), []
        try:
            for customer, items in grouped.items():
                for start in range(0, len(items), size):
                    results += enroll_learners(
                        customer, items[start : start + size], actor=request.user, source=EnrollmentSource.MANUAL
                    )
        except EnterpriseEnrollError as exc:
            self.message_user(request, f"{exc.detail} {exc.hint or ''}".strip(), messages.ERROR)
            return
        _report(self, request, results)
