"""Admin forms: the "Manage learners" upload/paste, its signed preview → apply hand-off, and role-assignment scope."""

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import app_settings
from .csv_import import ImportRejected, decode, parse_csv, parse_pasted
from .models import EnrollmentSource, EnterpriseCourseEnrollment, PendingEnterpriseCustomerUser
from .validators import normalize_email, parse_course_run_id

# A preview stays valid this long; after that the admin uploads the file again.
PREVIEW_MAX_AGE_SECONDS = 3600
# An upload may average this many bytes per allowed row (an email + course run + mode is ~100).
UPLOAD_BYTES_PER_ROW = 1024
PASTE, CSV = "paste", "csv"
SOURCES = {PASTE: EnrollmentSource.CUSTOMER_ADMIN, CSV: EnrollmentSource.CSV_IMPORT}


def _salt(customer, purpose):
    # Per customer and purpose: a preview of customer A can never be applied to customer B.
    return f"enterprise_enroll.manage_learners.{purpose}:{customer.pk}"


def parse_input(kind, text, *, course_run_id=None, course_mode=None):
    """LearnerRows of pasted text or CSV text, validated; raises ImportRejected."""
    if kind == CSV:
        return parse_csv(text, default_mode=course_mode)
    return parse_pasted(text, course_run_id=course_run_id, course_mode=course_mode)


class ManageLearnersForm(forms.Form):
    """Step 1: paste emails or upload a CSV. Valid input yields `rows` and a signed `payload` for step 2."""

    emails = forms.CharField(
        label=_("Paste emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "placeholder": "ann@example.com\nbob@example.com"}),
        help_text=_("Separated by new lines, commas, semicolons or spaces."),
    )
    csv_file = forms.FileField(
        label=_("…or upload a CSV"),
        required=False,
        help_text=_(
            "UTF-8, header row required: email[,course_run_id][,course_mode]. Rows without a course run "
            "only link the learner."
        ),
    )
    course_run_id = forms.CharField(
        label=_("Course run"),
        required=False,
        help_text=_("Enroll the pasted emails in this run (e.g. course-v1:edX+DemoX+Demo_Course); empty = link only."),
    )
    course_mode = forms.ChoiceField(
        label=_("Course mode"),
        help_text=_("For the pasted emails, and for CSV rows that name a course run without a mode."),
    )
    notify = forms.BooleanField(label=_("Email each enrolled learner"), required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        modes = app_settings.get("COURSE_MODES")
        self.fields["course_mode"].choices = [(mode, mode) for mode in modes]
        self.fields["course_mode"].initial = "audit" if "audit" in modes else modes[0]
        self.rows, self.kind, self.text = [], None, ""

    def clean_course_run_id(self):
        value = self.cleaned_data["course_run_id"].strip()
        return parse_course_run_id(value) if value else ""

    def clean(self):
        data = super().clean()
        upload, pasted = data.get("csv_file"), (data.get("emails") or "").strip()
        if bool(upload) == bool(pasted):
            raise ValidationError(_("Paste emails or upload a CSV file (one of the two)."), code="one_input")
        if self.errors:
            return data
        field = "csv_file" if upload else "emails"
        self.kind = CSV if upload else PASTE
        if upload and upload.size > self.max_upload_bytes():
            self.add_error(field, self._too_big(upload.size))
            return data
        try:
            self.text = decode(upload.read()) if upload else pasted
            self.rows = parse_input(self.kind, self.text, **self._options())
        except ImportRejected as rejected:
            self.add_error(
                field, ValidationError([ValidationError(m, code="import_rejected") for m in rejected.messages])
            )
        return data

    @staticmethod
    def max_upload_bytes():
        """Generous for CSV_MAX_ROWS rows of email, course run and mode; refuses huge files before reading them."""
        return app_settings.get("CSV_MAX_ROWS") * UPLOAD_BYTES_PER_ROW

    def _too_big(self, size):
        return ValidationError(
            _("The file has %(size)d bytes; at most %(max)d are accepted (ENTERPRISE_ENROLL_CSV_MAX_ROWS rows)."),
            code="file_too_large",
            params={"size": size, "max": self.max_upload_bytes()},
        )

    def _options(self):
        return {
            "course_run_id": self.cleaned_data.get("course_run_id") or None,
            "course_mode": self.cleaned_data.get("course_mode"),
        }

    @property
    def source(self):
        return SOURCES[self.kind]

    def payload(self):
        """Signed, compressed input of the preview: step 2 re-parses and re-validates it, trusting no result."""
        data = {"kind": self.kind, "text": self.text, "notify": self.cleaned_data["notify"], **self._options()}
        return signing.dumps(data, salt=_salt(self.customer, "preview"), compress=True)


class ApplyLearnersForm(forms.Form):
    """Step 2: the signed payload of a preview. Valid when the signature holds and the input still validates."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.rows, self.kind, self.notify = [], None, False

    def clean_payload(self):
        try:
            data = signing.loads(
                self.cleaned_data["payload"], salt=_salt(self.customer, "preview"), max_age=PREVIEW_MAX_AGE_SECONDS
            )
        except signing.SignatureExpired as exc:
            raise ValidationError(_("The preview has expired; start again."), code="preview_expired") from exc
        except signing.BadSignature as exc:
            raise ValidationError(_("The preview was altered or is for another customer."), code="bad_preview") from exc
        try:
            # Settings (modes, row limit) may have changed since the preview: validate again.
            self.rows = parse_input(
                data["kind"], data["text"], course_run_id=data.get("course_run_id"), course_mode=data.get("course_mode")
            )
        except ImportRejected as rejected:
            raise ValidationError(rejected.messages, code="import_rejected") from rejected
        self.kind, self.notify = data["kind"], bool(data.get("notify"))
        return data

    @property
    def source(self):
        return SOURCES[self.kind]


def sign_results(customer, results):
    """The per-row results CSV text, signed so the download endpoint serves exactly what the server produced."""
    from .csv_import import results_csv

    return signing.dumps(results_csv(results), salt=_salt(customer, "results"), compress=True)


def unsign_results(customer, token):
    """The results CSV text of `sign_results`, or None if the token is not genuine."""
    try:
        return signing.loads(token, salt=_salt(customer, "results"))
    except signing.BadSignature:
        return None


class RoleAssignmentForm(forms.ModelForm):
    """
    Role assignments: the model's clean() (customer xor all contexts) shows as a form error, and so do duplicate
    all-contexts assignments, whose unique constraint is on the derived (non-form) column `all_contexts_key`.
    """

    def clean(self):
        data = super().clean()
        user, role = data.get("user"), data.get("role")
        if data.get("applies_to_all_contexts") and user and role:
            duplicate = self._meta.model.objects.filter(user=user, role=role, applies_to_all_contexts=True)
            if duplicate.exclude(pk=self.instance.pk).exists():
                raise ValidationError(
                    _("%(user)s already has %(role)s for all contexts."),
                    code="duplicate_assignment",
                    params={"user": user, "role": role},
                )
        return data


# Service-layer error fields → form fields of EnterpriseCourseEnrollmentAddForm.
_ITEM_FIELDS = {"course_run_id": "course_id", "course_mode": "mode", "cohort": "cohort_name"}


class EnterpriseCourseEnrollmentAddForm(forms.ModelForm):
    """Adds one enrollment in the admin; validated by a dry run of the same service call that then makes it."""

    mode = forms.ChoiceField(label=_("Mode"))

    class Meta:
        model = EnterpriseCourseEnrollment
        fields = ("enterprise_customer_user", "course_id", "mode", "cohort_name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(mode, mode) for mode in app_settings.get("COURSE_MODES")]

    def clean_course_id(self):
        return parse_course_run_id(self.cleaned_data["course_id"])

    def clean(self):
        from .enrollment import enroll_learners

        data = super().clean()
        if self.errors:
            return data
        link = data["enterprise_customer_user"]
        [result] = enroll_learners(
            link.enterprise_customer, [self.enrollment_item()], dry_run=True, source=EnrollmentSource.MANUAL
        )
        if not result.ok:
            for name, errors in (result.errors or {"non_field_errors": [result.detail]}).items():
                target = _ITEM_FIELDS.get(name)
                self.add_error(target if target in self.fields else None, errors)
        return data

    def enrollment_item(self):
        """The service-layer item this form describes (the learner is addressed by user id: it is linked)."""
        from .enrollment import EnrollmentItem

        data = self.cleaned_data
        return EnrollmentItem(
            course_run_id=data["course_id"],
            lms_user_id=data["enterprise_customer_user"].user_id,
            course_mode=data["mode"],
            cohort=data.get("cohort_name") or None,
        )


class PendingLearnerForm(forms.ModelForm):
    """A pending learner is only for an email without an account; an existing user is linked instead."""

    class Meta:
        model = PendingEnterpriseCustomerUser
        fields = ("enterprise_customer", "user_email")

    def clean_user_email(self):
        email = normalize_email(self.cleaned_data["user_email"])
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("A user with this email already exists; add them under Learner links instead."), code="user_exists"
            )
        return email
