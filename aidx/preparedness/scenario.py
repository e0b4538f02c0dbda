"""Preparedness part of a scenario: the operational plan (agreed), its consumption rates, standby pledges, the
nations' declared own stock, wave scenarios, and one simulation run solved at load time so the demo shows a
result at once. Loading twice changes nothing: records carry a scenario key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aidx.accounts.models import User
from aidx.core.actors import SYSTEM
from aidx.nations.models import Nation
from aidx.preparedness import runs, services
from aidx.preparedness.models import OwnStock, Plan, Pledge, SimulationRun, WaveScenario


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def load(data: dict[str, Any]) -> int:
    prefix = data["key"] + "/"
    changed = 0
    plans: dict[str, Plan] = {}
    for entry in data.get("plans", []):
        key = prefix + entry["key"]
        plan = Plan.objects.filter(scenario_key=key).first()
        if plan is None:
            plan = services.plan_create(
                actor=SYSTEM,
                name=entry["name"],
                incident=entry["incident"],
                valid_from=dt.date.fromisoformat(entry["valid_from"]),
                valid_until=_day(entry.get("valid_until")),
                notes=entry.get("notes", ""),
                fund_lead_days=entry.get("fund_lead_days", 30),
                scenario_key=key,
            )
            services.rates_set(
                actor=SYSTEM, plan=plan, rates=[services.RateInput(**rate) for rate in entry.get("rates", [])]
            )
            if entry.get("agreed"):
                services.plan_agree(actor=SYSTEM, plan=plan)
            changed += 1
        plans[entry["key"]] = plan
    for number, entry in enumerate(data.get("pledges", [])):
        key = f"{prefix}pledge-{number}"
        if Pledge.objects.filter(scenario_key=key).exists():
            continue
        services.pledges_create(
            actor=SYSTEM,
            plan=plans[entry["plan"]],
            nation=Nation.objects.get(pk=entry["nation"]),
            pledges=[
                services.PledgeInput(
                    item=entry.get("item"),
                    capability=entry.get("capability"),
                    quantity=entry["quantity"],
                    notice_days=entry["notice_days"],
                    origin_site=entry["origin_site"],
                    valid_from=_day(entry["valid_from"]),
                    valid_until=_day(entry.get("valid_until")),
                    terms=entry.get("terms", "donation"),
                    notes=entry.get("notes", ""),
                )
            ],
            releasability=entry.get("releasability", "allies_partners"),
            release_to=entry.get("release_to"),
            illustrative=entry.get("illustrative", True),
            scenario_keys=[key],
        )
        changed += 1
    for entry in data.get("own_stock", []):
        if not OwnStock.objects.filter(owner_nation_id=entry["nation"], item__code=entry["item"]).exists():
            services.own_stock_declare(
                actor=SYSTEM,
                nation=Nation.objects.get(pk=entry["nation"]),
                item=entry["item"],
                quantity=entry["quantity"],
                as_of=_day(entry.get("as_of")),
            )
            changed += 1
    waves: dict[str, WaveScenario] = {}
    for entry in data.get("waves", []):
        key = prefix + entry["key"]
        wave = WaveScenario.objects.filter(scenario_key=key).first()
        if wave is None:
            wave = services.scenario_create(
                actor=SYSTEM,
                name=entry["name"],
                incident=entry["incident"],
                start=dt.date.fromisoformat(entry["start"]),
                horizon_days=entry.get("horizon_days", 180),
                parameters=entry["parameters"],
                source=entry.get("source", ""),
                illustrative=entry.get("illustrative", True),
                scenario_key=key,
            )
            changed += 1
        waves[entry["key"]] = wave
    coordinator = User.objects.filter(username=data.get("coordinator", "coordinator"), is_active=True).first()
    for entry in data.get("runs", []):
        plan, wave = plans[entry["plan"]], waves[entry["wave"]]
        if coordinator is None or SimulationRun.objects.filter(plan=plan, scenario=wave).exists():
            continue
        run = services.run_start(actor=coordinator, plan=plan, scenario=wave, runs=entry.get("runs", 200), seed=1)
        runs.run_execute(run.pk)  # here rather than on the worker, so the demo shows a result at once
        changed += 1
    return changed
