from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aidx.accounts.models import User
from aidx.accounts.services import token_create, token_expiry, token_revoke
from aidx.core.errors import BusinessError


class Command(BaseCommand):
    help = "Make, list or revoke personal API tokens. `create` prints the token on its own line for scripts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token and print it")
        create.add_argument("username")
        create.add_argument("--write", action="store_true", help="allow writing (default: read only)")
        create.add_argument("--name", default="command line")
        create.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            help="the last day the token works, YYYY-MM-DD (default: until revoked)",
        )
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("username")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"No user named {options['username']!r}.") from None
        try:
            if options["action"] == "create":
                until = options["until"]
                _token, secret = token_create(
                    actor=user,
                    user=user,
                    name=options["name"],
                    write=options["write"],
                    expires_at=token_expiry(until) if until else None,
                )
                self.stdout.write(secret)
            elif options["action"] == "list":
                for token in user.api_tokens.all():
                    state = "revoked" if token.revoked_at else "expired" if token.is_expired else "active"
                    until = token.expires_at.isoformat() if token.expires_at else "-"
                    self.stdout.write(f"{token.prefix}\t{token.scope}\t{state}\t{until}\t{token.name}")
            else:
                active = user.api_tokens.filter(prefix=options["prefix"], revoked_at__isnull=True).first()
                if active is None:
                    raise CommandError("No active token with that prefix.")
                token_revoke(actor=user, token=active)
        except BusinessError as error:
            raise CommandError(str(error)) from None
