"""Airlift part of a scenario: airfields, pools, aircraft, flown missions and deployments, replayed through the
services. The medevac request, offer and allocation go through the exchange's own scenario loader first.

Idempotent: every record has a scenario key (or a natural key) and is skipped when present. Missions and
deployments whose allocations are absent (production: no demo accounts, so no exchange data) are skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aidx.assistance import scenario as exchange_scenario
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.core.actors import SYSTEM
from aidx.core.scenario import backdate, on_day
from aidx.logistics import services
from aidx.logistics.models import Aircraft, Deployment, Mission, Pool
from aidx.nations.models import Nation, Site
from aidx.nations.services import airfield_create

PREFIX = "covid-2020/"


def _allocation(entry: dict[str, Any]) -> Allocation | None:
    offer = Offer.objects.filter(scenario_key=PREFIX + entry["offer"]).first()
    request = AssistanceRequest.objects.filter(scenario_key=PREFIX + entry["request"]).first()
    if offer is None or request is None:
        return None
    offer_lines = list(offer.lines.order_by("id"))
    request_lines = list(request.lines.order_by("id"))
    return (
        Allocation.objects.filter(
            offer_line=offer_lines[entry["line"]],
            request_line=request_lines[entry["request_line"]],
            status__in=Allocation.COMMITTED,
        )
        .order_by("id")
        .first()
    )


def _moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def load(data: dict[str, Any]) -> int:
    changed = 0
    for entry in data.get("airfields", []):
        if not Site.objects.filter(icao=entry["code"]).exists():
            airfield_create(actor=SYSTEM, code=entry["code"])
            changed += 1
    for entry in data.get("pools", []):
        if Pool.objects.filter(code=entry["code"]).exists():
            continue
        members = [code for code in entry["members"] if Nation.objects.filter(code=code).exists()]
        services.pool_create(
            actor=SYSTEM,
            code=entry["code"],
            name=entry["name"],
            kind=entry["kind"],
            members=members,
            source=entry.get("source", ""),
        )
        changed += 1
    aircraft = {}
    for entry in data.get("aircraft", []):
        key = PREFIX + entry["key"]
        existing = Aircraft.objects.filter(scenario_key=key).first()
        if existing is None:
            existing = services.aircraft_register(
                actor=SYSTEM,
                capability=entry["type"],
                tail=entry["tail"],
                home=entry["home"],
                owner_nation=entry.get("owner"),
                pool=entry.get("pool"),
                scenario_key=key,
            )
            changed += 1
        aircraft[entry["key"]] = existing
    if data.get("exchange"):
        changed += exchange_scenario.load(data["exchange"])
    for entry in data.get("missions", []):
        key = PREFIX + entry["key"]
        if Mission.objects.filter(scenario_key=key).exists():
            continue
        allocations = [_allocation(load) for load in entry["loads"]]
        if any(allocation is None for allocation in allocations):
            continue
        mission = services.mission_create(
            actor=SYSTEM,
            aircraft=aircraft[entry["aircraft"]],
            legs=[
                services.LegInput(
                    origin=leg["from"], destination=leg["to"], etd=_moment(leg["etd"]), eta=_moment(leg["eta"])
                )
                for leg in entry["legs"]
            ],
            loads=[
                services.LoadInput(
                    allocation=allocation.pk,  # type: ignore[union-attr]
                    quantity=load.get("quantity"),
                    board=load["board"],
                    unload=load["unload"],
                )
                for allocation, load in zip(allocations, entry["loads"], strict=True)
            ],
            tasked_by=entry.get("tasked_by"),
            notes=entry.get("notes", ""),
            replay=True,
            illustrative=bool(entry.get("illustrative")),
            scenario_key=key,
        )
        services.mission_approve(actor=SYSTEM, mission=mission)
        for leg in mission.legs.order_by("sequence"):
            services.leg_depart(actor=SYSTEM, leg=leg, at=leg.etd)
            services.leg_land(actor=SYSTEM, leg=leg, at=leg.eta)
        # Planned by the day of its first take-off at the latest: the scenario gives no earlier date.
        backdate(Mission, mission.pk, created_at=_moment(entry["legs"][0]["etd"]))
        changed += 1
    for entry in data.get("deployments", []):
        key = PREFIX + entry["key"]
        allocation = _allocation(entry)
        if allocation is None or Deployment.objects.filter(scenario_key=key).exists():
            continue
        deployment = services.deployment_create(
            actor=SYSTEM,
            allocation=allocation,
            site=entry["site"],
            starts=dt.date.fromisoformat(entry["starts"]),
            ends=dt.date.fromisoformat(entry["ends"]),
            doctors=entry.get("doctors", 0),
            nurses=entry.get("nurses", 0),
            paramedics=entry.get("paramedics", 0),
            other_staff=entry.get("other_staff", 0),
            languages=entry.get("languages", ""),
            notes=entry.get("notes", ""),
            illustrative=bool(entry.get("illustrative")),
            scenario_key=key,
        )
        if entry.get("arrived"):
            services.deployment_arrive(actor=SYSTEM, deployment=deployment, on=dt.date.fromisoformat(entry["arrived"]))
        if entry.get("returned"):
            services.deployment_return(actor=SYSTEM, deployment=deployment, on=dt.date.fromisoformat(entry["returned"]))
        # Recorded by the day it started at the latest: the scenario gives no earlier date.
        backdate(Deployment, deployment.pk, created_at=on_day(dt.date.fromisoformat(entry["starts"])))
        changed += 1
    return changed
