"""`aidx backup` and `aidx restore`: a backup restored into a fresh database passes `aidx stock check` and
`aidx fund check` there, with every ledger row back (on the database the suite runs on: SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.db import connection

from aidx.assistance.tests.conftest import exchange  # noqa: F401 - fixtures the fund's builds on
from aidx.core.backup import BackupError, restore
from aidx.fund import services as fund
from aidx.fund.models import Posting, Transaction
from aidx.fund.tests.conftest import fund as fund_world  # noqa: F401
from aidx.stockpile.models import Entry, Lot
from aidx.stockpile.tests.conftest import stock  # noqa: F401

TABLES = {"stock entries": Entry, "lots": Lot, "fund transactions": Transaction, "postings": Posting}


def aidx(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    """The `aidx` command in its own process, on another database than the test's."""
    env = {**os.environ, "DATABASE_URL": database_url, "AIDX_ENV": "embedded"}
    return subprocess.run(
        [sys.executable, "-m", "aidx.cli", *args], env=env, capture_output=True, text=True, check=False, timeout=300
    )


def counts(database_url: str) -> dict[str, int]:
    """Row counts in the other database, read by `aidx shell` there."""
    code = "; ".join(
        [f"from {model.__module__} import {model.__name__}" for model in TABLES.values()]
        + [f"print({model.__name__}.objects.count())" for model in TABLES.values()]
    )
    done = aidx("shell", "-c", code, database_url=database_url)
    assert done.returncode == 0, done.stderr
    return dict(zip(TABLES, map(int, done.stdout.split()[-len(TABLES) :]), strict=True))


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database beside the test's: a new PostgreSQL database (dropped afterwards) or a new SQLite file."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    settings = connection.settings_dict
    name = f"aidx_restore_{uuid.uuid4().hex[:8]}"
    user = settings.get("USER") or "postgres"
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    admin = f"postgres://{user}{password}@{host}:{port}/postgres"
    with psycopg.connect(admin, autocommit=True) as admin_connection:
        admin_connection.execute(f'CREATE DATABASE "{name}"')
    yield urlparse(admin)._replace(path=f"/{name}").geturl()
    with psycopg.connect(admin, autocommit=True) as admin_connection:
        admin_connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _activity(world) -> None:
    """Stock received and released, money pledged, paid and spent on an order received into stock."""
    world.stock.lot("A-1", 40, days=200)
    world.stock.lot("B-2", 25, days=90, item="mask-ffp2")
    pledge = fund.pledge_create(actor=world.manager, nation="NOR", amount_minor=500_000_00, currency="EUR")
    fund.contribution_receive(actor=world.manager, pledge=pledge, amount_minor=300_000_00)
    order = fund.order_create(
        actor=world.manager,
        supplier="Supplier",
        currency="EUR",
        warehouse="taranto-warehouse",
        lines=[fund.OrderLineInput(item="mask-surgical", quantity=1000, unit_price_minor=50)],
    )
    fund.order_approve(actor=world.manager, order=order)
    fund.order_receive(actor=world.manager, order=order)


@pytest.mark.django_db(transaction=True)
def test_it_restores_a_backup_into_a_fresh_database_whose_ledgers_check(fund_world, fresh_database, tmp_path):  # noqa: F811
    _activity(fund_world)
    expected = {name: model.objects.count() for name, model in TABLES.items()}
    assert all(expected.values()), expected
    dump = tmp_path / "aidx.backup"
    call_command("backup", str(dump))
    assert dump.stat().st_size > 0

    restored = aidx("restore", "--noinput", str(dump), database_url=fresh_database)
    assert restored.returncode == 0, restored.stderr
    for check in (("stock", "check"), ("fund", "check")):
        done = aidx(*check, database_url=fresh_database)
        assert done.returncode == 0, done.stdout + done.stderr
    assert counts(fresh_database) == expected


@pytest.mark.django_db
def test_it_refuses_to_restore_what_is_not_there(tmp_path):
    with pytest.raises(BackupError):
        restore(Path(tmp_path / "missing.dump"))
