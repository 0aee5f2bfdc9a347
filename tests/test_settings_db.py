"""The database settings: test databases get a full Unicode charset on every backend."""

import pytest
from django.db import connection

from enterprise_enroll import models
from tests import factories

# One character each from the Basic Multilingual Plane and beyond it (4 bytes in UTF-8: utf8mb3 rejects it).
UNICODE_NAME = "Übung 学校 🚀 Ltd"


def _fetch_one(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


@pytest.mark.server_db
@pytest.mark.django_db
def test_server_test_database_is_created_with_a_full_unicode_charset():
    if connection.vendor == "mysql":
        charset, collation, connection_charset = _fetch_one(
            "SELECT @@character_set_database, @@collation_database, @@character_set_connection"
        )
        assert (charset, collation, connection_charset) == ("utf8mb4", "utf8mb4_unicode_ci", "utf8mb4")
    else:
        (encoding,) = _fetch_one(
            "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()"
        )
        assert encoding == "UTF8"


@pytest.mark.django_db
def test_four_byte_characters_round_trip():
    customer = factories.EnterpriseCustomerFactory(name=UNICODE_NAME)

    assert models.EnterpriseCustomer.objects.get(pk=customer.pk).name == UNICODE_NAME
    assert models.EnterpriseCustomer.objects.filter(name=UNICODE_NAME).count() == 1
