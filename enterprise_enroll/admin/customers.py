"""Admin of enterprise customers (with catalogs inline and the Manage learners page) and catalogs."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..models import EnterpriseCustomer, EnterpriseCustomerCatalog
from .manage_learners import ManageLearnersMixin


class EnterpriseCustomerCatalogInline(admin.StackedInline):
    """Catalogs of a customer; content_filter is checked by the model's clean() (shown as a field error)."""

    model = EnterpriseCustomerCatalog
    extra = 0
    fields = ("title", "content_filter")


@admin.register(EnterpriseCustomer)
class EnterpriseCustomerAdmin(ManageLearnersMixin, SimpleHistoryAdmin):
    change_form_template = "enterprise_enroll/admin/customer_change_form.html"
    list_display = (
        "name",
        "slug",
        "active",
        "enable_autocohorting",
        "contact_email",
        "created",
        "manage_learners_link",
    )
    list_filter = ("active", "enable_autocohorting")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("uuid", "created", "modified")
    fields = ("uuid", "name", "slug", "active", "enable_autocohorting", "contact_email", "created", "modified")
    inlines = (EnterpriseCustomerCatalogInline,)


@admin.register(EnterpriseCustomerCatalog)
class EnterpriseCustomerCatalogAdmin(SimpleHistoryAdmin):
    list_display = ("title", "enterprise_customer", "uuid", "created")
    list_filter = ("enterprise_customer",)
    search_fields = ("title", "enterprise_customer__name", "enterprise_customer__slug")
    list_select_related = ("enterprise_customer",)
    autocomplete_fields = ("enterprise_customer",)
    readonly_fields = ("uuid",)
