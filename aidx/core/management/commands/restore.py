from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from aidx.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace everything in the configured database with a backup made by `aidx backup`. Stop the web server "
        "and the workers first; then run `aidx stock check` and `aidx fund check`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup file")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask")

    def handle(self, *args: Any, **options: Any) -> None:
        name = connections["default"].settings_dict["NAME"]
        if options["interactive"]:
            answer = input(f"This replaces every record in the database {name}. Type 'yes' to go on: ")
            if answer != "yes":
                raise CommandError("Nothing was restored.")
        try:
            restore(Path(options["path"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {options['path']} into {name}."))
