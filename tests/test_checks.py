"""Tests for the system checks: `manage.py check` reports misconfigured backends and limits at start-up."""

import pytest
from django.apps import apps
from django.core.checks import run_checks
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from enterprise_enroll.checks import check_settings
from tests.fake_openedx import install

SERVICE = "enterprise_enroll.catalog.EnterpriseCatalogServiceBackend"
OPENEDX = "enterprise_enroll.backends.OpenedxEnrollmentBackend"


def ids(messages):
    return sorted(message.id for message in messages)


class NotABackend:
    """Importable, but implements none of the backend methods."""


def test_default_settings_pass():
    assert check_settings() == []


def test_the_check_is_registered_with_django():
    assert check_settings in registry.get_checks()


@override_settings(ENTERPRISE_ENROLL_CATALOG_BACKEND="enterprise_enroll.catalog.Missing")
def test_unimportable_catalog_backend():
    [error] = check_settings()
    assert error.id == "enterprise_enroll.E001"
    assert "ENTERPRISE_ENROLL_CATALOG_BACKEND" in error.msg


@override_settings(ENTERPRISE_ENROLL_CATALOG_BACKEND="tests.test_checks.NotABackend")
def test_catalog_backend_without_the_interface():
    [error] = check_settings()
    assert error.id == "enterprise_enroll.E001"
    assert "contains, explain_missing" in error.msg


@override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND="nowhere.Backend")
def test_unimportable_enrollment_backend():
    [error] = check_settings()
    assert error.id == "enterprise_enroll.E002"
    assert "ENTERPRISE_ENROLL_ENROLLMENT_BACKEND" in error.msg


@override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND="tests.test_checks.NotABackend")
def test_enrollment_backend_without_the_interface():
    [error] = check_settings()
    assert error.id == "enterprise_enroll.E002"
    assert "read, enroll, unenroll" in error.msg


@override_settings(ENTERPRISE_ENROLL_CATALOG_BACKEND=SERVICE)
def test_catalog_service_without_url_and_token():
    messages = check_settings()

    assert ids(messages) == ["enterprise_enroll.E003", "enterprise_enroll.E004"]
    assert "ENTERPRISE_ENROLL_CATALOG_SERVICE_URL" in messages[0].msg
    assert "ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN" in messages[1].msg


@override_settings(
    ENTERPRISE_ENROLL_CATALOG_BACKEND=SERVICE,
    ENTERPRISE_ENROLL_CATALOG_SERVICE_URL="enterprise-catalog:18160",
    ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN="jwt",
)
def test_catalog_service_url_must_be_http():
    [error] = check_settings()
    assert error.id == "enterprise_enroll.E003"
    assert "not an http(s) URL" in error.msg


@override_settings(
    ENTERPRISE_ENROLL_CATALOG_BACKEND=SERVICE,
    ENTERPRISE_ENROLL_CATALOG_SERVICE_URL="https://catalog.example.com",
    ENTERPRISE_ENROLL_CATALOG_SERVICE_TOKEN="jwt",
)
def test_configured_catalog_service_passes():
    assert check_settings() == []


@override_settings(ENTERPRISE_ENROLL_CATALOG_SERVICE_URL=None)
def test_catalog_service_settings_ignored_when_another_backend_is_selected():
    assert check_settings() == []


@pytest.mark.parametrize(
    "name, value, check_id",
    [
        ("MAX_BATCH_SIZE", 0, "enterprise_enroll.E005"),
        ("MAX_BATCH_SIZE", "1000", "enterprise_enroll.E005"),
        ("MAX_BATCH_SIZE", True, "enterprise_enroll.E005"),
        ("MAX_BATCH_SIZE", 2.5, "enterprise_enroll.E005"),
        ("CATALOG_SERVICE_TIMEOUT", "5", "enterprise_enroll.E006"),
        ("CATALOG_SERVICE_TIMEOUT", -1, "enterprise_enroll.E006"),
        ("RETRY_AFTER_SECONDS", 0, "enterprise_enroll.E007"),
        ("TPA_USER_RESOLVER", "tests.test_checks.NOT_THERE", "enterprise_enroll.E008"),
    ],
)
def test_invalid_values(settings, name, value, check_id):
    setattr(settings, f"ENTERPRISE_ENROLL_{name}", value)

    [error] = check_settings()

    assert error.id == check_id
    assert f"ENTERPRISE_ENROLL_{name}" in error.msg


@pytest.mark.parametrize("name, value", [("MAX_BATCH_SIZE", 5), ("CATALOG_SERVICE_TIMEOUT", 0.5)])
def test_valid_values(settings, name, value):
    setattr(settings, f"ENTERPRISE_ENROLL_{name}", value)
    assert check_settings() == []


@override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND=OPENEDX)
def test_openedx_backend_outside_the_lms_warns():
    [warning] = check_settings()
    assert warning.id == "enterprise_enroll.W001"
    assert "LocalEnrollmentBackend" in warning.hint


@override_settings(ENTERPRISE_ENROLL_ENROLLMENT_BACKEND=OPENEDX)
def test_openedx_backend_inside_the_lms_passes(monkeypatch):
    install(monkeypatch)
    assert check_settings() == []


def test_checks_of_other_apps_only_skip_ours(settings):
    settings.ENTERPRISE_ENROLL_MAX_BATCH_SIZE = 0
    assert check_settings(app_configs=[apps.get_app_config("auth")]) == []
    assert ids(check_settings(app_configs=[apps.get_app_config("enterprise_enroll")])) == ["enterprise_enroll.E005"]


@override_settings(ENTERPRISE_ENROLL_CATALOG_BACKEND=SERVICE)
def test_manage_py_check_fails_on_a_misconfigured_backend(db):  # Django 6.1's `check` also runs database checks
    ours = [message for message in run_checks() if message.id.startswith("enterprise_enroll.")]
    assert ids(ours) == ["enterprise_enroll.E003", "enterprise_enroll.E004"]
    with pytest.raises(SystemCheckError, match="ENTERPRISE_ENROLL_CATALOG_SERVICE_URL"):
        call_command("check")
