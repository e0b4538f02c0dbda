from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aidx.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Write the whole database to a file (PostgreSQL: pg_dump; SQLite: an online copy); safe while aidx runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="where to write it (default: var/backups/aidx-<UTC time>.*)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = backup(Path(options["path"]) if options["path"] else None)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backup written to {written} ({written.stat().st_size:,} bytes)."))
