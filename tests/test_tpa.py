"""Tests for the tpa_user_id resolver hook and its Open edX implementation (against a fake social_django)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from enterprise_enroll.exceptions import BackendUnavailable
from enterprise_enroll.tpa import get_tpa_user_resolver, openedx_tpa_user_resolver
from tests import factories
from tests.fake_openedx import install


def resolve_nobody(customer, tpa_user_ids):
    return {}


NOT_CALLABLE = 42


def test_no_resolver_by_default():
    assert get_tpa_user_resolver() is None


def test_resolver_from_the_setting(settings):
    settings.ENTERPRISE_ENROLL_TPA_USER_RESOLVER = "tests.test_tpa.resolve_nobody"
    assert get_tpa_user_resolver() is resolve_nobody


@pytest.mark.parametrize("path", ["tests.test_tpa.NOT_CALLABLE", "tests.test_tpa.missing"])
def test_broken_resolver_setting_is_named(settings, path):
    settings.ENTERPRISE_ENROLL_TPA_USER_RESOLVER = path
    with pytest.raises(ImproperlyConfigured, match="ENTERPRISE_ENROLL_TPA_USER_RESOLVER"):
        get_tpa_user_resolver()


def test_openedx_resolver_maps_saml_uids_of_the_customers_provider(customer, monkeypatch):
    platform = install(monkeypatch)
    ada, bob, eve = factories.UserFactory(), factories.UserFactory(), factories.UserFactory()
    platform.social_auth += [
        ("tpa-saml", "acme:1001", ada),
        ("tpa-saml", "acme:1002", bob),
        ("tpa-saml", "globex:1003", eve),  # same id space, another customer's provider
        ("google-oauth2", "acme:1003", eve),  # not a SAML login
    ]

    found = openedx_tpa_user_resolver(customer, ["1001", "1002", "1003", "9999"])

    assert found == {"1001": ada, "1002": bob}
    from social_django.models import UserSocialAuth

    assert UserSocialAuth.objects.queries == 1


def test_openedx_resolver_with_no_ids_makes_no_query(customer, monkeypatch):
    install(monkeypatch)
    from social_django.models import UserSocialAuth

    assert openedx_tpa_user_resolver(customer, []) == {}
    assert UserSocialAuth.objects.queries == 0


def test_openedx_resolver_outside_the_lms_names_the_setting(customer):
    with pytest.raises(BackendUnavailable) as raised:
        openedx_tpa_user_resolver(customer, ["1001"])
    assert "ENTERPRISE_ENROLL_TPA_USER_RESOLVER" in raised.value.hint
