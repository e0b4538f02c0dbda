"""Loading a named scenario from scenarios/<name>/: each domain app loads its own file, in dependency order.

Loading is idempotent: a second load finds everything in place and writes nothing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

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
]


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
