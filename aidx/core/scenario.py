"""Loading a named scenario from scenarios/<name>/: each domain app loads its own file, in dependency order.

Loading is idempotent: a second load finds everything in place and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction

SCENARIOS_DIR = settings.BASE_DIR / "scenarios"

# (file in the scenario folder, module with `load(data, report)`), in the order they depend on each other.
STEPS: list[tuple[str, str]] = [
    ("registry.json", "aidx.nations.scenario"),
    ("catalogue.json", "aidx.catalogue.scenario"),
    ("accounts.json", "aidx.accounts.scenario"),
    ("documents.json", "aidx.documents.scenario"),
    ("exchange.json", "aidx.assistance.scenario"),
    ("logistics.json", "aidx.logistics.scenario"),
    ("stockpile.json", "aidx.stockpile.scenario"),
    ("fund.json", "aidx.fund.scenario"),
    ("matching.json", "aidx.matching.scenario"),
    ("preparedness.json", "aidx.preparedness.scenario"),
    ("resilience.json", "aidx.resilience.scenario"),
]


def on_day(day: dt.date) -> dt.datetime:
    """A scenario's date as a timestamp: noon UTC, the same calendar day in every time zone from UTC−11 to UTC+11."""
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)


def backdate(model: type[models.Model], pk: Any, **business_dates: dt.datetime | None) -> None:
    """Give a record loaded from a scenario the dates of its history (created, submitted, decided, shipped ...).

    Services stamp a transition with the time it is made, and `auto_now_add` / `auto_now` fields ignore any value
    given on save, so replaying 2020 through the services dates every record on the day of loading. An UPDATE of
    those columns is the one write that neither touches. The audit log is left as it is: its entries say, honestly,
    when each record entered this database and by which service; the record's own dates say when it happened."""
    model._default_manager.filter(pk=pk).update(**{k: v for k, v in business_dates.items() if v is not None})


def available() -> list[str]:
    return sorted(p.name for p in SCENARIOS_DIR.iterdir() if p.is_dir() and (p / STEPS[0][0]).exists())


def load(name: str, *, say: Callable[[str], Any] = print) -> dict[str, int]:
    """Load scenario `name`; returns how many records each step created or changed."""
    folder = SCENARIOS_DIR / name
    if name not in available():
        raise FileNotFoundError(f"No scenario named {name!r}; there are: {', '.join(available())}")
    counts: dict[str, int] = {}
    with transaction.atomic():
        for filename, module in STEPS:
            path: Path = folder / filename
            if not path.exists():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            changed = importlib.import_module(module).load(data)
            counts[filename.removesuffix(".json")] = changed
            say(f"{filename}: {changed} created or changed")
    return counts


def accounts(name: str) -> dict[str, Any]:
    """The demo accounts of scenario `name`, as its accounts.json lists them."""
    if name not in available():
        raise FileNotFoundError(f"No scenario named {name!r}; there are: {', '.join(available())}")
    return json.loads((SCENARIOS_DIR / name / "accounts.json").read_text(encoding="utf-8"))


def account_summary(user: dict[str, Any]) -> str:
    """'ITA             poc, logistics' — whom a demo account speaks for (nation or organisation), and its roles."""
    who = user.get("nation") or user.get("organisation") or "—"
    return f"{who:<15} {', '.join(user.get('roles', []))}"
