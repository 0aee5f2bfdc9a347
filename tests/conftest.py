"""Shared pytest fixtures."""

import pytest

from tests import factories


@pytest.fixture
def customer(db):
    return factories.EnterpriseCustomerFactory(name="Acme", slug="acme")


@pytest.fixture
def other_customer(db):
    return factories.EnterpriseCustomerFactory(name="Globex", slug="globex")


# server_db: tests that need real parallel transactions (PostgreSQL, MariaDB/MySQL). Mark them
# `@pytest.mark.server_db` (with `@pytest.mark.django_db(transaction=True, serialized_rollback=True)` when threads
# must see commits: the flush after a transactional test would otherwise drop the roles the migrations seeded);
# SQLite skips them, and .ci/run fails if they are skipped on a server database.
SERVER_DB_VENDORS = ("postgresql", "mysql")
SERVER_DB_OUTCOMES = ("passed", "failed", "error", "skipped")


def pytest_configure(config):
    config.addinivalue_line("markers", "server_db: needs PostgreSQL or MariaDB/MySQL; skipped on SQLite")


def pytest_runtest_setup(item):
    """Skip server_db tests on SQLite, whose single writer cannot run transactions side by side."""
    if item.get_closest_marker("server_db"):
        from django.db import connection

        if connection.vendor not in SERVER_DB_VENDORS:
            pytest.skip(f"server_db: needs PostgreSQL or MariaDB, not {connection.vendor}")


def pytest_terminal_summary(terminalreporter):
    """Print how the server_db tests fared, so .ci/run can prove they ran on the server databases."""
    # Collection errors land in "error" too, as reports without keywords.
    stats = terminalreporter.stats
    counts = {
        outcome: sum("server_db" in getattr(report, "keywords", ()) for report in stats.get(outcome, []))
        for outcome in SERVER_DB_OUTCOMES
    }
    if any(counts.values()):
        terminalreporter.write_line("server_db tests: " + " ".join(f"{k}={v}" for k, v in counts.items()))


@pytest.fixture
def api_admin_of(db):
    """api_admin_of(customer) → a user holding enterprise_admin for that customer in the database."""

    def make(customer, username=None):
        user = factories.UserFactory(username=username or f"admin-{customer.slug}")
        factories.SystemRoleAssignmentFactory(
            user=user, role=factories.system_role("enterprise_admin"), enterprise_customer=customer
        )
        return user

    return make


@pytest.fixture
def client_for():
    """client_for(user) → an APIClient authenticated as `user` (session-style; no JWT)."""
    from rest_framework.test import APIClient

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def acme(db):
    """Customer "Acme" with a catalog of every edX course (the admin and Manage learners tests)."""
    customer = factories.EnterpriseCustomerFactory(name="Acme", slug="acme")
    factories.EnterpriseCustomerCatalogFactory(enterprise_customer=customer, content_filter={"orgs": ["edX"]})
    return customer


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    """Django test client logged in as `superuser` (overrides pytest-django's admin_client)."""
    client.force_login(superuser)
    return client
