"""AppConfig of enterprise_enroll, including its Open edX plugin declaration."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class EnterpriseEnrollConfig(AppConfig):
    """Standalone app and Open edX LMS plugin (SPEC §9)."""

    name = "enterprise_enroll"
    label = "enterprise_enroll"
    verbose_name = _("Enterprise enrollment")
    default_auto_field = "django.db.models.AutoField"

    # Read by edx-django-utils' plugin loader when installed into the LMS (lms.djangoapp entry point).
    plugin_app = {
        "url_config": {
            "lms.djangoapp": {
                "namespace": "enterprise_enroll",
                "regex": r"^enterprise-enroll/",
                "relative_path": "urls_plugin",
            },
        },
        "settings_config": {
            "lms.djangoapp": {
                "common": {"relative_path": "plugin_settings"},
                "production": {"relative_path": "plugin_settings"},
            },
        },
    }

    def ready(self):
        from . import checks, receivers, rules  # noqa: F401  (registers checks, signal receivers and rules)
        from .plugin_settings import apply_role_defaults

        apply_role_defaults()
        connection_created.connect(use_sqlite_variable_limit, dispatch_uid="enterprise_enroll.sqlite_variable_limit")


def use_sqlite_variable_limit(sender, connection, **kwargs):
    """
    Django assumes SQLite's historic limit of 999 variables per statement and splits bulk writes accordingly;
    SQLite 3.32+ allows 32766. Using the real limit keeps a 1,000-item request at a constant number of queries.
    Django 6.0 made this a property that asks SQLite itself.
    """
    if connection.vendor != "sqlite" or isinstance(type(connection.features).max_query_params, property):
        return  # Django 6.0+ already asks SQLite for its real limit
    import sqlite3

    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    connection.features.max_query_params = max(limit, connection.features.max_query_params)
