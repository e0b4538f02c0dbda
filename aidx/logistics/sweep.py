"""The airlift for the need-to-know sweep (aidx/core/sweep.py): missions and their manifests, deployments, plan runs.

A mission is seen by the centre, its aircraft's owner (every member nation of its pool) and the nations whose
allocations are on board. Its manifest shows an allocation only to who may see that allocation (its two parties
and the centre): a mission page is one record shown inside another (issue #11).
"""

from __future__ import annotations

from typing import Any

from aidx.assistance.sweep import sees_allocation
from aidx.core.sweep import Who, exempt, json_of, subject, surface, xlsx_text
from aidx.logistics.models import Deployment, Mission, PlanRun
from aidx.nations.policy import owned_by


def sees_mission(who: Who, mission: Mission) -> bool:
    viewer = who.viewer
    aircraft = mission.aircraft
    if viewer.is_centre or owned_by(viewer, aircraft):  # type: ignore[arg-type]
        return True
    if aircraft.pool is not None and aircraft.pool.memberships.filter(nation_id=viewer.nation).exists():
        return True
    return any(sees_allocation(who, load.allocation) for load in mission.loads.all())


def sees_deployment(who: Who, deployment: Deployment) -> bool:
    return sees_allocation(who, deployment.allocation)


def sees_plan_run(who: Who, run: PlanRun) -> bool:
    return who.viewer.is_centre or owned_by(who.viewer, run)  # type: ignore[arg-type]


subject("logistics.mission", Mission, sees_mission)
subject("logistics.deployment", Deployment, sees_deployment)
subject("logistics.planrun", PlanRun, sees_plan_run)

surface("logistics.missions", "page", ["logistics:missions"], "/logistics/", lists={"logistics.mission": None})
surface(
    "logistics.mission",
    "manifest",
    ["logistics:mission"],
    lambda m: f"/logistics/missions/{m.pk}/",
    per="logistics.mission",
)
surface("logistics.mission_form", "form", ["logistics:mission_create"], "/logistics/missions/new/")
surface("logistics.fleet", "page", ["logistics:fleet"], "/logistics/fleet/")
surface("logistics.aircraft_form", "form", ["logistics:aircraft_create"], "/logistics/fleet/new/")
surface("logistics.planner", "page", ["logistics:planner"], "/logistics/planner/", lists={"logistics.planrun": None})
surface("logistics.run", "detail", ["logistics:run"], lambda r: f"/logistics/planner/{r.pk}/", per="logistics.planrun")
surface(
    "logistics.run_progress",
    "detail",
    ["logistics:run_progress"],
    lambda r: f"/logistics/planner/{r.pk}/progress/",
    per="logistics.planrun",
)
surface(
    "logistics.deployments",
    "page",
    ["logistics:deployments"],
    "/logistics/deployments/",
    lists={"logistics.deployment": None},
)
surface(
    "logistics.deployment",
    "detail",
    ["logistics:deployment"],
    lambda d: f"/logistics/deployments/{d.pk}/",
    per="logistics.deployment",
)
surface(
    "logistics.deployment_record",
    "form",
    ["logistics:deployment_record"],
    lambda d: f"/logistics/deployments/{d.pk}/record/",
    per="logistics.deployment",
)
surface("logistics.deployment_form", "form", ["logistics:deployment_create"], "/logistics/deployments/new/")

surface(
    "logistics.api_missions",
    "api-list",
    ["api:missions"],
    "/api/v1/logistics/missions?page_size=100",
    api=True,
    counted=True,
    lists={"logistics.mission": None},
)
surface(
    "logistics.api_mission",
    "manifest",
    ["api:mission"],
    lambda m: f"/api/v1/logistics/missions/{m.pk}",
    per="logistics.mission",
    api=True,
)
surface("logistics.api_aircraft", "api-list", ["api:aircraft"], "/api/v1/logistics/aircraft?page_size=100", api=True)
surface("logistics.api_pools", "api-list", ["api:pools"], "/api/v1/logistics/pools", api=True)
surface(
    "logistics.api_run",
    "api-detail",
    ["api:plan_run"],
    lambda r: f"/api/v1/logistics/plan-runs/{r.pk}",
    per="logistics.planrun",
    api=True,
)
surface(
    "logistics.api_deployments",
    "api-list",
    ["api:deployments"],
    "/api/v1/logistics/deployments?page_size=100",
    api=True,
    counted=True,
    lists={"logistics.deployment": None},
)
surface(
    "logistics.api_deployment",
    "api-detail",
    ["api:deployment"],
    lambda d: f"/api/v1/logistics/deployments/{d.pk}",
    per="logistics.deployment",
    api=True,
)


def _figures(body: bytes) -> dict[str, Any]:
    answer = json_of(body)
    return {key: answer[key] for key in ("missions", "deployments")}


def figures_expected(visible: Any, who: Who) -> dict[str, Any]:
    return {
        "missions": sum(m.status != Mission.Status.CANCELLED for m in visible("logistics.mission")),
        "deployments": sum(d.status not in ("planned", "cancelled") for d in visible("logistics.deployment")),
    }


surface(
    "logistics.api_figures",
    "figures",
    ["api:figures"],
    "/api/v1/logistics/figures",
    api=True,
    tally=_figures,
    expect=figures_expected,
)

exempt(
    "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)",
    "logistics:mission_action",
    "logistics:run_action",
    "logistics:deployment_action",
    "api:mission_create",
    "api:mission_approve",
    "api:mission_cancel",
    "api:leg_depart",
    "api:leg_land",
    "api:receipt",
    "api:plan_run_start",
    "api:plan_run_cancel",
    "api:plan_run_approve",
    "api:deployment_arrive",
    "api:deployment_return",
    "api:deployment_cancel",
)

# The list pages as files (core.exports.for_list): the same rows as the page.
surface("logistics.missions_hxl", "export", [], "/logistics/?format=hxl", lists={"logistics.mission": None})
surface(
    "logistics.missions_xlsx",
    "export",
    [],
    "/logistics/?format=xlsx",
    lists={"logistics.mission": None},
    read=xlsx_text,
)
surface(
    "logistics.deployments_hxl",
    "export",
    [],
    "/logistics/deployments/?format=hxl",
    lists={"logistics.deployment": None},
)
