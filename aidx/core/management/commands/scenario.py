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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for name in scenario.available():
                self.stdout.write(name)
            return
        try:
            counts = scenario.load(options["name"], say=self.stdout.write)
        except (FileNotFoundError, BusinessError) as error:
            raise CommandError(str(error)) from None
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"Scenario {options['name']} loaded: {total} records created or changed."))
