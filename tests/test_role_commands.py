"""Management commands: assign_enterprise_role (idempotent, audited) and mint_service_token."""

from io import StringIO

import jwt
import pytest
from django.core.management import CommandError, call_command

from enterprise_enroll import roles
from enterprise_enroll.models import EnterpriseFeatureUserRoleAssignment, SystemWideEnterpriseUserRoleAssignment
from tests import factories
from tests.api_helpers import api_client

ACCESS = "/enterprise/api/v1/access/"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def assign(*args):
    return run("assign_enterprise_role", *args)[0]


@pytest.fixture
def alice(db):
    return factories.UserFactory(username="alice", email="alice@example.com")


@pytest.mark.parametrize("customer_ref", [lambda c: c.slug, lambda c: str(c.pk), lambda c: str(c.pk).upper()])
def test_assigns_a_system_role_by_slug_or_uuid(customer_ref, alice, customer):
    output = assign("--user", "alice", "--role", "enterprise_admin", "--customer", customer_ref(customer))

    assert output.startswith("Assigned enterprise_admin for customer acme")
    assignment = SystemWideEnterpriseUserRoleAssignment.objects.get(user=alice)
    assert (assignment.role.name, assignment.enterprise_customer, assignment.applies_to_all_contexts) == (
        "enterprise_admin",
        customer,
        False,
    )


def test_assigns_a_feature_role_for_all_contexts(alice):
    assign("--user", "alice@example.com", "--role", "enrollment_api_admin", "--all-contexts")

    assignment = EnterpriseFeatureUserRoleAssignment.objects.get(user=alice)
    assert assignment.applies_to_all_contexts and assignment.enterprise_customer is None


def test_is_idempotent(alice, customer):
    args = ("--user", "alice", "--role", "enterprise_admin", "--customer", "acme")
    assign(*args)

    assert assign(*args).startswith("Unchanged:")
    assert SystemWideEnterpriseUserRoleAssignment.objects.filter(user=alice).count() == 1


def test_revokes_and_is_idempotent(alice, customer):
    assign("--user", "alice", "--role", "enterprise_admin", "--customer", "acme")
    assign("--user", "alice", "--role", "enterprise_admin", "--all-contexts")

    assert assign("--user", "alice", "--role", "enterprise_admin", "--customer", "acme", "--revoke").startswith(
        "Revoked"
    )
    assert assign("--user", "alice", "--role", "enterprise_admin", "--customer", "acme", "--revoke").startswith(
        "Nothing to revoke"
    )
    remaining = SystemWideEnterpriseUserRoleAssignment.objects.get(user=alice)
    assert remaining.applies_to_all_contexts  # the all-contexts grant is another assignment, left alone


def test_history_records_who_and_why(alice, customer):
    factories.UserFactory(username="ops")
    assign("--user", "alice", "--role", "enterprise_admin", "--customer", "acme", "--by", "ops")
    assign("--user", "alice", "--role", "enterprise_admin", "--customer", "acme", "--revoke", "--by", "ops")

    history = SystemWideEnterpriseUserRoleAssignment.history.filter(user_id=alice.pk).order_by("history_date")
    assert [(h.history_type, h.history_user.username, h.history_change_reason) for h in history] == [
        ("+", "ops", "manage.py assign_enterprise_role"),
        ("-", "ops", "manage.py assign_enterprise_role"),
    ]


def test_a_granted_role_counts_at_once(alice, customer):
    client = api_client(alice)  # token minted before the grant
    assign("--user", "alice", "--role", "enterprise_admin", "--customer", "acme")

    body = client.get(ACCESS, {"enterprise_customer": str(customer.pk)}).json()

    enroll = body["customers"][0]["permissions"][0]
    assert (enroll["permission"], enroll["granted"], enroll["sources"]) == (
        roles.CAN_ENROLL_LEARNERS,
        True,
        ["database"],
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (("--user", "nobody", "--role", "enterprise_admin", "--all-contexts"), "No user matches 'nobody'"),
        (("--user", "alice", "--role", "root", "--all-contexts"), "Unknown role 'root'. System-wide roles:"),
        (("--user", "alice", "--role", "enterprise_admin", "--customer", "nope"), "UUID or slug 'nope'"),
        (("--user", "alice", "--role", "enterprise_admin"), "Give the scope"),
        (("--user", "alice", "--role", "enterprise_admin", "--customer", "acme", "--all-contexts"), "not allowed"),
        (("--user", "alice", "--role", "enterprise_admin", "--all-contexts", "--by", "ghost"), "'ghost'"),
    ],
    ids=["unknown-user", "unknown-role", "unknown-customer", "no-scope", "both-scopes", "unknown-actor"],
)
def test_clear_errors(args, message, alice, customer):
    with pytest.raises(CommandError, match=message):
        assign(*args)
    assert not SystemWideEnterpriseUserRoleAssignment.objects.exists()


def test_unknown_role_lists_the_known_ones(alice):
    with pytest.raises(CommandError) as error:
        assign("--user", "alice", "--role", "admin", "--all-contexts")

    for name in roles.SYSTEM_ROLES + roles.FEATURE_ROLES:
        assert name in str(error.value)


def test_mint_service_token_prints_a_usable_token_with_roles(customer):
    worker = factories.UserFactory(username="enterprise_worker")
    assign("--user", "enterprise_worker", "--role", "enterprise_admin", "--customer", "acme")

    token, note = run("mint_service_token", "enterprise_worker")

    assert jwt.decode(token, options={"verify_signature": False})["roles"] == [f"enterprise_admin:{customer.pk}"]
    assert "enterprise_worker" in note and "valid until" in note
    body = api_client(token=token).get(ACCESS).json()
    assert body["user"]["id"] == worker.pk


@pytest.mark.parametrize(
    "lifetime,seconds", [("900", 900), ("90s", 90), ("15m", 900), ("12h", 12 * 3600), ("30d", 30 * 86400)]
)
def test_mint_service_token_lifetime(lifetime, seconds, db):
    factories.UserFactory(username="enterprise_worker")

    token, _ = run("mint_service_token", "enterprise_worker", "--lifetime", lifetime)

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == seconds


@pytest.mark.parametrize(
    "args,message",
    [
        (("ghost",), "No user 'ghost'"),
        (("inactive",), "inactive"),
        (("enterprise_worker", "--lifetime", "0"), "not a positive duration"),
        (("enterprise_worker", "--lifetime", "1w"), "not a positive duration"),
        (("enterprise_worker", "--lifetime=-5m"), "not a positive duration"),
    ],
)
def test_mint_service_token_errors(args, message, db):
    factories.UserFactory(username="enterprise_worker")
    factories.UserFactory(username="inactive", is_active=False)

    with pytest.raises(CommandError, match=message):
        run("mint_service_token", *args)
