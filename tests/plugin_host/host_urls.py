"""The host's URLs: its own admin, plus whatever the installed plugins declare."""

import plugin_loader
from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls), *plugin_loader.url_patterns()]
