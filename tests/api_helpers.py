"""Helpers for API tests: JWTs with chosen roles, authenticated API clients, role grants.

from tests.api_helpers import api_client, grant, jwt_for

client = api_client(user)                                # `Authorization: JWT <token>`, roles from the DB
client = api_client(user, roles=["enterprise_admin:*"])  # the token claims exactly these roles
client = api_client()                                    # anonymous
grant(user, "enterprise_admin", customer)                # DB assignment (customer=None: all contexts)
"""

from rest_framework.test import APIClient

from enterprise_enroll.auth import access_token_for
from tests import factories


def jwt_for(user, roles=None, *, lifetime=None, **claims):
    """A signed access token string for `user`: `roles` claim from the database unless given; extra claims set."""
    token = access_token_for(user, roles=roles, lifetime=lifetime)
    for name, value in claims.items():
        token[name] = value
    return str(token)


def api_client(user=None, token=None, *, roles=None, scheme="JWT"):
    """An APIClient sending `Authorization: <scheme> <token>` (a fresh jwt_for(user, roles) when no token given)."""
    client = APIClient()
    if token is None and user is not None:
        token = jwt_for(user, roles)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return client


def grant(user, role_name, customer=None):
    """Assign a system-wide or feature role in the database, for `customer` or (None) all contexts."""
    is_system = role_name in ("enterprise_learner", "enterprise_admin", "enterprise_openedx_operator")
    factory = factories.SystemRoleAssignmentFactory if is_system else factories.FeatureRoleAssignmentFactory
    role = factories.system_role(role_name) if is_system else factories.feature_role(role_name)
    return factory(user=user, role=role, enterprise_customer=customer, applies_to_all_contexts=customer is None)
