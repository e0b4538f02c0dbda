from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aidx.stockpile import services


class Command(BaseCommand):
    help = "The stock ledger: check the projection against it, rebuild the projection, expire lots, sync the offer."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="compare on hand/reserved per warehouse and lot with the replayed ledger")
        sub.add_parser("rebuild", help="recompute every balance from the ledger (set-based SQL)")
        sub.add_parser("expire", help="mark lots past their expiry date as expired")
        sub.add_parser("offer-sync", help="offer the free stock to the exchange as the support agency")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "check":
            differences = services.check_balances()
            for d in differences[:100]:
                self.stdout.write(f"lot {d.lot} at warehouse {d.warehouse}: kept {d.kept}, ledger {d.replayed}")
            if differences:
                raise CommandError(
                    f"{len(differences)} balance rows differ from the ledger (run `aidx stock rebuild`)."
                )
            self.stdout.write(self.style.SUCCESS("The stock projection agrees with the ledger."))
        elif action == "rebuild":
            began = time.perf_counter()
            rows = services.rebuild_balances()
            self.stdout.write(
                self.style.SUCCESS(f"Rebuilt {rows} balance rows in {time.perf_counter() - began:.2f} s.")
            )
        elif action == "expire":
            self.stdout.write(f"{len(services.expire_lots())} lots marked expired.")
        else:
            agent = services.agency_user()
            if agent is None:
                raise CommandError("No active point of contact of the support agency to act for it.")
            self.stdout.write(f"{len(services.offer_sync(actor=agent))} offers created or changed.")
