"""The Open edX plugin declaration and plugin_settings, against a fake LMS settings module (SPEC §9)."""

import subprocess
import sys
import textwrap
import types

import pytest
from edx_django_utils.plugins import PluginSettings, PluginURLs, get_plugin_apps, get_plugin_url_patterns

from enterprise_enroll import plugin_settings as plugin
from enterprise_enroll.apps import EnterpriseEnrollConfig

LMS = "lms.djangoapp"
JWT = "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication"


def lms_common_settings():
    """What lms/envs/common.py looks like to a plugin, with other apps' role mappings already merged in."""
    host = types.ModuleType("lms.envs.common")
    host.AUTHENTICATION_BACKENDS = (
        "openedx.core.djangoapps.oauth_dispatch.dot_overrides.backends.EdxRateLimitedAllowAllUsersModelBackend",
        "bridgekeeper.backends.RulePermissionBackend",
    )
    host.SYSTEM_TO_FEATURE_ROLE_MAPPING = {
        "enterprise_admin": ["enterprise_dashboard_admin", "catalog_admin"],
        "enterprise_openedx_operator": ["enterprise_openedx_operator"],
        "enterprise_catalog_admin": ["catalog_admin"],
    }
    host.SYSTEM_WIDE_ROLE_CLASSES = ["enterprise.SystemWideEnterpriseUserRoleAssignment"]
    return host


def production_from(common):
    """lms/envs/production.py does `from .common import *`: the very same objects, in a new module."""
    production = types.ModuleType("lms.envs.production")
    production.__dict__.update({k: v for k, v in vars(common).items() if k.isupper()})
    return production


def test_role_mapping_is_merged_without_replacing_other_apps_entries():
    host = lms_common_settings()
    plugin.plugin_settings(host)

    assert host.SYSTEM_TO_FEATURE_ROLE_MAPPING == {
        "enterprise_admin": ["enterprise_dashboard_admin", "catalog_admin", "enrollment_api_admin", "dashboard_admin"],
        "enterprise_openedx_operator": [
            "enterprise_openedx_operator",
            "enrollment_api_admin",
            "catalog_admin",
            "dashboard_admin",
        ],
        "enterprise_catalog_admin": ["catalog_admin"],
        "enterprise_learner": [],
    }


def test_role_assignment_class_is_appended_and_rules_backend_added_first():
    host = lms_common_settings()
    plugin.plugin_settings(host)

    assert host.SYSTEM_WIDE_ROLE_CLASSES == [
        "enterprise.SystemWideEnterpriseUserRoleAssignment",
        "enterprise_enroll.SystemWideEnterpriseUserRoleAssignment",
    ]
    assert host.AUTHENTICATION_BACKENDS == [
        "rules.permissions.ObjectPermissionBackend",
        *lms_common_settings().AUTHENTICATION_BACKENDS,
    ]


def test_openedx_enrollment_backend_and_lms_jwt_first():
    host = lms_common_settings()
    plugin.plugin_settings(host)

    assert host.ENTERPRISE_ENROLL_ENROLLMENT_BACKEND == "enterprise_enroll.backends.OpenedxEnrollmentBackend"
    assert host.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES == [
        JWT,
        "enterprise_enroll.auth.EnterpriseJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]


def test_common_then_production_is_idempotent_and_never_mutates_the_hosts_objects():
    common = lms_common_settings()
    mapping, classes = common.SYSTEM_TO_FEATURE_ROLE_MAPPING, common.SYSTEM_WIDE_ROLE_CLASSES
    plugin.plugin_settings(common)
    once = {k: v for k, v in vars(common).items() if k.isupper()}

    production = production_from(common)
    plugin.plugin_settings(production)

    assert {k: v for k, v in vars(production).items() if k.isupper()} == once
    assert mapping == lms_common_settings().SYSTEM_TO_FEATURE_ROLE_MAPPING
    assert classes == ["enterprise.SystemWideEnterpriseUserRoleAssignment"]


def test_operator_choices_made_in_production_yaml_are_kept():
    common = lms_common_settings()
    plugin.plugin_settings(common)
    production = production_from(common)
    production.ENTERPRISE_ENROLL_ENROLLMENT_BACKEND = "myplatform.backends.CustomEnrollmentBackend"
    production.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES = ["rest_framework.authentication.SessionAuthentication", JWT]

    plugin.plugin_settings(production)

    assert production.ENTERPRISE_ENROLL_ENROLLMENT_BACKEND == "myplatform.backends.CustomEnrollmentBackend"
    assert production.ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES == [
        JWT,
        "rest_framework.authentication.SessionAuthentication",
    ]


def test_an_empty_host_gets_everything():
    host = types.ModuleType("bare")
    plugin.plugin_settings(host)
    assert host.AUTHENTICATION_BACKENDS == ["rules.permissions.ObjectPermissionBackend"]
    assert host.SYSTEM_WIDE_ROLE_CLASSES == ["enterprise_enroll.SystemWideEnterpriseUserRoleAssignment"]
    assert host.SYSTEM_TO_FEATURE_ROLE_MAPPING["enterprise_admin"] == [
        "enrollment_api_admin",
        "catalog_admin",
        "dashboard_admin",
    ]


def test_plugin_app_declares_what_the_edx_django_utils_loader_reads():
    config = EnterpriseEnrollConfig.plugin_app
    urls = config[PluginURLs.CONFIG][LMS]
    assert urls[PluginURLs.REGEX] == r"^enterprise-enroll/"
    assert urls[PluginURLs.RELATIVE_PATH] == "urls_plugin"
    for settings_type in ("common", "production"):
        assert config[PluginSettings.CONFIG][LMS][settings_type][PluginSettings.RELATIVE_PATH] == "plugin_settings"


def test_the_entry_point_is_found_by_the_real_plugin_loader():
    assert "enterprise_enroll.apps.EnterpriseEnrollConfig" in get_plugin_apps(LMS)

    [pattern] = [p for p in get_plugin_url_patterns(LMS) if p.namespace == "enterprise_enroll"]
    assert str(pattern.pattern) == "^enterprise-enroll/"
    assert pattern.urlconf_module.__name__ == "enterprise_enroll.urls_plugin"
    [api] = pattern.url_patterns
    assert str(api.pattern) == "api/v1/"
    assert api.urlconf_module.__name__ == "enterprise_enroll.api.v1.urls"


@pytest.mark.parametrize("module", ["enterprise_enroll.apps", "enterprise_enroll.plugin_settings"])
def test_modules_the_lms_imports_while_building_settings_read_no_setting(module):
    # The LMS imports the AppConfig (INSTALLED_APPS) and plugin_settings before Django settings exist.
    script = textwrap.dedent(
        f"""
        import os, types
        os.environ.pop("DJANGO_SETTINGS_MODULE", None)
        import {module}
        from enterprise_enroll.plugin_settings import plugin_settings
        plugin_settings(types.ModuleType("host"))
        from django.conf import settings
        assert not settings.configured
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
