"""Defaults for the ENTERPRISE_ENROLL_* settings, read at call time (never at import)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

DEFAULTS = {
    # Dotted path of the catalog-membership backend (SPEC §6).
    "CATALOG_BACKEND": "enterprise_enroll.catalog.LocalCatalogBackend",
    # Dotted path of the enrollment backend (SPEC §7).
    "ENROLLMENT_BACKEND": "enterprise_enroll.backends.LocalEnrollmentBackend",
    # Dotted path of a callable(customer, tpa_user_ids) -> {tpa_user_id: user}; None = tpa_user_id unsupported.
    "TPA_USER_RESOLVER": None,
    # Most items accepted in one bulk request.
    "MAX_BATCH_SIZE": 1000,
    # Course modes a caller may request.
    "COURSE_MODES": ["audit", "verified", "professional", "no-id-professional", "credit", "honor", "masters"],
    # Modes that count as free; moving from a paid mode to one of these is a downgrade.
    "FREE_COURSE_MODES": ["audit", "honor"],
    # Authentication classes of the API (dotted paths), read at request time.
    "AUTHENTICATION_CLASSES": [
        "enterprise_enroll.auth.EnterpriseJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Enterprise-catalog service (EnterpriseCatalogServiceBackend).
    "CATALOG_SERVICE_URL": None,
    "CATALOG_SERVICE_TOKEN": None,
    "CATALOG_SERVICE_TIMEOUT": 5.0,
    # Seconds a client should wait after a 503 from an unreachable backend.
    "RETRY_AFTER_SECONDS": 30,
    # Rows accepted by the admin "Manage learners" CSV import.
    "CSV_MAX_ROWS": 5000,
}


def get(name):
    """Return ENTERPRISE_ENROLL_<name> from Django settings, or its default."""
    return getattr(settings, f"ENTERPRISE_ENROLL_{name}", DEFAULTS[name])


def import_setting(name):
    """Import the object named by the dotted-path setting ENTERPRISE_ENROLL_<name>."""
    path = get(name)
    try:
        return import_string(path)
    except (ImportError, TypeError) as exc:
        raise ImproperlyConfigured(f"ENTERPRISE_ENROLL_{name}={path!r} cannot be imported: {exc}") from exc
