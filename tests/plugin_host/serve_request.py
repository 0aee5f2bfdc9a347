"""Inside the fresh virtualenv: migrate the host, serve real requests to the plugin's API, print JSON facts."""

import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "host_settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402


def main():
    from edx_django_utils.plugins import get_plugin_apps, get_plugin_url_patterns

    import enterprise_enroll
    from enterprise_enroll import models

    call_command("migrate", verbosity=0)
    call_command("check", fail_level="ERROR")
    customer = models.EnterpriseCustomer.objects.create(name="Acme", slug="acme")
    models.EnterpriseCustomerCatalog.objects.create(enterprise_customer=customer, title="All", content_filter={})
    user_model = get_user_model()
    admin = user_model.objects.create_user("worker", "worker@example.com", "pw")
    models.SystemWideEnterpriseUserRoleAssignment.objects.create(
        user=admin,
        role=models.SystemWideEnterpriseRole.objects.get(name="enterprise_admin"),
        enterprise_customer=customer,
    )
    user_model.objects.create_user("ann", "ann@example.com", "pw")

    client = Client()
    client.force_login(admin)
    url = f"/enterprise-enroll/api/v1/enterprise-customer/{customer.pk}/course_enrollments/"
    body = [
        {"user_email": "ann@example.com", "course_run_id": "course-v1:edX+DemoX+Demo_Course", "course_mode": "audit"},
        {"user_email": "new@example.com", "course_run_id": "course-v1:edX+DemoX+Demo_Course", "course_mode": "audit"},
    ]
    enrolled = client.post(url, json.dumps(body), content_type="application/json")
    not_a_list = client.post(url, json.dumps({"user_email": "x"}), content_type="application/json")
    anonymous = Client().post(url, json.dumps(body), content_type="application/json")
    stranger = Client()
    stranger.force_login(user_model.objects.get(username="ann"))
    forbidden = stranger.post(url, json.dumps(body), content_type="application/json")
    standalone_path = Client().get(f"/enterprise/api/v1/enterprise-customer/{customer.pk}/")
    ece = models.EnterpriseCourseEnrollment.objects.select_related("enterprise_customer_user__user").get()
    facts = {
        "package_file": enterprise_enroll.__file__,
        "sys_path": sys.path,
        "installed_apps": settings.INSTALLED_APPS,
        "edx_django_utils_apps": get_plugin_apps("lms.djangoapp"),
        "edx_django_utils_regexes": [str(p.pattern) for p in get_plugin_url_patterns("lms.djangoapp")],
        "authentication_backends": settings.AUTHENTICATION_BACKENDS,
        "role_mapping": settings.SYSTEM_TO_FEATURE_ROLE_MAPPING,
        "role_classes": settings.SYSTEM_WIDE_ROLE_CLASSES,
        "selected_by_plugin": settings.SELECTED_BY_PLUGIN,
        "reverse": reverse("enterprise_enroll:access"),
        "enrolled": {"status": enrolled.status_code, "body": enrolled.json()},
        "not_a_list": {"status": not_a_list.status_code, "body": not_a_list.json()},
        "anonymous": {"status": anonymous.status_code, "body": anonymous.json()},
        "forbidden": {"status": forbidden.status_code, "body": forbidden.json()},
        "standalone_path_status": standalone_path.status_code,
        "ece": [ece.enterprise_customer_user.user.username, ece.course_id, ece.mode, ece.source],
        "pending": list(models.PendingEnrollment.objects.values_list("user__user_email", "course_id")),
    }
    print(json.dumps(facts))


if __name__ == "__main__":
    main()
