"""The engine's input for a simulation run, built from what the run's owner may see.

A nation's run sees the pledges released to it, its own declared stock (not the others'), the stockpile only
if it may see the stockpile's lots, and the fund's cash only if it may see the fund's totals; the centre sees all.
Days count from the scenario's first day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aidx.fund import selectors as fund
from aidx.nations.models import Site
from aidx.nations.policy import Viewer, may_see, standing_on, visible
from aidx.optimize.preparedness import Airlift, Nation, Problem, Resource, Seir, Source, Uncertainty
from aidx.preparedness.models import OwnStock, Pledge, SimulationRun
from aidx.stockpile import selectors as stockpile
from aidx.stockpile.services import may_view as may_view_stockpile

FOREVER = 10**6
SEIR_FIELDS = ("hospital_rate", "icu_rate", "hospital_days", "icu_days", "incubation_days", "infectious_days")


def _day(start: dt.date, day: dt.date | None, default: int) -> int:
    return default if day is None else (day - start).days


def build_problem(run: SimulationRun) -> dict[str, Any]:
    user, plan, scenario = run.created_by, run.plan, run.scenario
    start = scenario.start
    params = scenario.parameters
    seir = params.get("seir") or {}
    nations = []
    for entry in params.get("nations", []):
        code = entry["code"].upper()
        if scenario.kind == "curve":
            curve = scenario.curve.get(code, {"hospital": [0.0], "icu": [0.0]})
            nations.append(
                Nation(
                    code, float(entry["lat"]), float(entry["lon"]), None, tuple(curve["hospital"]), tuple(curve["icu"])
                )
            )
            continue
        population = float(entry["population"])
        model = Seir(
            population=population,
            infected=population * float(entry.get("infected_share", seir.get("infected_share", 1e-5))),
            rt=tuple((int(d), float(r)) for d, r in (entry.get("rt") or seir["rt"])),
            **{key: float(entry.get(key, seir[key])) for key in SEIR_FIELDS if key in seir or key in entry},
        )
        nations.append(Nation(code, float(entry["lat"]), float(entry["lon"]), model))
    codes = {n.code for n in nations}
    rates = list(plan.rates.select_related("item"))
    resources = [
        Resource(
            rate.item.code,
            rate.basis,
            float(rate.rate),
            durable=rate.durable,
            priority=rate.priority,
            unit_weight_kg=float(rate.item.unit_weight_kg),
            price_minor=int(rate.unit_price_minor),
            lead_days=rate.lead_days if rate.lead_days is not None else plan.fund_lead_days,
        )
        for rate in rates
    ]
    items = {r.code for r in resources}
    viewers = {code: Viewer(on=start, nation=code, standing=standing_on(start, nation=code)) for code in codes}
    pledges = (
        visible(Pledge.objects.filter(plan=plan, status=Pledge.Status.STANDBY, remaining__gt=0), user)
        .select_related("item", "capability", "origin_site")
        .prefetch_related("release_to")
        .order_by("id")
    )
    sources, airlift = [], []
    for pledge in pledges:
        ready = max(0, _day(start, pledge.valid_from, 0)) + pledge.notice_days
        until = _day(start, pledge.valid_until, FOREVER)
        if pledge.capability is not None:
            if pledge.capability.kind == "aircraft" and pledge.capability.payload_kg:
                tonnes = pledge.remaining * pledge.capability.payload_kg / 1000.0  # a sortie a week per unit
                airlift.append(Airlift(tonnes, ready, max(ready, until)))
            continue
        if pledge.item is None or pledge.item.code not in items or until < ready:
            continue
        serves = frozenset(
            code for code, viewer in viewers.items() if code != pledge.owner_nation_id and may_see(viewer, pledge)
        )
        sources.append(
            Source(
                f"pledge:{pledge.pk}",
                "pledge",
                pledge.item.code,
                float(pledge.remaining),
                ready,
                until,
                float(pledge.origin_site.latitude),
                float(pledge.origin_site.longitude),
                nation=pledge.owner_nation_id or "",
                site_nation=pledge.origin_site.nation_id,
                serves=serves,
            )
        )
    if may_view_stockpile(user):
        for balance in stockpile.balances(user).filter(lot__item__code__in=items, available_now__gt=0):  # type: ignore[misc]
            lot = balance.lot
            until = _day(start, lot.expiry_date, FOREVER)
            if until < 0:
                continue
            sources.append(
                Source(
                    f"lot:{lot.pk}@{balance.warehouse_id}",
                    "lot",
                    lot.item.code,
                    float(balance.available_now),  # type: ignore[attr-defined]
                    0,
                    until,
                    float(balance.warehouse.latitude),
                    float(balance.warehouse.longitude),
                    site_nation=balance.warehouse.nation_id,
                )
            )
    own = [
        (stock.owner_nation_id, stock.item.code, float(stock.quantity))
        for stock in visible(OwnStock.objects.select_related("item"), user)
        if stock.owner_nation_id in codes and stock.item.code in items
    ]
    totals = fund.totals(user)
    warehouse = Site.objects.filter(kind=Site.Kind.WAREHOUSE).order_by("code").first()
    fund_site = (
        (float(warehouse.latitude), float(warehouse.longitude), warehouse.nation_id)
        if warehouse is not None
        else (40.47, 17.24, "ITA")
    )
    spread = params.get("uncertainty") or {}
    problem = Problem(
        nations=tuple(nations),
        resources=tuple(resources),
        sources=tuple(sources),
        own_stock=tuple(own),  # type: ignore[arg-type]
        airlift=tuple(airlift),
        fund_cash_minor=max(0, int(totals.cash)) if totals is not None else 0,
        fund_site=fund_site,  # type: ignore[arg-type]
        horizon_days=scenario.horizon_days,
        uncertainty=Uncertainty(
            rt_spread=float(spread.get("rt_spread", 0)),
            shift_days=int(spread.get("shift_days", 0)),
            rate_spread=float(spread.get("rate_spread", 0)),
        ),
        airlift_limited=bool(airlift),
    )
    return problem.to_json()
