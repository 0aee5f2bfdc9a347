"""Resolving edx `tpa_user_id` values (a learner's id at the customer's SSO identity provider) to users."""

from django.core.exceptions import ImproperlyConfigured

from . import app_settings
from .exceptions import BackendUnavailable

#: social_django `provider` of the Open edX SAML backend (third_party_auth's SAMLAuthBackend.name).
SAML_BACKEND_NAME = "tpa-saml"


def get_tpa_user_resolver():
    """
    The callable(customer, tpa_user_ids) -> {tpa_user_id: user} named by ENTERPRISE_ENROLL_TPA_USER_RESOLVER.

    None when the setting is empty: `tpa_user_id` is then unsupported. Ids the resolver leaves out are unknown.
    """
    if not app_settings.get("TPA_USER_RESOLVER"):
        return None
    resolver = app_settings.import_setting("TPA_USER_RESOLVER")
    if not callable(resolver):
        raise ImproperlyConfigured(
            f"ENTERPRISE_ENROLL_TPA_USER_RESOLVER={app_settings.get('TPA_USER_RESOLVER')!r} is not callable."
        )
    return resolver


def openedx_tpa_user_resolver(customer, tpa_user_ids):
    """
    Open edX: find the users whose SAML login at the customer's identity provider has one of `tpa_user_ids`.

    Assumes what edx-enterprise's SAML setup produces: the customer's identity provider is the SAML provider
    whose slug is the customer's slug (`saml-<slug>`), and third_party_auth stores each login as a social_django
    `UserSocialAuth(provider="tpa-saml", uid="<slug>:<id at the provider>")`. One query for all ids.
    """
    try:
        from social_django.models import UserSocialAuth
    except ImportError as exc:
        raise BackendUnavailable(
            f"social_django cannot be imported ({exc}), so tpa_user_id cannot be resolved; nothing was written.",
            hint="openedx_tpa_user_resolver only works inside the LMS: outside it, clear "
            "ENTERPRISE_ENROLL_TPA_USER_RESOLVER or point it at your own resolver.",
        ) from exc
    by_uid = {f"{customer.slug}:{tpa_user_id}": tpa_user_id for tpa_user_id in tpa_user_ids}
    if not by_uid:
        return {}
    rows = UserSocialAuth.objects.filter(provider=SAML_BACKEND_NAME, uid__in=list(by_uid)).select_related("user")
    return {by_uid[row.uid]: row.user for row in rows}
