"""System checks: misconfigured backends are reported by `manage.py check` at start-up."""

from numbers import Real

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import app_settings
from .backends import OpenedxEnrollmentBackend, import_platform
from .catalog import EnterpriseCatalogServiceBackend
from .exceptions import BackendUnavailable
from .tpa import get_tpa_user_resolver

CATALOG_INTERFACE = ("contains", "explain_missing")
ENROLLMENT_INTERFACE = ("read", "enroll", "unenroll")
PLATFORM_MODULE = "openedx.core.djangoapps.enrollments.api"


def _setting(name):
    return f"ENTERPRISE_ENROLL_{name}"


def _import_backend(name, interface, check_id):
    """(backend class, None) or (None, Error) for the dotted-path setting ENTERPRISE_ENROLL_<name>."""
    try:
        backend = app_settings.import_setting(name)
    except ImproperlyConfigured as exc:
        return None, checks.Error(str(exc), hint=f"Set {_setting(name)} to an importable dotted path.", id=check_id)
    missing = [method for method in interface if not callable(getattr(backend, method, None))]
    if missing:
        return None, checks.Error(
            f"{_setting(name)}={app_settings.get(name)!r} does not implement {', '.join(missing)}.",
            hint=f"A backend implements {', '.join(interface)}; see docs/backends.md.",
            id=check_id,
        )
    return backend, None


def _check_catalog_backend():
    backend, error = _import_backend("CATALOG_BACKEND", CATALOG_INTERFACE, "enterprise_enroll.E001")
    if error:
        return [error]
    if not (isinstance(backend, type) and issubclass(backend, EnterpriseCatalogServiceBackend)):
        return []
    return _check_catalog_service()


def _check_catalog_service():
    errors = []
    url = app_settings.get("CATALOG_SERVICE_URL")
    if not url or not str(url).startswith(("http://", "https://")):
        errors.append(
            checks.Error(
                f"The enterprise-catalog service backend is selected but {_setting('CATALOG_SERVICE_URL')} "
                f"is {'not set' if not url else f'not an http(s) URL: {url!r}'}.",
                hint="Set it to the service's root URL (e.g. https://enterprise-catalog.example.com), or set "
                f"{_setting('CATALOG_BACKEND')} to enterprise_enroll.catalog.LocalCatalogBackend.",
                id="enterprise_enroll.E003",
            )
        )
    if not app_settings.get("CATALOG_SERVICE_TOKEN"):
        errors.append(
            checks.Error(
                f"The enterprise-catalog service backend is selected but {_setting('CATALOG_SERVICE_TOKEN')} "
                "is not set.",
                hint="Set it to a JWT of a service user allowed to read every customer's catalogs.",
                id="enterprise_enroll.E004",
            )
        )
    return errors


def _check_enrollment_backend():
    backend, error = _import_backend("ENROLLMENT_BACKEND", ENROLLMENT_INTERFACE, "enterprise_enroll.E002")
    if error:
        return [error]
    if isinstance(backend, type) and issubclass(backend, OpenedxEnrollmentBackend) and not _platform_present():
        return [
            checks.Warning(
                f"{_setting('ENROLLMENT_BACKEND')} selects the Open edX enrollment backend, but the platform modules "
                f"it calls (e.g. {PLATFORM_MODULE}) cannot be imported: every enrollment will be answered 503.",
                hint=f"Outside the LMS, set {_setting('ENROLLMENT_BACKEND')} to "
                "enterprise_enroll.backends.LocalEnrollmentBackend.",
                id="enterprise_enroll.W001",
            )
        ]
    return []


def _platform_present():
    """True when the modules the Open edX backend imports on use are importable (i.e. inside the LMS)."""
    try:
        import_platform()
    except BackendUnavailable:
        return False
    return True


def _is_positive(value, kind):
    return isinstance(value, kind) and not isinstance(value, bool) and value > 0


def _check_numbers():
    rules = [
        ("MAX_BATCH_SIZE", int, "a positive integer", "enterprise_enroll.E005"),
        ("CATALOG_SERVICE_TIMEOUT", Real, "a positive number of seconds", "enterprise_enroll.E006"),
        ("RETRY_AFTER_SECONDS", int, "a positive integer of seconds", "enterprise_enroll.E007"),
    ]
    return [
        checks.Error(
            f"{_setting(name)} must be {expected}, not {app_settings.get(name)!r}.",
            hint=f"Remove it to use the default ({app_settings.DEFAULTS[name]!r}).",
            id=check_id,
        )
        for name, kind, expected, check_id in rules
        if not _is_positive(app_settings.get(name), kind)
    ]


def _check_tpa_resolver():
    try:
        get_tpa_user_resolver()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="Set it to the dotted path of a callable(customer, tpa_user_ids), or to None.",
                id="enterprise_enroll.E008",
            )
        ]
    return []


@checks.register("enterprise_enroll")
def check_settings(app_configs=None, **kwargs):
    """Report unusable ENTERPRISE_ENROLL_* settings (backends, catalog service, limits) at start-up."""
    if app_configs is not None and not any(config.name == "enterprise_enroll" for config in app_configs):
        return []
    return [
        *_check_catalog_backend(),
        *_check_enrollment_backend(),
        *_check_numbers(),
        *_check_tpa_resolver(),
    ]
