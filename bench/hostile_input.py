"""Benchmark of hostile input (#11, defect 7): how long, and how much memory, the server spends to refuse it.

    .venv/bin/python bench/hostile_input.py [--unpacked-mb 190]

Runs against a throwaway SQLite database (AIDX_VAR_DIR is a temporary folder; migrations run and the covid-2020
scenario is loaded first); the demo point of contact for Italy sends each case through the web views.

Cases:
  XLSX, shared strings unpack to N MB   a valid spreadsheet packed into a few hundred KB (the issue's: 485 KB -> 190 MB)
  ... a little under MAX_XLSX_PART_BYTES  the same shape, inside the bytes but with millions of elements
  ... a little under MAX_XLSX_ELEMENTS    the same shape, inside every bound: read to the end (the worst accepted)
  form, lines-TOTAL_FORMS=100000        a 300-byte POST to the request form
Prints the seconds, the peak Python memory (tracemalloc) and the size of the answer; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidx.settings")
os.environ.setdefault("AIDX_VAR_DIR", tempfile.mkdtemp(prefix="aidx-bench-hostile-"))
os.environ.setdefault("AIDX_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from aidx.accounts.models import User  # noqa: E402
from aidx.assistance import transfer  # noqa: E402
from aidx.assistance.tests.hostile import shared_strings_bomb  # noqa: E402
from aidx.core.scenario import load  # noqa: E402

MB = 1024 * 1024


def measure(send: Callable[[], object]) -> tuple[float, float, object]:
    """Seconds (a plain run) and peak MB of Python memory (a second run under tracemalloc, which is much slower)."""
    started = time.perf_counter()
    answer = send()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    send()
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return seconds, peak, answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unpacked-mb", type=int, default=190, help="what the bomb's shared strings unpack to")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the refusals are logged one per line; the table is the output
    setup_test_environment()
    call_command("migrate", verbosity=0)
    load("covid-2020", say=lambda _message: None)
    client = Client()
    client.force_login(User.objects.get(username="italy"))
    header = {"title": "Bench", "needed_by": "2020-04-30", "delivery_site": "lirf", "releasability": "allies"}

    def upload(content: bytes) -> tuple[int, Callable[[], object]]:
        def send() -> object:
            file = SimpleUploadedFile("lines.xlsx", content)
            return client.post("/exchange/transfer/import/request/", {**header, "file": file})

        return len(content), send

    form = {"title": "Many", "lines-TOTAL_FORMS": "100000", "lines-INITIAL_FORMS": "0"}
    inside_bytes = (transfer.MAX_XLSX_PART_BYTES - MB) // MB
    # <si><t>filler</t></si>: 22 bytes, two elements
    inside_elements = (transfer.MAX_XLSX_ELEMENTS // 2 - 10_000) * 22 // MB
    cases = [
        (f"XLSX, shared strings unpack to {args.unpacked_mb} MB", *upload(shared_strings_bomb(args.unpacked_mb * MB))),
        (f"XLSX, shared strings unpack to {inside_bytes} MB", *upload(shared_strings_bomb(inside_bytes * MB))),
        (f"XLSX, shared strings unpack to {inside_elements} MB", *upload(shared_strings_bomb(inside_elements * MB))),
        ("form, lines-TOTAL_FORMS=100000", 300, lambda: client.post("/exchange/requests/new/", form)),
    ]
    client.get("/exchange/requests/new/")  # the first request of the process compiles templates: not measured
    print(f"{'case':<42} {'sent':>8} {'status':>6} {'seconds':>8} {'peak MB':>8} {'answer':>9}")
    for label, sent, send in cases:
        seconds, peak, answer = measure(send)
        status, content = answer.status_code, answer.content  # type: ignore[attr-defined]
        answered = len(content) / 1024
        print(f"{label:<42} {sent / 1024:>5.0f} KB {status:>6} {seconds:>8.2f} {peak:>8.1f} {answered:>6.0f} KB")


if __name__ == "__main__":
    main()
