"""Seed the system-wide and feature roles (names hard-coded on purpose: migrations must not change later)."""

from django.db import migrations

SYSTEM_ROLES = ["enterprise_learner", "enterprise_admin", "enterprise_openedx_operator"]
FEATURE_ROLES = ["enrollment_api_admin", "catalog_admin", "dashboard_admin"]


def seed_roles(apps, schema_editor):
    for model_name, names in (("SystemWideEnterpriseRole", SYSTEM_ROLES), ("EnterpriseFeatureRole", FEATURE_ROLES)):
        model = apps.get_model("enterprise_enroll", model_name)
        for name in names:
            model.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("enterprise_enroll", "0001_initial")]

    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]
