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
        generate = sub.add_parser(
            "generate", help="add synthetic requests and offers (load data, no audit) on top of covid-2020"
        )
        generate.add_argument("--requests", type=int, default=1000, help="request lines to add")
        generate.add_argument("--offers", type=int, default=1000, help="offer lines to add")
        generate.add_argument("--seed", type=int, default=0)
        generate.add_argument(
            "--lines-per", type=int, default=None, help="lines per request and offer (default: 1-5, mostly 1 or 2)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for name in scenario.available():
                self.stdout.write(name)
            return
        if options["action"] == "accounts":
            self._accounts(options["name"])
            return
        if options["action"] == "generate":
            self._generate(options)
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

    def _generate(self, options: dict[str, Any]) -> None:
        from aidx.assistance import generator
        from aidx.nations.models import Membership

        if min(options["requests"], options["offers"]) < 0 or (options["lines_per"] or 1) < 1:
            raise CommandError("Counts must not be negative, and --lines-per at least 1.")
        if not Membership.objects.exists():
            scenario.load(generator.SCENARIO, say=self.stdout.write)
        generator.generate(
            requests=options["requests"],
            offers=options["offers"],
            seed=options["seed"],
            lines_per=options["lines_per"],
            say=self.stdout.write,
        )
