"""Matching part of a scenario: one run over what is open at load time, solved at once, left for review."""

from __future__ import annotations

from typing import Any

from aidx.accounts.models import User
from aidx.matching import runs, services
from aidx.matching.models import MatchRun


def load(data: dict[str, Any]) -> int:
    coordinator = User.objects.filter(username=data.get("coordinator", "coordinator"), is_active=True).first()
    if coordinator is None or MatchRun.objects.filter(scope__scenario=data["key"]).exists():
        return 0
    run = services.run_start(
        actor=coordinator,
        mode=data.get("mode", "priority"),
        scope={**data.get("scope", {}), "scenario": data["key"]},
        time_limit=60,
    )
    # Solved here rather than on the worker, so the demo shows a reviewed result as soon as it starts.
    runs.run_execute(run.pk)
    return 1
