"""Benchmark of importing request lines from XLSX (aidx.assistance.transfer), through the web views.

    .venv/bin/python bench/imports.py [--lines 10000] [--seed 0] [--profile]

Runs against a throwaway SQLite database (or DATABASE_URL, if set, which must be a scratch database):
AIDX_VAR_DIR is a temporary folder, migrations run and the covid-2020 catalogue is loaded first, and the
demo point of contact for Italy uploads the files.

Cases, each a fresh XLSX of --lines request lines:
  valid, limit as shipped  the service's MAX_LINES as it is: the preview refuses the file as a whole
  valid, limit raised      MAX_LINES raised in this process to --lines, to time a full import
  one bad row              an unknown item in the middle: seconds to report it, rows written must be 0
"upload" is the POST of the file (read, check every row, keep the preview in the session, render it);
"apply" is the POST of the Create button (check again, `services.request_create`, redirect). Timings are
printed, never asserted. --profile prints where `request_create` spends its time for the largest case.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import logging
import os
import pstats
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidx.settings")
os.environ.setdefault("AIDX_VAR_DIR", tempfile.mkdtemp(prefix="aidx-bench-imports-"))
os.environ.setdefault("AIDX_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from aidx.accounts.models import User  # noqa: E402
from aidx.assistance import services, transfer  # noqa: E402
from aidx.assistance.models import AssistanceRequest, RequestLine  # noqa: E402
from aidx.audit.models import AuditEntry  # noqa: E402
from aidx.catalogue.models import Item  # noqa: E402
from aidx.core.scenario import load  # noqa: E402


def xlsx(lines: int, seed: int, bad_row: int | None = None) -> bytes:
    rng = random.Random(seed)
    codes = list(Item.objects.values_list("code", flat=True))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("lines")
    sheet.append(["item", "quantity", "substitutes_ok", "notes"])
    for row in range(2, lines + 2):
        code = "no-such-item" if row == bad_row else rng.choice(codes)
        sheet.append([code, rng.randint(1, 50_000), rng.choice(["yes", "no", "ja", "nei", ""]), f"bench row {row}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def header(title: str) -> dict[str, str]:
    return {
        "title": title,
        "needed_by": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "delivery_site": "bergamo-hospital",
        "priority": "1",
        "releasability": "allies_partners",
    }


def written() -> tuple[int, int, int]:
    return AssistanceRequest.objects.count(), RequestLine.objects.count(), AuditEntry.objects.count()


def run_case(client: Client, name: str, content: bytes, *, expect_ok: bool) -> dict[str, object]:
    before = written()
    started, cpu = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as upload_queries:
        response = client.post(
            "/exchange/transfer/import/request/", {**header(name), "file": SimpleUploadedFile("lines.xlsx", content)}
        )
    upload_s, upload_cpu = time.perf_counter() - started, time.process_time() - cpu
    preview = response.context["preview"]
    result: dict[str, object] = {
        "case": name,
        "kb": len(content) // 1024,
        "status": response.status_code,
        "upload_s": upload_s,
        "upload_cpu": upload_cpu,
        "upload_q": len(upload_queries),
        "bad_rows": len(preview.errors),
        "first_bad": preview.errors[0].row if preview.errors else "",
        "problems": "; ".join(preview.problems),
        "apply_s": None,
        "apply_cpu": None,
        "apply_q": "",
    }
    if expect_ok and response.status_code == 200:
        started, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as apply_queries:
            done = client.post("/exchange/transfer/import/request/apply/", {"preview": response.context["token"]})
        result["apply_s"], result["apply_cpu"] = time.perf_counter() - started, time.process_time() - cpu
        result["apply_q"] = len(apply_queries)
        assert done.status_code == 302, done.content[:2000]
    after = written()
    result["rows_written"] = after[1] - before[1]
    result["records_written"] = after[0] - before[0]
    result["audit_written"] = after[2] - before[2]
    return result


def pieces(content: bytes) -> None:
    """The upload's steps on their own, to see which one costs."""
    from django.contrib.sessions.backends.db import SessionStore

    started = time.perf_counter()
    table = transfer.read_upload(SimpleUploadedFile("lines.xlsx", content), "request")
    read_s = time.perf_counter() - started
    rows = [(number, {name: cells[index] for index, name in table.columns.items()}) for number, cells in table.rows]
    started = time.perf_counter()
    lines, _errors = transfer.check_rows("request", rows)
    check_s = time.perf_counter() - started
    preview = transfer.Preview(kind="request", lines=lines)
    session = SessionStore()
    started = time.perf_counter()
    transfer.store_preview(session, preview, header("pieces"))
    session.save()
    store_s = time.perf_counter() - started
    started = time.perf_counter()
    stored = SessionStore(session.session_key)[transfer.SESSION_KEY]
    again = transfer.recheck(stored)
    recheck_s = time.perf_counter() - started
    assert again.ok
    print(
        f"\npieces: read XLSX {read_s:.2f} s, check rows {check_s:.2f} s, keep in session {store_s:.2f} s "
        f"({len(session.encode(dict(session.items()))) // 1024} kB stored), load + check again {recheck_s:.2f} s"
    )


def profile_service(lines: int, seed: int) -> None:
    from aidx.assistance.services import LineInput

    rng = random.Random(seed)
    codes = list(Item.objects.values_list("code", flat=True))
    inputs = [
        LineInput(item=rng.choice(codes), quantity=rng.randint(1, 50_000), notes=f"row {n}") for n in range(lines)
    ]
    actor = User.objects.get(username="italy")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    services.request_create(
        actor=actor,
        title="profiled",
        needed_by=timezone.localdate() + dt.timedelta(days=14),
        delivery_site="bergamo-hospital",
        lines=inputs,
    )
    profiler.disable()
    print(f"\nrequest_create with {lines} lines alone: {time.perf_counter() - started:.2f} s; top 15 by own time:")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(12)
    stats.sort_stats("cumulative").print_stats(r"aidx/|bulk_create|models/base.py.*__init__|execute", 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load("covid-2020", say=lambda _message: None)
    print(f"migrate + covid-2020 catalogue: {time.perf_counter() - started:.1f} s")
    setup_test_environment()  # so that a response carries its template context
    logging.getLogger("django.request").setLevel(logging.ERROR)  # a refused file is a 400 we expect
    client = Client()
    client.force_login(User.objects.get(username="italy"))
    shipped_limit = services.MAX_LINES

    results = [run_case(client, "valid, limit as shipped", xlsx(args.lines, args.seed), expect_ok=True)]
    services.MAX_LINES = max(shipped_limit, args.lines)  # read at call time by the service and the import
    try:
        results.append(run_case(client, "valid, limit raised", xlsx(args.lines, args.seed), expect_ok=True))
        results.append(
            run_case(client, "one bad row", xlsx(args.lines, args.seed, bad_row=args.lines // 2 + 37), expect_ok=True)
        )
        pieces(xlsx(args.lines, args.seed))
        if args.profile:
            profile_service(args.lines, args.seed)
    finally:
        services.MAX_LINES = shipped_limit

    print(f"\n{args.lines} request lines per XLSX file; services.MAX_LINES as shipped = {shipped_limit}")
    columns = (
        "case",
        "kb",
        "status",
        "upload_s",
        "upload_cpu",
        "upload_q",
        "bad_rows",
        "first_bad",
        "apply_s",
        "apply_cpu",
        "apply_q",
        "rows_written",
        "records_written",
        "audit_written",
    )
    print(" | ".join(f"{c:>24}" if c == "case" else f"{c:>9}" for c in columns))
    for result in results:
        cells = []
        for column in columns:
            value = result[column]
            if isinstance(value, float):
                value = f"{value:.2f}"
            elif value is None:
                value = "-"
            cells.append(f"{value!s:>24}" if column == "case" else f"{value!s:>9}")
        print(" | ".join(cells))
    for result in results:
        if result["problems"]:
            print(f"  {result['case']}: {result['problems']}")
    print("upload = read + check every row + keep the preview + render it; apply = check again + request_create")
    print("_s = wall seconds, _cpu = CPU seconds of this process (with SQLite, all the work), _q = queries")


if __name__ == "__main__":
    main()
