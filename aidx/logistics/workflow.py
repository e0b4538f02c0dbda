"""The life cycles of the airlift, and who may act on it: missions (and their legs), planner runs, deployments.

Relations of an actor (a signed-in person) to a record, in the airlift's words:

- "operator": the actor's nation (or organisation) owns the aircraft; for a pool's aircraft, the actor's nation
  is the pool member that tasked the mission (before a mission exists, any member may plan one: `may_operate`);
- "consignee": loads the mission unloaded for the actor's nation have landed, whole, and wait for its receipt;
- "party": the actor's nation offers or requested the allocation (of a load, or of a deployed team);
- "owner": the planner run was started by the actor, or for the actor's nation or organisation.

Legs are flown in order, one after the other, so a leg is never moved on its own: taking off and landing are the
mission's transitions (`depart`, `land`), and the services move the next leg with them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.assistance.models import Allocation
from aidx.core.workflow import OWNER, Rule, Transition, Workflow, admitted
from aidx.logistics.models import Aircraft, Deployment, Leg, Load, Mission, PlanRun

M = Mission.Status
P = PlanRun.Status
D = Deployment.Status
LIVE = (M.PLANNED, M.APPROVED, M.AIRBORNE, M.LANDED, M.COMPLETED)  # missions whose loads count as carried

OPERATOR = "operator"
CONSIGNEE = "consignee"
PARTY = "party"

COORDINATOR = Rule(roles={Role.COORDINATOR})
SYSTEM = Rule(system=True)  # the scenario loader replaying history, the worker running the planner
OPERATORS = (COORDINATOR, Rule(roles={Role.LOGISTICS}, relations={OPERATOR}))
PLANNERS = (Rule(roles={Role.LOGISTICS, Role.COORDINATOR}),)
# The allocation's own nations load it on a mission or deploy it (the centre any): the mission's operator still
# has to be its operator, the deployment's parties act for the team they sent or received.
LOADERS = (COORDINATOR, Rule(relations={PARTY}))
DEPLOYERS = (COORDINATOR, Rule(roles={Role.POINT_OF_CONTACT, Role.LOGISTICS}, relations={PARTY}))
RUN_OWNERS = (COORDINATOR, Rule(roles={Role.LOGISTICS}, relations={OWNER}))
# Confirming receipt delivers the allocations: the requesting nation's point of contact does it, as in the
# exchange (assistance.services.allocation_deliver).
CONSIGNEES = (Rule(roles={Role.POINT_OF_CONTACT, Role.COORDINATOR}, relations={CONSIGNEE}),)
REGISTRARS = (COORDINATOR, Rule(roles={Role.LOGISTICS}, relations={OWNER}))  # an aircraft's owner nation


# --- relations ---------------------------------------------------------------------------------------------------


def _owns(actor: Any, aircraft: Aircraft) -> bool:
    if aircraft.owner_nation_id:
        return aircraft.owner_nation_id == actor.acting_nation_id
    return aircraft.owner_organisation_id is not None and aircraft.owner_organisation_id == actor.organisation_id


def _pool_member(actor: Any, aircraft: Aircraft) -> bool:
    nation, pool = actor.acting_nation_id, aircraft.pool
    return pool is not None and nation is not None and pool.memberships.filter(nation_id=nation).exists()


def may_operate(actor: Any, aircraft: Aircraft) -> bool:
    """May `actor` plan a mission on `aircraft` (a pool member plans it for its own hours)?"""
    return admitted(
        (*OPERATORS, SYSTEM),
        actor,
        lambda: {OPERATOR} if _owns(actor, aircraft) or _pool_member(actor, aircraft) else set(),
    )


def may_task(actor: Any, nation: str) -> bool:
    """May `actor` have a pool's aircraft fly on `nation`'s flight hours (that nation then operates the mission)?"""
    return admitted((*OPERATORS, SYSTEM), actor, lambda: {OPERATOR} if nation == actor.acting_nation_id else set())


def may_plan(actor: Any) -> bool:
    """May `actor` plan missions, run the planner, register aircraft or deploy teams at all?"""
    return admitted(PLANNERS, actor)


def _parties(actor: Any, allocation: Allocation) -> set[str]:
    nation = actor.acting_nation_id
    offering = allocation.offer_line.offer.owner_nation_id
    requesting = allocation.request_line.request.owner_nation_id
    return {PARTY} if nation is not None and nation in (offering, requesting) else set()


def may_load(actor: Any, allocation: Allocation) -> bool:
    return admitted((*LOADERS, SYSTEM), actor, lambda: _parties(actor, allocation))


def may_deploy(actor: Any, allocation: Allocation) -> bool:
    return admitted((*DEPLOYERS, SYSTEM), actor, lambda: _parties(actor, allocation))


def may_register(actor: Any, owner_nation: str | None) -> bool:
    """May `actor` register an aircraft owned by `owner_nation` (None: an organisation's or a pool's)?"""
    return admitted(
        (*REGISTRARS, SYSTEM),
        actor,
        lambda: {OWNER} if owner_nation is not None and owner_nation == actor.acting_nation_id else set(),
    )


def may_register_pool(actor: Any) -> bool:
    return admitted((COORDINATOR, SYSTEM), actor)


def awaiting_receipt(mission: Mission, nation: str | None) -> Any:
    """The loads of `mission` unloaded for `nation` whose allocation has landed whole (on this mission or others)
    and is still shipped: what that nation's receipt would deliver."""
    if nation is None:
        return Load.objects.none()
    landed = (
        Load.objects.filter(
            allocation=OuterRef("allocation"),
            mission__status__in=LIVE,
            unload_leg__status=Leg.Status.LANDED,
        )
        .order_by()
        .values("allocation")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    return (
        Load.objects.filter(
            mission=mission,
            unload_leg__status=Leg.Status.LANDED,
            allocation__status=Allocation.Status.SHIPPED,
            allocation__request_line__request__owner_nation_id=nation,
        )
        .annotate(landed=Subquery(landed))
        .filter(landed__gte=F("allocation__quantity"))
    )


def _mission_relations(actor: Any, mission: Mission) -> set[str]:
    aircraft = mission.aircraft
    operator = _owns(actor, aircraft) or (
        aircraft.pool_id is not None
        and mission.tasked_by_id is not None
        and mission.tasked_by_id == actor.acting_nation_id
    )
    relations = {OPERATOR} if operator else set()
    if awaiting_receipt(mission, actor.acting_nation_id).exists():
        relations.add(CONSIGNEE)
    return relations


def _run_relations(actor: Any, run: PlanRun) -> set[str]:
    mine = (
        run.created_by_id == actor.pk
        or (run.owner_nation_id is not None and run.owner_nation_id == actor.acting_nation_id)
        or (run.owner_organisation_id is not None and run.owner_organisation_id == actor.organisation_id)
    )
    return {OWNER} if mine else set()


def _deployment_relations(actor: Any, deployment: Deployment) -> set[str]:
    return _parties(actor, deployment.allocation)


# --- missions ----------------------------------------------------------------------------------------------------


def _has_loads(mission: Mission) -> Any:
    return None if mission.loads.exists() else _("Nothing is on board.")


MISSION = Workflow(
    "logistics.mission",
    model=Mission,
    states=M,
    relations=_mission_relations,
    transitions=[
        Transition("approve", _("Approve"), source=[M.PLANNED], target=M.APPROVED, rules=[*OPERATORS, SYSTEM]),
        # loads come off only before approval: an approved mission's manifest is what the crew plans with
        Transition(
            "drop_load",
            _("take off the mission"),
            source=[M.PLANNED],
            target=M.PLANNED,
            rules=OPERATORS,
            guard=_has_loads,
        ),
        # the next leg takes off (the first, or the one after the leg that landed)
        Transition(
            "depart", _("Take off"), source=[M.APPROVED, M.LANDED], target=M.AIRBORNE, rules=[*OPERATORS, SYSTEM]
        ),
        # the leg in the air lands: the mission has landed, or completed when it was the last leg
        Transition("land", _("Land"), source=[M.AIRBORNE], target=None, rules=[*OPERATORS, SYSTEM]),
        # delivers the consignee's allocations; the mission's own state does not change
        Transition(
            "receipt",
            _("Confirm receipt"),
            source=[M.AIRBORNE, M.LANDED, M.COMPLETED],
            target=None,
            rules=CONSIGNEES,
        ),
        Transition(
            "cancel",
            _("Cancel the mission"),
            source=[M.PLANNED, M.APPROVED],
            target=M.CANCELLED,
            rules=OPERATORS,
            danger=True,
            inputs=[("reason", _("Reason"))],
        ),
    ],
)


# --- planner runs ------------------------------------------------------------------------------------------------


def _not_approved(run: PlanRun) -> Any:
    return _("The missions of this run are approved already.") if run.approved_at is not None else None


def _approvable(run: PlanRun) -> Any:
    if run.approved_at is not None:
        return _not_approved(run)
    if not any(not mission["dropped"] for mission in run.proposal.get("missions", [])):
        return _("No mission is left to approve.")
    return None


PLAN_RUN = Workflow(
    "logistics.plan_run",
    model=PlanRun,
    states=P,
    relations=_run_relations,
    transitions=[
        Transition("claim", _("Start"), source=[P.QUEUED], target=P.RUNNING, rules=[SYSTEM]),
        Transition("succeed", _("Ready for review"), source=[P.RUNNING], target=P.SUCCEEDED, rules=[SYSTEM]),
        # the engine failed, or the worker running it was lost (queued: lost before it started)
        Transition("fail", _("Fail"), source=[P.QUEUED, P.RUNNING], target=P.FAILED, rules=[SYSTEM]),
        # a running engine sees the cancel at its next progress report and stops
        Transition(
            "cancel", _("Cancel"), source=[P.QUEUED, P.RUNNING], target=P.CANCELLED, rules=RUN_OWNERS, danger=True
        ),
        Transition(
            "edit",
            _("Drop the ticked"),
            source=[P.SUCCEEDED],
            target=P.SUCCEEDED,
            rules=RUN_OWNERS,
            guard=_not_approved,
        ),
        Transition(
            "approve",
            _("Approve the missions"),
            source=[P.SUCCEEDED],
            target=P.SUCCEEDED,
            rules=RUN_OWNERS,
            guard=_approvable,
        ),
    ],
)


# --- deployments -------------------------------------------------------------------------------------------------

DEPLOYMENT = Workflow(
    "logistics.deployment",
    model=Deployment,
    states=D,
    relations=_deployment_relations,
    transitions=[
        Transition("arrive", _("Arrived on site"), source=[D.PLANNED], target=D.DEPLOYED, rules=[*DEPLOYERS, SYSTEM]),
        Transition("return", _("Back home"), source=[D.DEPLOYED], target=D.RETURNED, rules=[*DEPLOYERS, SYSTEM]),
        Transition(
            "cancel", _("Cancel the deployment"), source=[D.PLANNED], target=D.CANCELLED, rules=DEPLOYERS, danger=True
        ),
    ],
)
