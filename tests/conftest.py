"""Shared pytest fixtures."""

import pytest

from tests import factories


@pytest.fixture
def customer(db):
    return factories.EnterpriseCustomerFactory(name="Acme", slug="acme")


@pytest.fixture
def other_customer(db):
    return factories.EnterpriseCustomerFactory(name="Globex", slug="globex")
