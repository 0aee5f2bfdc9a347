"""Mint an access token (with its database roles) for a service account, for server-to-server callers."""

import re
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ...auth import ROLES_CLAIM, access_token_for

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_lifetime(value):
    """'3600', '90s', '15m', '12h' or '30d' → a positive timedelta; anything else is a CommandError."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", value or "")
    if not match or int(match.group(1)) == 0:
        raise CommandError(f"--lifetime {value!r} is not a positive duration such as 3600, 90s, 15m, 12h or 30d.")
    return timedelta(**{UNITS[match.group(2) or "s"]: int(match.group(1))})


class Command(BaseCommand):
    help = (
        "Print a signed access token for USERNAME (e.g. enterprise_worker) carrying its database roles. "
        "Only the token goes to stdout, so `TOKEN=$(./manage.py mint_service_token enterprise_worker)` works."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The service account.")
        parser.add_argument(
            "--lifetime",
            help="How long the token is valid: seconds, or 90s / 15m / 12h / 30d (default: ACCESS_TOKEN_LIFETIME).",
        )

    def handle(self, *args, **options):
        lifetime = parse_lifetime(options["lifetime"]) if options["lifetime"] is not None else None
        user = self.service_account(options["username"])
        token = access_token_for(user, lifetime=lifetime)
        expires = datetime.fromtimestamp(token["exp"], tz=UTC)
        roles = ", ".join(token[ROLES_CLAIM]) or "none (grant some with assign_enterprise_role)"
        self.stderr.write(f"Access token for {user.get_username()}, valid until {expires.isoformat()}; roles: {roles}")
        self.stdout.write(str(token))

    def service_account(self, username):
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(
                f"No user {username!r}. Create the service account first (Django admin, /admin/auth/user/add/), "
                "then grant it a role with `./manage.py assign_enterprise_role`."
            )
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; inactive users get no token.")
        return user
