"""`make demo`: its banner lists every demo account, and Ctrl-C stops it cleanly.

The recipe runs with a stand-in for the `aidx` command (AIDX=...), so the test exercises the Makefile's own shell
without migrating or serving: the stand-in's server and worker wait for a signal as the real ones do.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)

STAND_IN = """#!{python}
import signal, sys, time
if sys.argv[1] in ("runserver", "worker"):
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(sys.argv[1], "started", flush=True)
    while True:
        time.sleep(0.1)
"""


def test_it_lists_every_demo_account_of_the_scenario():
    out = StringIO()
    call_command("scenario", "accounts", "covid-2020", stdout=out)
    accounts = json.loads((ROOT / "scenarios" / "covid-2020" / "accounts.json").read_text())["users"]
    assert len(accounts) == 15
    listed = [line.split()[0] for line in out.getvalue().splitlines()[1:]]
    assert listed == [account["username"] for account in accounts]
    demo = (ROOT / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "scenario accounts covid-2020" in demo and "italy" not in demo  # no copy of the list in the Makefile


def _reset_signals() -> None:  # as a terminal starts a job: Ctrl-C not ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def test_it_stops_on_ctrl_c_without_a_crash(tmp_path):
    aidx = tmp_path / "aidx"
    aidx.write_text(STAND_IN.format(python=sys.executable))
    aidx.chmod(0o755)
    make = subprocess.Popen(
        ["make", "--no-print-directory", "-o", "install-runtime", "demo", f"AIDX={aidx}", "PORT=8013"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_reset_signals,
    )
    try:
        deadline = time.monotonic() + 30
        seen = ""
        while seen.count("started") < 2 and time.monotonic() < deadline:
            ready, _, _ = select.select([make.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = make.stdout.readline() if ready else ""  # type: ignore[union-attr]
            if not line:
                break
            seen += line
        assert seen.count("started") == 2, seen
        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        output, _ = make.communicate(timeout=30)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
    assert "Segmentation fault" not in output and "Terminated" not in output, output
    leftover = subprocess.run(["pgrep", "-f", str(aidx)], capture_output=True, text=True).stdout
    assert leftover == "", "the worker or the server outlived make"
