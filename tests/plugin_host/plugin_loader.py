"""A minimal edx-django-utils plugin loader: everything the host knows about plugins comes from entry points."""

from importlib import import_module
from importlib.metadata import entry_points

from django.urls import include, re_path

PROJECT = "lms.djangoapp"


def plugin_app_configs():
    """AppConfig classes of the installed `lms.djangoapp` entry points that declare `plugin_app`."""
    for entry_point in entry_points(group=PROJECT):
        config = entry_point.load()
        if getattr(config, "plugin_app", None) is not None:
            yield config


def installed_apps():
    """Dotted AppConfig paths to add to INSTALLED_APPS (edx-django-utils' get_plugin_apps)."""
    return [f"{config.__module__}.{config.__name__}" for config in plugin_app_configs()]


def add_plugin_settings(settings_module, settings_type):
    """Call each plugin's plugin_settings(settings_module) for `settings_type` (edx-django-utils' add_plugins)."""
    for config in plugin_app_configs():
        declared = config.plugin_app.get("settings_config", {}).get(PROJECT, {}).get(settings_type)
        if declared is None:
            continue
        module = import_module(f"{config.name}.{declared.get('relative_path', 'settings')}")
        module.plugin_settings(settings_module)


def url_patterns():
    """One include per plugin url_config (edx-django-utils' get_plugin_url_patterns)."""
    patterns = []
    for config in plugin_app_configs():
        declared = config.plugin_app.get("url_config", {}).get(PROJECT)
        if declared is None:
            continue
        module = f"{config.name}.{declared.get('relative_path', 'urls')}"
        namespace = declared.get("namespace", config.name)
        patterns.append(re_path(declared.get("regex", ""), include((module, config.name), namespace=namespace)))
    return patterns
