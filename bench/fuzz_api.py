"""Schemathesis against the API, a bigger run than `make test` makes: a table per operation.

    .venv/bin/python bench/fuzz_api.py                    # 100 cases per operation (about 30,000 calls)
    .venv/bin/python bench/fuzz_api.py --quick            # 10 cases per operation
    .venv/bin/python bench/fuzz_api.py --examples 40 --seed 7 [--database-url URL] [--all]

Sets up a fresh database (default postgres://postgres@127.0.0.1:5432/aidx_fuzz_bench: dropped and created again;
`aidx` and `test_aidx*` are refused), migrates it, builds the need-to-know sweep's world (aidx/core/tests/
sweep_world.py) and runs the engine of aidx/core/tests/api_fuzz.py in process: generated cases, valid and invalid by
the schema, each sent with a write token and a read-only token, each in a savepoint rolled back afterwards. Prints,
per operation, the calls, the server errors (5xx; from a NUL byte apart), the answers outside the schema, the
answers with a status the schema does not document and the writes a read-only token made, then the first server
errors found. Asserts nothing. --all lists every operation (default: those with a finding, and the totals).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from urllib.parse import urlparse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aidx_fuzz_bench"


def fresh_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name or name == "aidx" or name.startswith("test_aidx"):
        raise SystemExit(f"Refusing to recreate database {name!r}.")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--examples", type=int, default=100, help="generated cases per operation")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="10 cases per operation")
    parser.add_argument("--all", action="store_true", help="list every operation")
    args = parser.parse_args()
    examples = 10 if args.quick else args.examples

    fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("AIDX_ENV", "embedded")
    os.environ.setdefault("AIDX_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidx.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from aidx.accounts.services import token_create
    from aidx.core.tests.api_fuzz import fuzz, in_process, load
    from aidx.core.tests.sweep_world import build, set_sequences

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    with transaction.atomic(), in_process() as app:
        logging.getLogger("django.request").setLevel(logging.CRITICAL)
        set_sequences()
        world = build(args.seed)
        coordinator, reader = world.users["centre"], world.poc(next(iter(world.nations)))
        tallies = fuzz(
            load(app),
            app,
            write_token=token_create(actor=coordinator, user=coordinator, name="fuzz", write=True)[1],
            read_token=token_create(actor=reader, user=reader, name="fuzz")[1],
            examples=examples,
            seed_value=args.seed,
        )
        transaction.set_rollback(True)
    seconds = time.monotonic() - started

    columns = ("calls", "5xx", "5xx NUL", "outside schema", "undocumented status", "read-only writes")

    def row(name: str, values: tuple[int, ...]) -> str:
        return f"| {name} | " + " | ".join(f"{v:,}" for v in values) + " |"

    print(f"\nSchemathesis, {examples} cases per operation, seed {args.seed}, {seconds:.0f} s\n")
    print("| operation | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    totals = [0] * len(columns)
    for label, t in sorted(tallies.items()):
        values = (
            t.calls,
            len(t.server_errors),
            len(t.nul_errors),
            len(t.outside_schema),
            len(t.undocumented),
            len(t.read_only_writes),
        )
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        if args.all or any(values[1:]):
            print(row(f"`{label}`", values))
    print(row(f"**all {len(tallies)} operations**", tuple(totals)))
    errors = [(label, line) for label, t in sorted(tallies.items()) for line in t.server_errors]
    if errors:
        print("\nServer errors (first 20):")
        for label, line in errors[:20]:
            print(f"- {label}: {line[:300]}")


if __name__ == "__main__":
    main()
