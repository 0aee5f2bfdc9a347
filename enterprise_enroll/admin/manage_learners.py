"""The "Manage learners" admin page of a customer: paste or upload → preview (dry run) → apply → results + CSV."""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import app_settings, roles
from ..csv_import import import_learners, summarize
from ..exceptions import EnterpriseEnrollError
from ..forms import ApplyLearnersForm, ManageLearnersForm, sign_results, unsign_results

PREVIEW, APPLY = "preview", "apply"


class ManageLearnersMixin:
    """Adds the Manage learners page (and its results download) to the EnterpriseCustomer admin."""

    manage_learners_template = "enterprise_enroll/admin/manage_learners.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/manage-learners/",
                wrap(self.manage_learners_view),
                name="{}_{}_manage_learners".format(*info),
            ),
            path(
                "<path:object_id>/manage-learners/results.csv",
                wrap(self.manage_learners_results_view),
                name="{}_{}_manage_learners_results".format(*info),
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def manage_learners_url(customer):
        return reverse("admin:enterprise_enroll_enterprisecustomer_manage_learners", args=[quote(customer.pk)])

    @admin.display(description=gettext_lazy("Learners"))
    def manage_learners_link(self, customer):
        """Changelist column."""
        return format_html('<a href="{}">{}</a>', self.manage_learners_url(customer), _("Manage learners"))

    def manage_learners_view(self, request, object_id):
        """GET: the form. POST step=preview: validate + dry run. POST step=apply: re-validate + write."""
        customer = self._customer_for_learners(request, object_id)
        if not customer.active:
            messages.error(
                request,
                _("%(customer)s is inactive; activate it before managing its learners.") % {"customer": customer.name},
            )
            return HttpResponseRedirect(
                reverse("admin:enterprise_enroll_enterprisecustomer_change", args=[quote(customer.pk)])
            )
        step = request.POST.get("step") if request.method == "POST" else None
        if step == APPLY:
            return self._apply(request, customer)
        if step == PREVIEW:
            return self._preview(request, customer)
        return self._render(request, customer, form=ManageLearnersForm(customer=customer))

    def manage_learners_results_view(self, request, object_id):
        """POST: the signed results of an apply, as a CSV download (the server's own results, never the client's)."""
        customer = self._customer_for_learners(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self.manage_learners_url(customer))
        text = unsign_results(customer, request.POST.get("results", ""))
        if text is None:
            messages.error(request, _("These results cannot be downloaded (altered or for another customer)."))
            return HttpResponseRedirect(self.manage_learners_url(customer))
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{customer.slug}-learners-results.csv"'
        return response

    def _customer_for_learners(self, request, object_id):
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404(_("No enterprise customer with this id."))
        # The same permission as the API's enrollment endpoints, on top of the admin's change permission.
        if not (
            self.has_change_permission(request, customer) and request.user.has_perm(roles.CAN_ENROLL_LEARNERS, customer)
        ):
            raise PermissionDenied(
                _("Managing learners needs %(perm)s for this customer (feature role %(role)s).")
                % {"perm": roles.CAN_ENROLL_LEARNERS, "role": roles.ENROLLMENT_API_ADMIN_ROLE}
            )
        return customer

    def _preview(self, request, customer):
        form = ManageLearnersForm(request.POST, request.FILES, customer=customer)
        if not form.is_valid():
            return self._render(request, customer, form=form, status=400)
        try:
            results = import_learners(
                customer,
                form.rows,
                actor=request.user,
                source=form.source,
                dry_run=True,
                notify=form.cleaned_data["notify"],
            )
        except EnterpriseEnrollError as exc:
            return self._refused(request, customer, form, exc)
        apply_form = ApplyLearnersForm(initial={"payload": form.payload()}, customer=customer)
        return self._render(
            request,
            customer,
            form=form,
            step=PREVIEW,
            results=results,
            apply_form=apply_form,
            notify=form.cleaned_data["notify"],
        )

    def _apply(self, request, customer):
        apply_form = ApplyLearnersForm(request.POST, customer=customer)
        form = ManageLearnersForm(customer=customer)
        if not apply_form.is_valid():
            for error in apply_form.errors.get("payload", []):
                messages.error(request, error)
            return self._render(request, customer, form=form, status=400)
        try:
            results = import_learners(
                customer, apply_form.rows, actor=request.user, source=apply_form.source, notify=apply_form.notify
            )
        except EnterpriseEnrollError as exc:
            return self._refused(request, customer, form, exc)
        written = sum(result.ok for result in results)
        messages.success(request, _("%(ok)d of %(all)d rows applied.") % {"ok": written, "all": len(results)})
        return self._render(
            request, customer, form=form, step=APPLY, results=results, results_token=sign_results(customer, results)
        )

    def _refused(self, request, customer, form, exc):
        """A domain error for the whole list (e.g. a backend is down): nothing was written."""
        messages.error(request, f"{exc.detail} {exc.hint or ''}".strip())
        return self._render(request, customer, form=form, status=exc.status_code)

    def _render(self, request, customer, *, form, status=200, **context):
        results = context.get("results")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": customer,
            "customer": customer,
            "title": _("Manage learners of %(name)s") % {"name": customer.name},
            "form": form,
            "summary": summarize(results) if results else [],
            "any_ok": any(result.ok for result in results or []),
            "max_rows": app_settings.get("CSV_MAX_ROWS"),
            **context,
        }
        return TemplateResponse(request, self.manage_learners_template, context, status=status)
