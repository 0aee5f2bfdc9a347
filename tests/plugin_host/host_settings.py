"""Settings of a throwaway LMS-like host that never names enterprise_enroll: the plugin loader brings it in."""

import sys
from pathlib import Path

import plugin_loader

HERE = Path(__file__).resolve().parent
SECRET_KEY = "throwaway-plugin-host-key-0123456789-0123456789-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "host_urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(HERE / "host.sqlite3")}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "simple_history",
    *plugin_loader.installed_apps(),
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "crum.CurrentRequestUserMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# What the LMS (and edx-enterprise, another app) already have before our plugin runs.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
SYSTEM_TO_FEATURE_ROLE_MAPPING = {"enterprise_admin": ["enterprise_dashboard_admin"], "other_role": ["other_feature"]}
SYSTEM_WIDE_ROLE_CLASSES = []
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
JWT_AUTH = {"JWT_ISSUERS": [], "JWT_AUTH_COOKIE": "edx-jwt-cookie"}

# lms/envs/common.py ends like this (production.py does the same with "production").
plugin_loader.add_plugin_settings(sys.modules[__name__], "common")
plugin_loader.add_plugin_settings(sys.modules[__name__], "production")

# What the plugin selected, before this host overrides it (reported by the check script).
SELECTED_BY_PLUGIN = {
    "ENTERPRISE_ENROLL_ENROLLMENT_BACKEND": ENTERPRISE_ENROLL_ENROLLMENT_BACKEND,  # noqa: F821 (set by the plugin)
    "ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES": ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES,  # noqa: F821
}
# The Open edX enrollment backend imports LMS modules this host does not have: enroll locally instead.
ENTERPRISE_ENROLL_ENROLLMENT_BACKEND = "enterprise_enroll.backends.LocalEnrollmentBackend"
