"""Helpers for the tests that start real `aidx worker` processes against the test database."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

AIDX = str(pathlib.Path(sys.executable).with_name("aidx"))


def database_env(tmp_path: pathlib.Path) -> dict[str, str]:
    """The environment of a process that uses this test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["AIDX_ENV"] = "embedded"
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        env.pop("DATABASE_URL", None)
        env["AIDX_VAR_DIR"] = str(tmp_path)
        subprocess.run([AIDX, "migrate", "-v0"], env=env, check=True, timeout=300)
    return env


def wait(condition: Callable[[], Any], timeout: float, what: str = "") -> float:
    """Poll `condition` every 0.2 s until it is true; the seconds it took. Fails after `timeout`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.2)
    return time.monotonic() - start


def stop(process: subprocess.Popen[Any] | None) -> None:
    """End a worker process group that a test started (SIGTERM, then SIGKILL)."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
