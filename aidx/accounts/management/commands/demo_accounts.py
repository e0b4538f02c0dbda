from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aidx.accounts.models import User
from aidx.accounts.services import demo_accounts_deactivate
from aidx.core.actors import SYSTEM


class Command(BaseCommand):
    help = "List the active demo accounts (the well-known password); --deactivate turns them off, as production needs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deactivate", action="store_true", help="deactivate every active demo account")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["deactivate"]:
            names = demo_accounts_deactivate(actor=SYSTEM)
            self.stdout.write(f"Deactivated {len(names)} demo account(s): {', '.join(names) or '-'}")
            return
        for username in (
            User.objects.filter(is_demo=True, is_active=True).order_by("username").values_list("username", flat=True)
        ):
            self.stdout.write(username)
