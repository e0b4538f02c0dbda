from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aidx.core import scenario
from aidx.core.errors import BusinessError


class Command(BaseCommand):
    help = "Load a named scenario (reference data, demo accounts, the story of 2020). Loading twice changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load a scenario")
        load.add_argument("name", help="e.g. covid-2020")
        sub.add_parser("list", help="list the scenarios")
        accounts = sub.add_parser("accounts", help="list a scenario's demo accounts (from its accounts.json)")
        accounts.add_argument("name", help="e.g. covid-2020")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for name in scenario.available():
                self.stdout.write(name)
            return
        if options["action"] == "accounts":
            self._accounts(options["name"])
            return
        try:
            counts = scenario.load(options["name"], say=self.stdout.write)
        except (FileNotFoundError, BusinessError) as error:
            raise CommandError(str(error)) from None
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"Scenario {options['name']} loaded: {total} records created or changed."))

    def _accounts(self, name: str) -> None:
        """Every demo account with whom it speaks for and its roles, read from the scenario's own list (the one the
        loader creates them from), so the demo's banner never lists fewer accounts than there are."""
        try:
            accounts = scenario.accounts(name)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Demo accounts, all with the password {accounts['password']!r}:")
        width = max(len(user["username"]) for user in accounts["users"])
        for user in accounts["users"]:
            self.stdout.write(f"  {user['username']:<{width}}  {scenario.account_summary(user)}")
