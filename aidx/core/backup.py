"""Backups of the whole database, and restoring one: `aidx backup` and `aidx restore` (README, Production).

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, taken while aidx runs) and `pg_restore` into the
configured database (made empty first: `--clean --if-exists`, in one transaction, stopping at the first error).
SQLite: SQLite's online backup, page by page, into a file (consistent while aidx runs), and back.

After a restore, `aidx stock check` and `aidx fund check` prove the ledgers came back whole.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone


class BackupError(Exception):
    pass


def _database(alias: str) -> tuple[str, dict[str, Any]]:
    return connections[alias].vendor, connections[alias].settings_dict


def _pg_args(config: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore; the password through the environment, never the command line."""
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if config.get(key):
            args += [option, str(config[key])]
    env = {**os.environ}
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 (no shell)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def default_path(vendor: str) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    folder = Path(settings.VAR_DIR) / "backups"
    return folder / f"aidx-{stamp}.{'dump' if vendor == 'postgresql' else 'sqlite3'}"


def backup(path: Path | None = None, *, alias: str = "default") -> Path:
    """Write the whole database to `path` (default: var/backups/aidx-<UTC time>.dump or .sqlite3)."""
    vendor, config = _database(alias)
    path = Path(path) if path is not None else default_path(vendor)
    path.parent.mkdir(parents=True, exist_ok=True)
    if vendor == "postgresql":
        args, env = _pg_args(config)
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), *args, config["NAME"]], env)
    elif vendor == "sqlite":
        connection = connections[alias]
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
    else:
        raise BackupError(f"No backup for a {vendor} database.")
    return path


def restore(path: Path, *, alias: str = "default") -> None:
    """Replace everything in the configured database with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    vendor, config = _database(alias)
    if vendor == "postgresql":
        connections[alias].close()  # no session of ours holds a lock on what is dropped
        args, env = _pg_args(config)
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges"]
        command += ["--single-transaction", "--exit-on-error", *args, "--dbname", config["NAME"], str(path)]
        _run(command, env)
    elif vendor == "sqlite":
        connection = connections[alias]
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        source.close()
    else:
        raise BackupError(f"No restore for a {vendor} database.")
