"""Role and permission names, and the default system-to-feature role mapping."""

ALL_CONTEXTS = "*"

# System-wide roles (carried in the JWT `roles` claim as "<role>:<customer uuid>" or "<role>:*").
ENTERPRISE_LEARNER_ROLE = "enterprise_learner"
ENTERPRISE_ADMIN_ROLE = "enterprise_admin"
ENTERPRISE_OPERATOR_ROLE = "enterprise_openedx_operator"
SYSTEM_ROLES = (ENTERPRISE_LEARNER_ROLE, ENTERPRISE_ADMIN_ROLE, ENTERPRISE_OPERATOR_ROLE)

# Feature roles (what permissions are granted by).
ENROLLMENT_API_ADMIN_ROLE = "enrollment_api_admin"
CATALOG_ADMIN_ROLE = "catalog_admin"
DASHBOARD_ADMIN_ROLE = "dashboard_admin"
FEATURE_ROLES = (ENROLLMENT_API_ADMIN_ROLE, CATALOG_ADMIN_ROLE, DASHBOARD_ADMIN_ROLE)

SYSTEM_TO_FEATURE_ROLE_MAPPING = {
    ENTERPRISE_LEARNER_ROLE: [],
    ENTERPRISE_ADMIN_ROLE: list(FEATURE_ROLES),
    ENTERPRISE_OPERATOR_ROLE: list(FEATURE_ROLES),
}

# Permissions (rules), each granted by one feature role; can_manage_customers needs an operator for all contexts.
CAN_ENROLL_LEARNERS = "enterprise_enroll.can_enroll_learners"
CAN_VIEW_CATALOG = "enterprise_enroll.can_view_catalog"
CAN_ACCESS_ADMIN_DASHBOARD = "enterprise_enroll.can_access_admin_dashboard"
CAN_MANAGE_CUSTOMERS = "enterprise_enroll.can_manage_customers"

PERMISSION_FEATURE_ROLES = {
    CAN_ENROLL_LEARNERS: ENROLLMENT_API_ADMIN_ROLE,
    CAN_VIEW_CATALOG: CATALOG_ADMIN_ROLE,
    CAN_ACCESS_ADMIN_DASHBOARD: DASHBOARD_ADMIN_ROLE,
}
