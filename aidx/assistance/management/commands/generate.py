"""`aidx generate`: synthetic requests and offers for benchmarks, on top of covid-2020."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aidx.assistance import generator
from aidx.core import scenario
from aidx.nations.models import Membership


class Command(BaseCommand):
    help = "Add synthetic requests and offers (load data, no audit) on top of covid-2020."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=1000, help="request lines to add")
        parser.add_argument("--offers", type=int, default=1000, help="offer lines to add")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--lines-per", type=int, default=None, help="lines per request and offer (default: 1-5, mostly 1 or 2)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
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
