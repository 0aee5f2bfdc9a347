"""Settings the app needs in a host project (the LMS plugin loader calls plugin_settings); merge, never clobber."""

from django.conf import settings as django_settings

from . import roles

ROLE_ASSIGNMENT_CLASS = "enterprise_enroll.SystemWideEnterpriseUserRoleAssignment"
RULES_BACKEND = "rules.permissions.ObjectPermissionBackend"
OPENEDX_ENROLLMENT_BACKEND = "enterprise_enroll.backends.OpenedxEnrollmentBackend"
# edx-drf-extensions' JWT authentication: accepts the JWTs the LMS issues (and honours their `roles` claim).
LMS_JWT_AUTHENTICATION = "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication"
PLUGIN_AUTHENTICATION_CLASSES = [
    LMS_JWT_AUTHENTICATION,
    "enterprise_enroll.auth.EnterpriseJWTAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]


def merge_role_mapping(existing):
    """Return `existing` SYSTEM_TO_FEATURE_ROLE_MAPPING with ours merged in: nothing of the host's is removed."""
    merged = {role: list(features) for role, features in (existing or {}).items()}
    for role, features in roles.SYSTEM_TO_FEATURE_ROLE_MAPPING.items():
        current = merged.setdefault(role, [])
        current.extend(feature for feature in features if feature not in current)
    return merged


def apply_role_defaults(settings=None):
    """Merge the role mapping and role-assignment class into `settings` (Django's settings by default)."""
    settings = settings or django_settings
    existing = getattr(settings, "SYSTEM_TO_FEATURE_ROLE_MAPPING", {})
    settings.SYSTEM_TO_FEATURE_ROLE_MAPPING = merge_role_mapping(existing)
    settings.SYSTEM_WIDE_ROLE_CLASSES = _with(getattr(settings, "SYSTEM_WIDE_ROLE_CLASSES", []), ROLE_ASSIGNMENT_CLASS)


def plugin_settings(settings):
    """
    Called by the Open edX plugin loader with the LMS settings module, for `common` and again for `production`.

    Idempotent, and it keeps what the host set: the production call runs after the operator's YAML was loaded,
    so an explicit ENTERPRISE_ENROLL_ENROLLMENT_BACKEND there wins.
    """
    apply_role_defaults(settings)
    settings.AUTHENTICATION_BACKENDS = _with(
        getattr(settings, "AUTHENTICATION_BACKENDS", []), RULES_BACKEND, first=True
    )
    if not getattr(settings, "ENTERPRISE_ENROLL_ENROLLMENT_BACKEND", None):
        settings.ENTERPRISE_ENROLL_ENROLLMENT_BACKEND = OPENEDX_ENROLLMENT_BACKEND
    classes = getattr(settings, "ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES", None) or PLUGIN_AUTHENTICATION_CLASSES
    settings.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES = [
        LMS_JWT_AUTHENTICATION,
        *(path for path in classes if path != LMS_JWT_AUTHENTICATION),
    ]


def _with(values, value, *, first=False):
    """A new list of `values` that contains `value` (prepended or appended when missing), order otherwise kept."""
    values = list(values or [])
    if value in values:
        return values
    return [value, *values] if first else [*values, value]
