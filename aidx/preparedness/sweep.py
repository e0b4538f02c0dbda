"""Preparedness for the need-to-know sweep (aidx/core/sweep.py): the lists of plans and their scenarios are scanned
for any record of the world a user may not see; plans, standby pledges and what-if runs are not yet subjects of
the sweep's world (their pages are exempt below, with that reason)."""

from __future__ import annotations

from aidx.core.sweep import exempt, surface

surface("preparedness.plans", "page", ["preparedness:plans"], "/preparedness/")
surface("preparedness.compare", "page", ["preparedness:compare"], "/preparedness/runs/compare/")
surface("preparedness.api_plans", "api-list", ["api:plan_list"], "/api/v1/preparedness/plans", api=True)
surface("preparedness.api_scenarios", "api-list", ["api:scenario_list"], "/api/v1/preparedness/scenarios", api=True)
exempt(
    "no plan, standby pledge or what-if run in the sweep's world yet (to do: make them subjects there)",
    "preparedness:plan",
    "preparedness:pledge",
    "preparedness:pledge_export",
    "preparedness:run",
    "preparedness:run_progress",
    "preparedness:run_export",
    "api:plan_detail",
    "api:pledge_list",
    "api:pledge_detail",
)
exempt(
    "a write, or a form that posts one: it answers only about a record the actor may act on",
    "preparedness:plan_action",
    "preparedness:pledge_action",
    "preparedness:pledge_import",
    "preparedness:run_action",
    "api:plan_create",
    "api:plan_rates",
    "api:plan_agree",
    "api:plan_new_version",
    "api:pledge_withdraw",
    "api:pledge_activate",
    "api:scenario_create",
    "api:run_rerun",
)
