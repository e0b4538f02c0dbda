"""Benchmark of the stock ledger on PostgreSQL: a large ledger, a full rebuild of the projection, and FEFO
releases from parallel clients.

    .venv/bin/python bench/stockpile.py                      # 1,000,000 entries, 8 clients for 20 s
    .venv/bin/python bench/stockpile.py --quick              # 50,000 entries, 8 clients for 3 s (CI)
    .venv/bin/python bench/stockpile.py --entries 200000 --clients 4 --seconds 10 [--database-url URL]

Sets up a fresh database (default postgres://postgres@127.0.0.1:5432/aidx_stock_bench: dropped and created
again; `aidx` and `test_aidx*` are refused), migrates it, creates 20 items × 50 lots at 4 warehouses and writes
--entries ledger entries (receipts and releases) with set-based SQL. Then it times `rebuild_balances()` (the
projection recomputed from the whole ledger) and `check_balances()` (the projection compared with the replayed
ledger), vacuums the projection as autovacuum would, and runs --clients client processes — each with its own
database connection, as web workers have — calling `services.issue()` (a FEFO release through the service: row
locks, CHECK constraints, ledger entries, audit entry) for --seconds. Prints a table, with the CPU time the
clients and their PostgreSQL backends spent per release (when the server runs on this machine) and the write-ahead
log written per release; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from urllib.parse import urlparse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aidx_stock_bench"
ITEMS, LOTS_PER_ITEM, WAREHOUSES = 20, 50, 4


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


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("AIDX_ENV", "embedded")
    os.environ.setdefault("AIDX_DEBUG", "0")  # as in production: DEBUG would keep a log of every query
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidx.settings")
    import django

    django.setup()


def seed(entries: int) -> dict:
    """Items, lots and warehouses through the services; then the bulk of the ledger in two INSERT … SELECTs."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from aidx.accounts.services import user_create
    from aidx.catalogue.services import item_upsert
    from aidx.nations import services as registry
    from aidx.stockpile import services
    from aidx.stockpile.models import Lot

    call_command("migrate", verbosity=0)
    ita = registry.nation_create(actor=None, code="ITA")
    agency = registry.organisation_create(actor=None, code="support-agency", kind="agency", name_en="Agency")
    manager = user_create(
        actor=None, username="stockpile", password=None, organisation=agency, roles={"poc", "stockpile"}
    )
    sites = [
        registry.site_create(
            actor=None, code=f"bench-w{n}", name=f"Warehouse {n}", kind="warehouse", nation=ita,
            latitude="40.4", longitude=str(17 + n / 10),
        )
        for n in range(WAREHOUSES)
    ]  # fmt: skip
    items = [
        item_upsert(
            actor=None, code=f"bench-{n:02d}", name_en=f"Bench item {n}", name_nb="", name_nn="", category="supplies",
            unit="piece", unit_weight_kg="1", unit_volume_m3="0.001",
        )[0]
        for n in range(ITEMS)
    ]  # fmt: skip
    today = dt.date.today()
    Lot.objects.bulk_create(
        [
            Lot(item=item, lot_number=f"L{n:03d}", expiry_date=today + dt.timedelta(days=60 + 17 * n),
                received_on=today)
            for item in items
            for n in range(LOTS_PER_ITEM)
        ]
    )  # fmt: skip
    lots = list(Lot.objects.order_by("id").values_list("id", flat=True))
    warehouses = [site.pk for site in sites]
    keys = len(lots) * WAREHOUSES
    # Entry g (1-based): lot lots[(g-1) % L] at warehouses[((g-1) / L) % W]; the first L×W entries are receipts
    # of 1,000,000, the rest alternate releases of 1 and receipts of 1 — the stock never goes negative.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO stockpile_movement (id, kind, occurred_on, reason, reference, created_at)
            SELECT g, CASE WHEN g <= %(keys)s OR g %% 2 = 0 THEN 'receipt' ELSE 'release' END, CURRENT_DATE, '',
                   'bench', now()
            FROM generate_series(1, %(n)s) AS g
            """,
            {"keys": keys, "n": entries},
        )
        cursor.execute(
            """
            INSERT INTO stockpile_entry (movement_id, kind, warehouse_id, lot_id, on_hand_delta, reserved_delta)
            SELECT g, CASE WHEN g <= %(keys)s OR g %% 2 = 0 THEN 'receipt' ELSE 'release' END,
                   (%(warehouses)s::bigint[])[((g - 1) / %(l)s) %% %(w)s + 1],
                   (%(lots)s::bigint[])[(g - 1) %% %(l)s + 1],
                   CASE WHEN g <= %(keys)s THEN 1000000 WHEN g %% 2 = 0 THEN 1 ELSE -1 END, 0
            FROM generate_series(1, %(n)s) AS g
            """,
            {"keys": keys, "n": entries, "warehouses": warehouses, "lots": lots, "l": len(lots), "w": WAREHOUSES},
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('stockpile_movement', 'id'), "
            "(SELECT MAX(id) FROM stockpile_movement))"
        )
        cursor.execute("ANALYZE stockpile_movement; ANALYZE stockpile_entry; ANALYZE stockpile_lot")
    services.rebuild_balances()  # a warm-up, so that the timed rebuild below replaces existing rows
    return {"manager": manager.pk, "items": [item.code for item in items]}


def timed(function) -> tuple[float, object]:
    began = time.perf_counter()
    result = function()
    return time.perf_counter() - began, result


def wal_position() -> int:
    """Bytes of write-ahead log the server has written so far (all databases: run on a quiet server)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')")
        return int(cursor.fetchone()[0])


def backend_cpu(pid: int) -> float | None:
    """CPU seconds used so far by the database server process `pid`, when it runs here and may be read."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(url: str, manager_id: int, items: list[str], seed_: int, seconds: float, barrier, results) -> None:
    """One client process (see `run_client`); a crash stops the others at the barrier instead of hanging them."""
    try:
        results.put(run_client(url, manager_id, items, seed_, seconds, barrier))
    except BaseException as error:
        barrier.abort()
        results.put({"crash": f"{type(error).__name__}: {error}"})
        raise


def run_client(url: str, manager_id: int, items: list[str], seed_: int, seconds: float, barrier) -> dict:
    """Its own Django and connection, warmed up; then FEFO releases until the deadline."""
    setup_django(url)
    from django.db import DatabaseError, connection

    from aidx.accounts.models import User
    from aidx.core.errors import BusinessError
    from aidx.stockpile import services

    manager = User.objects.select_related("organisation").get(pk=manager_id)
    services.may_manage(manager)  # the roles, loaded once as for a signed-in request
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rng = random.Random(seed_)
    latencies: list[float] = []
    refused, errors, first_error = 0, 0, ""
    barrier.wait()
    began, cpu, db_cpu = time.monotonic(), time.process_time(), backend_cpu(backend)
    deadline = began + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()  # CLOCK_MONOTONIC: comparable between the processes
        try:
            services.issue(actor=manager, item=rng.choice(items), quantity=rng.randint(1, 3))
        except BusinessError:
            refused += 1
        except DatabaseError as error:  # a deadlock or a broken invariant: counted, and the client goes on
            errors += 1
            first_error = first_error or str(error)
        latencies.append(time.monotonic() - start)
    ended, db_after = time.monotonic(), backend_cpu(backend)
    connection.close()
    return {
        "began": began,
        "ended": ended,
        "latencies": latencies,
        "refused": refused,
        "errors": errors,
        "first_error": first_error,
        "cpu": time.process_time() - cpu,
        "db_cpu": None if db_cpu is None or db_after is None else db_after - db_cpu,
    }


def releases(url: str, manager_id: int, items: list[str], clients: int, seconds: float) -> dict:
    """--clients processes started together (spawned: none inherits this one's connection or state)."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(clients), context.Queue()
    processes = [
        context.Process(target=client, args=(url, manager_id, items, n, seconds, barrier, results))
        for n in range(clients)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get() for _process in processes]
    for process in processes:
        process.join()
    crashed = [o["crash"] for o in outcomes if "crash" in o]
    if crashed:
        raise SystemExit(f"A client failed: {crashed[0]}")
    elapsed = max(o["ended"] for o in outcomes) - min(o["began"] for o in outcomes)
    latencies = sorted(latency for o in outcomes for latency in o["latencies"])
    count = len(latencies) or 1
    first_errors = [o["first_error"] for o in outcomes if o["first_error"]]
    if first_errors:
        print(f"first error: {first_errors[0]}", file=sys.stderr)
    db_cpu = [o["db_cpu"] for o in outcomes]
    return {
        "count": len(latencies),
        "refused": sum(o["refused"] for o in outcomes),
        "errors": sum(o["errors"] for o in outcomes),
        "per_second": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else 0,
        "p95": latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0,
        "max": latencies[-1] * 1000 if latencies else 0,
        "cpu_ms": sum(o["cpu"] for o in outcomes) / count * 1000,
        "db_cpu_ms": None if None in db_cpu else sum(db_cpu) / count * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("AIDX_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true", help="50,000 entries, 3 s of releases (CI)")
    args = parser.parse_args()
    if args.quick:
        args.entries, args.seconds = 50_000, 3.0
    if not args.database_url.startswith("postgres"):
        raise SystemExit("This benchmark needs PostgreSQL (row locks, parallel clients).")
    minimum = ITEMS * LOTS_PER_ITEM * WAREHOUSES
    if args.entries < minimum:
        raise SystemExit(f"--entries must be at least {minimum} (one receipt per lot and warehouse).")
    fresh_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection

    from aidx.stockpile import services
    from aidx.stockpile.models import Balance, Entry

    seeded = seed(args.entries)
    rebuild_s, rows = timed(services.rebuild_balances)
    check_s, differences = timed(services.check_balances)
    with connection.cursor() as cursor:  # what autovacuum does after a rebuild (it may be off on a test server)
        cursor.execute("VACUUM ANALYZE stockpile_balance")
    load_before, wal_before = os.getloadavg()[0], wal_position()
    run = releases(args.database_url, seeded["manager"], seeded["items"], args.clients, args.seconds)
    load_after, wal = os.getloadavg()[0], wal_position() - wal_before
    after_s, after = timed(services.check_balances)
    table = [
        ("ledger entries (rebuilt from)", f"{args.entries:,}"),
        ("balance rows", f"{rows:,}"),
        ("full rebuild of the projection", f"{rebuild_s:.2f} s"),
        ("check projection vs ledger", f"{check_s:.2f} s ({len(differences)} differences)"),
        ("parallel clients (processes)", str(args.clients)),
        (
            "FEFO releases (service calls)",
            f"{run['count']:,} in {args.seconds:.0f} s ({run['refused']} refused, {run['errors']} errors)",
        ),
        ("releases per second", f"{run['per_second']:.0f}"),
        ("latency p50 / p95 / max", f"{run['p50']:.1f} / {run['p95']:.1f} / {run['max']:.1f} ms"),
        (
            "CPU per release: clients / their PostgreSQL backends",
            f"{run['cpu_ms']:.2f} / " + ("n/a" if run["db_cpu_ms"] is None else f"{run['db_cpu_ms']:.2f}") + " ms",
        ),
        ("WAL written per release", f"{wal / max(run['count'], 1):,.0f} bytes"),
        ("ledger entries after", f"{Entry.objects.count():,}"),
        ("check after the releases", f"{after_s:.2f} s ({len(after)} differences)"),
        ("negative balances", str(Balance.objects.filter(on_hand__lt=0).count())),
        ("CPU cores", str(os.cpu_count())),
        ("load average before / after the releases", f"{load_before:.2f} / {load_after:.2f}"),
    ]
    width = max(len(name) for name, _value in table)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"| {'-' * width} | ----- |")
    for name, value in table:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
