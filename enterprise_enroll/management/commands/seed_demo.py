"""Seed (idempotently) the demo of `make run`, then print the credentials and a ready-to-paste curl."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from ... import roles
from ...auth import access_token_for
from ...learners import link_learners
from ...models import (
    EnterpriseCustomer,
    EnterpriseCustomerCatalog,
    SystemWideEnterpriseRole,
    SystemWideEnterpriseUserRoleAssignment,
)

DEMO_SLUG = "demo"
DEMO_RUN = "course-v1:edX+DemoX+Demo_Course"
LEARNERS = [("alice", "alice@example.com"), ("bob", "bob@example.com"), ("carol", "carol@example.com")]
PENDING_EMAIL = "dave@example.com"


class Command(BaseCommand):
    help = "Create the demo customer, catalog, admin, API user, learners and a pending learner (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000", help="Port the printed URLs use (default 8000).")
        parser.add_argument(
            "--password", help="Password for `admin` and `enterprise_worker` (default: a new random one each run)."
        )

    def handle(self, *args, port, password, **options):
        password = password or secrets.token_urlsafe(12)
        with transaction.atomic():
            customer = self.seed_customer()
            admin = self.seed_user("admin", "admin@example.com", password, is_staff=True, is_superuser=True)
            worker = self.seed_user("enterprise_worker", "enterprise_worker@example.com", password)
            self.grant(worker, roles.ENTERPRISE_ADMIN_ROLE, customer)
            users = [self.seed_user(username, email) for username, email in LEARNERS]
            link_learners(customer, users=users, actor=admin)
            link_learners(customer, emails=[PENDING_EMAIL], actor=admin)
        self.report(customer, password, access_token_for(worker), port)

    def seed_customer(self):
        customer, _ = EnterpriseCustomer.objects.update_or_create(
            slug=DEMO_SLUG, defaults={"name": "Demo Corp", "active": True, "contact_email": "learning@example.com"}
        )
        EnterpriseCustomerCatalog.objects.get_or_create(
            enterprise_customer=customer, title="All edX content", defaults={"content_filter": {"orgs": ["edX"]}}
        )
        return customer

    def seed_user(self, username, email, password=None, **flags):
        user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": email, **flags})
        if password:
            user.set_password(password)
            user.save()
        return user

    def grant(self, user, role_name, customer):
        SystemWideEnterpriseUserRoleAssignment.objects.get_or_create(
            user=user, role=SystemWideEnterpriseRole.objects.get(name=role_name), enterprise_customer=customer
        )

    def report(self, customer, password, token, port):
        base = f"http://127.0.0.1:{port}"
        enroll_url = f"{base}/enterprise/api/v1/enterprise-customer/{customer.uuid}/course_enrollments/"
        alice_id = get_user_model().objects.get(username="alice").pk
        body = f'[{{"lms_user_id": {alice_id}, "course_run_id": "{DEMO_RUN}", "course_mode": "audit"}}]'
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Demo ready: customer 'Demo Corp' (slug {DEMO_SLUG}, uuid {customer.uuid}).",
                    f"  Django admin : {base}/admin/   user admin / password {password}",
                    f"  API user     : enterprise_worker / password {password} (enterprise_admin of {DEMO_SLUG})",
                    f"  API docs     : {base}/api/docs/",
                    "  Learners     : alice, bob, carol (linked); dave@example.com (pending: no account yet)",
                    "",
                    "Enroll alice with a fresh token (valid for the access-token lifetime):",
                    "",
                    f"curl -s -X POST {enroll_url} \\",
                    f"  -H 'Authorization: JWT {token}' \\",
                    f"  -H 'Content-Type: application/json' -d '{body}'",
                    "",
                ]
            )
        )
