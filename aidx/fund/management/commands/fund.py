from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aidx.fund import services


class Command(BaseCommand):
    help = "The fund's ledger: check that every transaction balances and accounts match their postings; rebuild."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="unbalanced transactions and account balances that differ from the postings")
        sub.add_parser("rebuild", help="recompute account balances from the postings")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            services.rebuild_accounts()
            self.stdout.write(self.style.SUCCESS("Account balances rebuilt from the postings."))
            return
        unbalanced, accounts = services.unbalanced_transactions(), services.check_accounts()
        for pk in unbalanced[:100]:
            self.stdout.write(f"transaction {pk} does not balance")
        for code, (kept, replayed) in accounts.items():
            self.stdout.write(f"account {code}: kept {kept}, postings {replayed}")
        if unbalanced or accounts:
            raise CommandError("The fund's ledger does not hold.")
        self.stdout.write(self.style.SUCCESS("Every transaction balances; accounts agree with their postings."))
