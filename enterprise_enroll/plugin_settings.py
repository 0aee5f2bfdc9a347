"""Settings the app needs in a host project (the LMS plugin loader calls plugin_settings)."""

from django.conf import settings as django_settings

from . import roles

ROLE_ASSIGNMENT_CLASS = "enterprise_enroll.SystemWideEnterpriseUserRoleAssignment"
RULES_BACKEND = "rules.permissions.ObjectPermissionBackend"


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
    classes = list(getattr(settings, "SYSTEM_WIDE_ROLE_CLASSES", []))
    if ROLE_ASSIGNMENT_CLASS not in classes:
        classes.append(ROLE_ASSIGNMENT_CLASS)
    settings.SYSTEM_WIDE_ROLE_CLASSES = classes


def plugin_settings(settings):
    """Called by the Open edX plugin loader with the LMS settings module (common and production)."""
    apply_role_defaults(settings)
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    if RULES_BACKEND not in backends:
        backends.insert(0, RULES_BACKEND)
    settings.AUTHENTICATION_BACKENDS = backends
    settings.ENTERPRISE_ENROLL_ENROLLMENT_BACKEND = "enterprise_enroll.backends.OpenedxEnrollmentBackend"
    settings.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES = [
        "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication",
        "enterprise_enroll.auth.EnterpriseJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
