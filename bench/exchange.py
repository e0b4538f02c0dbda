"""Benchmark of the exchange's lists (requests, offers, allocations) on generated data.

    .venv/bin/python bench/exchange.py [--database-url URL] [--lines 1000000] [--repeat 30] [--seed 0] [--reuse]

Sets up a fresh PostgreSQL database (default postgres://postgres@127.0.0.1:5432/aidx_bench: dropped and
created again), migrates it, loads covid-2020 and generates --lines request lines and --lines offer lines
(`aidx generate`). Then, for each viewer (the coordinator, who sees all; Italy, an ally; Australia,
a partner) and each filter, it times the first page of the HTML list (django.test.Client, logged in) and of
the API (bearer token): p50, p95 and max in milliseconds over --repeat runs after one warm-up, and the
number of SQL queries per request. Timings are printed, never asserted. --reuse keeps a database that
already holds the data (no drop, no generation).

Wall times depend on what else the machine runs. The columns `cpu` and `db cpu` are the mean CPU time per request
of this process and of its PostgreSQL backend (read from /proc when the database runs on this machine): they
change little when other work competes for the CPUs, so compare them between runs made in different conditions.
The last lines say how much CPU other processes took during the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from urllib.parse import urlencode, urlparse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aidx_bench"
VIEWERS = ["coordinator", "italy", "australia"]
REQUEST_FILTERS: list[tuple[str, dict[str, str]]] = [
    ("none", {}),
    ("status=submitted", {"status": "submitted"}),
    ("priority=1", {"priority": "1"}),
    ("nation=ITA", {"nation": "ITA"}),
    ("item=mask-ffp2", {"item": "mask-ffp2"}),
    ("q=ventilator", {"q": "ventilator"}),
    ("needed 04-01..04-14", {"needed_from": "2020-04-01", "needed_until": "2020-04-14"}),
]
OFFER_FILTERS: list[tuple[str, dict[str, str]]] = [
    ("none", {}),
    ("status=open", {"status": "open"}),
    ("nation=USA", {"nation": "USA"}),
    ("item=mask-ffp2", {"item": "mask-ffp2"}),
    ("q=ventilator", {"q": "ventilator"}),
]
SURFACES = {  # list → (HTML page, API)
    "requests": ("/exchange/requests/", "/api/v1/requests", REQUEST_FILTERS),
    "offers": ("/exchange/offers/", "/api/v1/offers", OFFER_FILTERS),
    "allocations": ("/exchange/allocations/", "/api/v1/allocations", [("none", {})]),
}


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


def cpu_ms(pid: int) -> float | None:
    """CPU time (user + system) of a process so far, in ms, from /proc (Linux; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def machine_busy_ms() -> float:
    """CPU time every process of the machine has used so far, in ms (Linux: /proc/stat)."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system = (int(n) for n in stat.readline().split()[1:4])
    except (OSError, ValueError):
        return 0.0
    return (user + nice + system) * 1000 / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--lines", type=int, default=1_000_000, help="request lines and offer lines each")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="use the database as it is: no drop, no generation")
    args = parser.parse_args()

    if not args.reuse and args.database_url.startswith("postgres"):
        fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidx.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from aidx.accounts.models import User
    from aidx.accounts.services import token_create
    from aidx.assistance import generator
    from aidx.assistance.models import RequestLine
    from aidx.core import scenario

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    generation = "reused"
    if not args.reuse:
        call_command("migrate", verbosity=0)
        scenario.load("covid-2020", say=lambda _: None)
        started = time.perf_counter()
        generator.generate(requests=args.lines, offers=args.lines, seed=args.seed)
        generation = f"{time.perf_counter() - started:.1f} s"
    lines = RequestLine.objects.count()
    print(
        f"\n{connection.vendor} {connection.settings_dict['NAME']}: {lines:,} request lines; "
        f"generation of {args.lines:,} + {args.lines:,} lines: {generation}; repeat {args.repeat}; "
        f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs\n"
    )

    header = f"{'list':<12}{'viewer':<13}{'filter':<21}{'surface':<6}{'p50':>8}{'p95':>8}{'max':>8}{'queries':>9}"
    header += f"{'status':>8}{'rows':>10}{'cpu':>7}{'db cpu':>8}"
    print(header)
    print("-" * len(header))
    worst: list[tuple[float, str]] = []
    backend = connection.cursor().connection.info.backend_pid if connection.vendor == "postgresql" else None

    def db_cpu_ms() -> float | None:
        return cpu_ms(backend) if backend else None

    def ours_ms() -> float:
        return time.process_time() * 1000 + (db_cpu_ms() or 0.0)

    ours_at_start, busy_at_start, wall_at_start = ours_ms(), machine_busy_ms(), time.perf_counter()
    for username in VIEWERS:
        user = User.objects.get(username=username)
        page_client = Client()
        page_client.force_login(user)
        _, secret = token_create(actor=user, user=user, name=f"bench {time.time()}")
        api_client = Client(headers={"Authorization": f"Bearer {secret}"})
        for name, (page_url, api_url, filters) in SURFACES.items():
            for label, params in filters:
                query = urlencode(params)
                for surface, client, url in (("page", page_client, page_url), ("api", api_client, api_url)):
                    target = f"{url}?{query}" if query else url
                    response = client.get(target)  # warm-up
                    times: list[float] = []
                    queries = 0
                    cpu_start, db_start = time.process_time(), db_cpu_ms()
                    for _ in range(args.repeat):
                        with CaptureQueriesContext(connection) as captured:
                            started = time.perf_counter()
                            response = client.get(target)
                            times.append((time.perf_counter() - started) * 1000)
                        queries = len(captured)
                    cpu = (time.process_time() - cpu_start) * 1000 / args.repeat
                    db_end = db_cpu_ms()
                    db_cpu = "-" if db_start is None or db_end is None else f"{(db_end - db_start) / args.repeat:.1f}"
                    rows = "-"
                    if surface == "api" and response.status_code == 200:
                        answer = response.json()
                        rows = f"{answer.get('count', '?'):,}{'+' if answer.get('count_capped') else ''}"
                    p95 = percentile(times, 0.95)
                    worst.append((p95, f"{name} {username} {label} {surface}"))
                    print(
                        f"{name:<12}{username:<13}{label:<21}{surface:<6}{statistics.median(times):>8.1f}"
                        f"{p95:>8.1f}{max(times):>8.1f}{queries:>9}{response.status_code:>8}{rows:>10}"
                        f"{cpu:>7.1f}{db_cpu:>8}",
                        flush=True,
                    )
    worst.sort(reverse=True)
    print(f"load average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    ours = ours_ms() - ours_at_start
    others = max(0.0, machine_busy_ms() - busy_at_start - ours)
    elapsed = (time.perf_counter() - wall_at_start) * 1000
    print(
        f"CPU used by other processes during the run: {others / elapsed:.2f} of {os.cpu_count()} CPUs "
        f"(this benchmark and its database backend: {ours / elapsed:.2f})"
    )
    print(
        f"\nslowest p95: {worst[0][0]:.1f} ms ({worst[0][1]}); "
        f"p95 over 100 ms: {sum(1 for p, _ in worst if p > 100)} of {len(worst)}"
    )


if __name__ == "__main__":
    main()
