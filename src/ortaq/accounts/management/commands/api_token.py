"""`ortaq manage api_token USERNAME [--name NAME]`: a new API token for a user, for integrations and operators.

The secret is the last line of stdout, so that a script can take it with `tail -n 1`; it is shown once and only
its SHA-256 is stored (accounts.services.api_token_create, which also audits the act)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ortaq.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (the secret is the last line of output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="CLI", help="what the token is for (shown on the user's token page)")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username!r}")
        # The user creates their own token: the operator at the console acts on the user's behalf, and the
        # audit trail records the token under the user, as a token made on the web page would be.
        token, secret = api_token_create(actor=user, name=str(options["name"]))
        self.stdout.write(f"Token {token.prefix}… ({token.name}) for {username}; it is shown once:")
        self.stdout.write(secret)
