"""Reads of the airlift. Need-to-know is applied in the query, here and nowhere else.

A mission is seen by the centre, by the aircraft's owner (a nation, an organisation, or every member nation of its
pool), and by the nations whose allocations are on board, offering and requesting. A deployment or a planner run
is seen by its parties (the allocation's two nations; the run's nation) and the centre.

A load shows its allocation, so it is seen as the allocation is: by its two parties and the centre. Whoever sees
the mission sees the other loads on a leg as one line (`OtherLoads`: how many, kg, m³, patients), and the totals
on board, so that the aircraft's load factor is readable without telling what the others carry, whose, or for
whom. The picture's figures (tonnes, patients, flights with a load) count only the loads the viewer may see.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Min, Q, QuerySet, Sum

from aidx.catalogue.models import CapabilityType
from aidx.logistics.models import Aircraft, Deployment, Leg, Load, Mission, PlanRun, Pool, PoolHours
from aidx.nations.policy import Viewer, as_viewer, parties_q, visible_to_parties

ALLOCATION_PARTIES = ("allocation__offer_line__offer", "allocation__request_line__request")


def mission_q(viewer: Viewer) -> Q:
    """The need-to-know rule for missions, as a condition on Mission."""
    if viewer.is_centre:
        return Q()
    condition = parties_q(viewer, "aircraft", *(f"loads__{path}" for path in ALLOCATION_PARTIES))
    if viewer.nation is not None:
        condition |= Q(aircraft__pool__memberships__nation_id=viewer.nation)
    return condition


def missions_visible_to(who: Any, *, status: str | None = None, aircraft: int | None = None) -> QuerySet[Mission]:
    viewer = as_viewer(who)
    result = Mission.objects.all()
    if not viewer.is_centre:
        # The rule joins to-many relations (loads, pool members): select the ids first so no mission repeats.
        result = result.filter(pk__in=Mission.objects.filter(mission_q(viewer)).values("pk"))
    if status:
        result = result.filter(status=status)
    if aircraft:
        result = result.filter(aircraft_id=aircraft)
    return result.select_related(
        "aircraft__capability", "aircraft__owner_nation", "aircraft__owner_organisation", "aircraft__pool", "tasked_by"
    ).order_by("-created_at", "-id")


@dataclass(frozen=True)
class OtherLoads:
    """The loads on board a leg that the viewer may not see, as one line: how many, and their weight, volume and
    patients. Enough to read the load factor; nothing of what they are, whose, or for whom."""

    count: int = 0
    kg: int = 0
    m3: Decimal = Decimal(0)
    patients: int = 0


def mission_legs(mission: Mission, who: Any) -> list[Leg]:
    """The legs in order, each with `manifest`: the loads on board whose allocation the viewer may see (its two
    parties and the centre), with what, from whom, to whom; `others`: the rest, summed (OtherLoads); and the
    totals on board (`kg`, `m3`, `patients`: every load, so that the load factor is the aircraft's)."""
    viewer = as_viewer(who)
    on_mission = Load.objects.filter(mission=mission)
    shown = list(
        visible_to_parties(on_mission, viewer, *ALLOCATION_PARTIES)
        .select_related(
            "board_leg",
            "unload_leg",
            "allocation__offer_line__item",
            "allocation__offer_line__capability",
            "allocation__offer_line__offer",
            "allocation__request_line__request",
        )
        .order_by("board_leg__sequence", "id")
    )
    # The loads the viewer may not see are read as numbers only: no allocation, item or nation is fetched.
    hidden = list(
        on_mission.exclude(pk__in=[load.pk for load in shown]).values_list(
            "board_leg__sequence", "unload_leg__sequence", "kg", "m3", "patients"
        )
    )
    legs = list(mission.legs.select_related("origin", "destination").order_by("sequence"))
    for leg in legs:
        leg.manifest = [ld for ld in shown if ld.board_leg.sequence <= leg.sequence <= ld.unload_leg.sequence]
        others = [row for row in hidden if row[0] <= leg.sequence <= row[1]]
        leg.others = OtherLoads(
            count=len(others),
            kg=sum(row[2] for row in others),
            m3=sum((row[3] for row in others), Decimal(0)),
            patients=sum(row[4] for row in others),
        )
        leg.kg = sum(ld.kg for ld in leg.manifest) + leg.others.kg
        leg.m3 = sum((ld.m3 for ld in leg.manifest), Decimal(0)) + leg.others.m3
        leg.patients = sum(ld.patients for ld in leg.manifest) + leg.others.patients
    return legs


def deployments_visible_to(who: Any, *, kind: str | None = None) -> QuerySet[Deployment]:
    viewer = as_viewer(who)
    result = Deployment.objects.filter(parties_q(viewer, *ALLOCATION_PARTIES))
    if kind:
        result = result.filter(allocation__offer_line__capability__kind=kind)
    return result.select_related(
        "site",
        "allocation__offer_line__capability",
        "allocation__offer_line__offer__owner_nation",
        "allocation__request_line__request__owner_nation",
    ).order_by("-starts", "-id")


def runs_visible_to(who: Any) -> QuerySet[PlanRun]:
    viewer = as_viewer(who)
    result = PlanRun.objects.select_related("created_by")
    if viewer.is_centre:
        return result
    condition = Q(pk__in=[])
    if viewer.nation is not None:
        condition |= Q(owner_nation_id=viewer.nation)
    if viewer.organisation is not None:
        condition |= Q(owner_organisation_id=viewer.organisation)
    return result.filter(condition)


def fleet() -> QuerySet[Aircraft]:
    """The registered aircraft: types, tails and owners are public among the nations (and to the centre)."""
    return Aircraft.objects.select_related(
        "capability", "home", "owner_nation", "owner_organisation", "pool"
    ).prefetch_related("windows")


def pools() -> QuerySet[Pool]:
    return Pool.objects.prefetch_related("memberships")


def pool_hours(pool: Pool) -> dict[str, Decimal]:
    """Flight hours flown for each member nation (zero for members that have not tasked a mission)."""
    used = {
        row["nation_id"]: row["hours"]
        for row in PoolHours.objects.filter(pool=pool).values("nation_id").annotate(hours=Sum("hours"))
    }
    return {m.nation_id: used.get(m.nation_id, Decimal("0.00")) for m in pool.memberships.order_by("nation_id")}


# --- the situational picture -------------------------------------------------------------------------------------


def _week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _in(day: dt.date | None, since: dt.date | None, until: dt.date | None) -> bool:
    return day is not None and (since is None or day >= since) and (until is None or day <= until)


def logistics_figures(viewer: Any, since: dt.date | None = None, until: dt.date | None = None) -> dict[str, Any]:
    """Figures for the picture, over what the viewer may see and the dates given (inclusive).

    Loads count only where the viewer may see their allocation (its two parties and the centre): flights: legs flown
    with such a load; tonnes and patients: such loads unloaded on landed legs; missions: not cancelled, by first
    departure; field hospitals, beds and medical staff: deployments on site during the period. `series` has the same
    per week (Monday), for a chart.
    """
    viewer = as_viewer(viewer)
    visible = missions_visible_to(viewer).exclude(status=Mission.Status.CANCELLED)
    weekly: dict[dt.date, dict[str, Any]] = defaultdict(
        lambda: {"flights": 0, "tonnes": 0.0, "patients": 0, "missions": 0, "staff": 0, "beds": 0}
    )
    totals: dict[str, Any] = {
        "missions": 0,
        "flights": 0,
        "tonnes": 0.0,
        "patients": 0,
        "field_hospitals": 0,
        "beds": 0,
        "icu_beds": 0,
        "medical_staff": 0,
        "deployments": 0,
    }
    for first_etd in visible.annotate(first=Min("legs__etd")).values_list("first", flat=True):
        if first_etd is not None and _in(first_etd.date(), since, until):
            totals["missions"] += 1
            weekly[_week(first_etd.date())]["missions"] += 1
    landed = Leg.objects.filter(mission__in=visible.values("pk"), status=Leg.Status.LANDED).values_list(
        "pk", "mission_id", "sequence", "landed_at"
    )
    loads = visible_to_parties(Load.objects.filter(mission__in=visible.values("pk")), viewer, *ALLOCATION_PARTIES)
    spans = list(
        loads.values_list(
            "mission_id",
            "board_leg__sequence",
            "unload_leg__sequence",
            "unload_leg__status",
            "unload_leg__landed_at",
            "kg",
            "patients",
        )
    )
    for _pk, mission_id, sequence, landed_at in landed:
        on_board = any(m == mission_id and b <= sequence <= u for m, b, u, *_rest in spans)
        if on_board and landed_at is not None and _in(landed_at.date(), since, until):
            totals["flights"] += 1
            weekly[_week(landed_at.date())]["flights"] += 1
    for _m, _b, _u, status, landed_at, kg, patients in spans:
        if status == Leg.Status.LANDED and landed_at is not None and _in(landed_at.date(), since, until):
            week = weekly[_week(landed_at.date())]
            totals["tonnes"] += kg / 1000
            week["tonnes"] += kg / 1000
            totals["patients"] += patients
            week["patients"] += patients
    for deployment in deployments_visible_to(viewer).exclude(status__in=["planned", "cancelled"]):
        ends = deployment.returned_on or until or deployment.ends
        if not deployment.arrived_on or (until and deployment.arrived_on > until) or (since and ends < since):
            continue
        totals["deployments"] += 1
        totals["medical_staff"] += deployment.staff
        week = weekly[_week(deployment.arrived_on)]
        week["staff"] += deployment.staff
        capability = deployment.allocation.offer_line.capability
        assert capability is not None  # deployments are of teams and field hospitals: capability lines
        if capability.kind == CapabilityType.Kind.FIELD_HOSPITAL:
            totals["field_hospitals"] += deployment.allocation.quantity
            totals["beds"] += deployment.beds
            totals["icu_beds"] += deployment.icu_beds
            week["beds"] += deployment.beds
    totals["tonnes"] = round(totals["tonnes"], 1)
    totals["series"] = [
        {"week": week.isoformat(), **{k: round(v, 1) if isinstance(v, float) else v for k, v in values.items()}}
        for week, values in sorted(weekly.items())
    ]
    return totals


def mission_arcs(viewer: Any) -> list[dict[str, Any]]:
    """One arc per leg of the missions the viewer may see (not cancelled): from/to coordinates and status, and what
    the viewer may see on board (`kg`, `patients`: the loads whose allocation it may see, as the picture's figures
    count them; nothing of the others)."""
    viewer = as_viewer(viewer)
    missions = missions_visible_to(viewer).exclude(status=Mission.Status.CANCELLED).values("pk")
    legs = (
        Leg.objects.filter(mission__in=missions)
        .select_related("origin", "destination", "mission__aircraft__capability")
        .order_by("mission_id", "sequence")
    )
    on_board: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for mission_id, board, unload, kg, patients in visible_to_parties(
        Load.objects.filter(mission__in=missions), viewer, *ALLOCATION_PARTIES
    ).values_list("mission_id", "board_leg__sequence", "unload_leg__sequence", "kg", "patients"):
        on_board[mission_id].append((board, unload, kg, patients))
    arcs = []
    for leg in legs:
        loads = [load for load in on_board[leg.mission_id] if load[0] <= leg.sequence <= load[1]]
        arcs.append(
            {
                "mission": leg.mission_id,
                "leg": leg.sequence,
                "aircraft": str(leg.mission.aircraft),
                "from": _end(leg.origin),
                "to": _end(leg.destination),
                "status": leg.status,
                "mission_status": leg.mission.status,
                "etd": leg.etd.isoformat(),
                "kg": sum(load[2] for load in loads),
                "patients": sum(load[3] for load in loads),
            }
        )
    return arcs


def _end(site: Any) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name,
        "nation": site.nation_id,
        "lat": float(site.latitude),
        "lon": float(site.longitude),
    }
