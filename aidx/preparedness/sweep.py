"""Preparedness for the need-to-know sweep (aidx/core/sweep.py): plans, standby pledges, declared own stock, wave
scenarios and simulation runs, and every page, export, chart and API answer that shows them.

The rules: a plan, a scenario, a pledge and a nation's own stock follow their releasability (own stock is released
to no one: its nation and the centre). A pledge shows its plan (name, link), so it is seen only with its plan; a
run shows its plan and scenario and what its runner saw, and is released to no one: its runner's nation (or
organisation) and the centre.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aidx.core.sweep import AtFirst, Who, exempt, id_base, subject, surface, xlsx_text
from aidx.nations.policy import may_see
from aidx.preparedness.models import OwnStock, Plan, Pledge, SimulationRun, WaveScenario


def sees_plan(who: Who, plan: Plan) -> bool:
    return may_see(who.viewer, plan)


def sees_pledge(who: Who, pledge: Pledge) -> bool:
    return may_see(who.viewer, pledge) and sees_plan(who, pledge.plan)


def sees_own_stock(who: Who, stock: OwnStock) -> bool:
    return may_see(who.viewer, stock)


def sees_scenario(who: Who, scenario: WaveScenario) -> bool:
    return may_see(who.viewer, scenario)


def sees_run(who: Who, run: SimulationRun) -> bool:
    return may_see(who.viewer, run) and sees_plan(who, run.plan) and sees_scenario(who, run.scenario)


subject("preparedness.plan", Plan, sees_plan)
subject("preparedness.pledge", Pledge, sees_pledge)
subject("preparedness.own_stock", OwnStock, sees_own_stock)
subject("preparedness.scenario", WaveScenario, sees_scenario)
subject("preparedness.run", SimulationRun, sees_run)


def _by_id(prefix: str, suffix: str = "") -> Callable[[Any], str]:
    return lambda record: f"{prefix}{record.pk}{suffix}"


def _in_first_plan(pledge: Pledge) -> bool:
    return bool(pledge.plan_id == id_base("preparedness.plan"))


FIRST_PLAN = "/preparedness/plans/{pk}/"

# --- pages -------------------------------------------------------------------------------------------------------

surface(
    "preparedness.plans",
    "page",
    ["preparedness:plans"],
    "/preparedness/",
    lists={"preparedness.plan": None, "preparedness.scenario": None, "preparedness.run": None},
)
ROW = re.compile(r'data-plan="(\d+)" data-pledges="(\d+)"')


def _pledge_counts(body: bytes) -> dict[str, Any]:
    return {plan: int(count) for plan, count in ROW.findall(body.decode())}


def pledge_counts_expected(visible: Callable[..., list[Any]], who: Who) -> dict[str, Any]:
    """The plans page counts, per plan the user sees, the pledges of it the user sees: never a hidden one."""
    pledges = visible("preparedness.pledge")
    return {str(plan.pk): sum(p.plan_id == plan.pk for p in pledges) for plan in visible("preparedness.plan")}


surface(
    "preparedness.plan_pledge_counts",
    "figures",
    [],
    "/preparedness/",
    tally=_pledge_counts,
    expect=pledge_counts_expected,
)
surface(
    "preparedness.plan", "detail", ["preparedness:plan"], _by_id("/preparedness/plans/", "/"), per="preparedness.plan"
)
# The first plan of the world, as everyone sees it: its pledges (and runs) in full.
surface(
    "preparedness.first_plan",
    "page",
    [],
    AtFirst("preparedness.plan", FIRST_PLAN),
    lists={"preparedness.pledge": _in_first_plan},
)
for _fmt, _read in (("csv", None), ("xlsx", xlsx_text)):
    surface(
        f"preparedness.pledge_export_{_fmt}",
        "export",
        ["preparedness:pledge_export"],
        AtFirst("preparedness.plan", FIRST_PLAN + f"pledges.{_fmt}"),
        lists={"preparedness.pledge": _in_first_plan},
        read=_read,
    )
surface(
    "preparedness.pledge_export",
    "export",
    [],
    _by_id("/preparedness/plans/", "/pledges.csv"),
    per="preparedness.plan",
    marked=False,
)
surface(
    "preparedness.pledge_import",
    "form",
    ["preparedness:pledge_import"],
    _by_id("/preparedness/plans/", "/import/"),
    per="preparedness.plan",
)
# A new plan and a new wave scenario: forms for the centre's coordinators (403 for anyone else) that show no record.
surface("preparedness.plan_form", "form", ["preparedness:plan_create"], "/preparedness/plans/new/")
surface("preparedness.scenario_form", "form", ["preparedness:scenario_create"], "/preparedness/scenarios/new/")
# The scenario form opened from a plan's page starts from the plan's incident and leads back to the plan: only for
# someone who may see the plan.
surface(
    "preparedness.scenario_form_for_plan",
    "form",
    [],
    _by_id("/preparedness/scenarios/new/?plan="),
    per="preparedness.plan",
)
surface(
    "preparedness.pledge",
    "detail",
    ["preparedness:pledge"],
    _by_id("/preparedness/pledges/", "/"),
    per="preparedness.pledge",
)
surface("preparedness.run", "detail", ["preparedness:run"], _by_id("/preparedness/runs/", "/"), per="preparedness.run")
surface("preparedness.run_print", "detail", [], _by_id("/preparedness/runs/", "/?print=1"), per="preparedness.run")
surface(
    "preparedness.run_progress",
    "detail",
    ["preparedness:run_progress"],
    _by_id("/preparedness/runs/", "/progress/"),
    per="preparedness.run",
    marked=False,
)
for _fmt, _read in (("csv", None), ("xlsx", xlsx_text)):
    surface(
        f"preparedness.run_export_{_fmt}",
        "export",
        ["preparedness:run_export"],
        _by_id("/preparedness/runs/", f"/export.{_fmt}"),
        per="preparedness.run",
        marked=False,
        read=_read,
    )
# Two runs side by side: a run compared with itself, so the answer is found exactly when the user sees the run.
surface(
    "preparedness.compare",
    "detail",
    ["preparedness:compare"],
    lambda run: f"/preparedness/runs/compare/?a={run.pk}&b={run.pk}",
    per="preparedness.run",
)

# --- API -----------------------------------------------------------------------------------------------------------

surface(
    "preparedness.api_plans",
    "api-list",
    ["api:plan_list"],
    "/api/v1/preparedness/plans?page_size=100",
    api=True,
    counted=True,
    lists={"preparedness.plan": None},
)
surface(
    "preparedness.api_plan",
    "api-detail",
    ["api:plan_detail"],
    _by_id("/api/v1/preparedness/plans/"),
    per="preparedness.plan",
    api=True,
)
surface(
    "preparedness.api_first_plan_pledges",
    "api-list",
    ["api:pledge_list"],
    AtFirst("preparedness.plan", "/api/v1/preparedness/plans/{pk}/pledges?page_size=100"),
    api=True,
    counted=True,
    lists={"preparedness.pledge": _in_first_plan},
)
surface(
    "preparedness.api_plan_pledges",
    "api-list",
    [],
    _by_id("/api/v1/preparedness/plans/", "/pledges?page_size=100"),
    per="preparedness.plan",
    api=True,
    marked=False,
)
surface(
    "preparedness.api_pledge",
    "api-detail",
    ["api:pledge_detail"],
    _by_id("/api/v1/preparedness/pledges/"),
    per="preparedness.pledge",
    api=True,
)
surface(
    "preparedness.api_scenarios",
    "api-list",
    ["api:scenario_list"],
    "/api/v1/preparedness/scenarios?page_size=100",
    api=True,
    counted=True,
    lists={"preparedness.scenario": None},
)
surface(
    "preparedness.api_runs",
    "api-list",
    ["api:run_list"],
    "/api/v1/preparedness/runs?page_size=100",
    api=True,
    counted=True,
    lists={"preparedness.run": None},
)
surface(
    "preparedness.api_run",
    "api-detail",
    ["api:run_detail"],
    _by_id("/api/v1/preparedness/runs/"),
    per="preparedness.run",
    api=True,
)


WRITES = "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)"
exempt(
    WRITES,
    "preparedness:plan_action",
    "preparedness:pledge_action",
    "preparedness:run_action",
    "api:plan_create",
    "api:plan_rates",
    "api:plan_agree",
    "api:plan_new_version",
    "api:pledge_create",
    "api:pledge_withdraw",
    "api:pledge_activate",
    "api:scenario_create",
    "api:run_start",
    "api:run_cancel",
    "api:run_rerun",
)
