"""The `aidx` console command: manage.py for Django commands, plus the pure engines' file interfaces.

`aidx optimize allocate|airlift ...` runs an engine on a JSON file without loading Django, so analysts
can use it on a machine without a database.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "optimize":
        from aidx.optimize.cli import main as optimize_main

        return optimize_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidx.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
