"""Admin of edx-rbac roles and of both kinds of role assignment (autocomplete user/customer, scope validation)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..forms import RoleAssignmentForm
from ..models import (
    EnterpriseFeatureRole,
    EnterpriseFeatureUserRoleAssignment,
    SystemWideEnterpriseRole,
    SystemWideEnterpriseUserRoleAssignment,
)


class RoleAdmin(SimpleHistoryAdmin):
    list_display = ("name", "description", "created")
    search_fields = ("name",)


class RoleAssignmentAdmin(SimpleHistoryAdmin):
    """Exactly one of a customer or 'applies to all contexts' (the model's clean() shows as a form error)."""

    form = RoleAssignmentForm
    fields = ("user", "role", "enterprise_customer", "applies_to_all_contexts")
    list_display = ("user", "role", "enterprise_customer", "applies_to_all_contexts", "created")
    list_filter = ("role", "applies_to_all_contexts", "enterprise_customer")
    search_fields = ("user__username", "user__email", "enterprise_customer__name", "enterprise_customer__slug")
    list_select_related = ("user", "role", "enterprise_customer")
    autocomplete_fields = ("user", "enterprise_customer")


admin.site.register(SystemWideEnterpriseRole, RoleAdmin)
admin.site.register(EnterpriseFeatureRole, RoleAdmin)
admin.site.register(SystemWideEnterpriseUserRoleAssignment, RoleAssignmentAdmin)
admin.site.register(EnterpriseFeatureUserRoleAssignment, RoleAssignmentAdmin)
