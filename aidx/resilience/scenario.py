"""Resilience part of a scenario: the template, consumption rates and planning beds (illustrative), past
self-assessments with answers, comments and actions (illustrative), and the supplier registry linked to the
stockpile's lots and the fund's order lines. Loading twice changes nothing.

The template and the registry go through the services as the system. Past assessments are history: they are
written as they stood on their dates (a nation's answers, the centre's review) in one step each, the same way
`aidx.core.scenario.backdate` gives other records their dates, and each is recorded in the audit log as loaded
by the system — replaying them through the services would need each nation's point of contact, which a
production database loading the scenario does not have.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Item
from aidx.core.actors import SYSTEM
from aidx.core.scenario import on_day
from aidx.fund.models import OrderLine
from aidx.nations.models import Nation
from aidx.resilience import services
from aidx.resilience.models import (
    Action,
    Answer,
    Assessment,
    ConsumptionRate,
    LotSource,
    Manufacturer,
    OrderSource,
    PlanningBeds,
    ReviewComment,
    Template,
)
from aidx.stockpile.models import Lot

PREFIX = "covid-2020/"


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _template(data: dict[str, Any]) -> tuple[Template, int]:
    key = PREFIX + "template-" + data["code"]
    found = Template.objects.filter(scenario_key=key).first()
    if found is not None:
        return found, 0
    made = services.template_create(
        actor=SYSTEM, code=data["code"], titles=data["titles"], indicators=data["indicators"], illustrative=False
    )
    Template.objects.filter(pk=made.pk).update(scenario_key=key)
    return made, 1


def _assessment(template: Template, entry: dict[str, Any]) -> int:
    key = PREFIX + entry["key"]
    nation = Nation.objects.filter(pk=entry["nation"]).first()
    if nation is None or Assessment.objects.filter(scenario_key=key).exists():
        return 0
    submitted, reviewed = _day(entry.get("submitted")), _day(entry.get("reviewed"))
    made = Assessment.objects.create(
        owner_nation=nation,
        template=template,
        title=entry["title"],
        status=entry["status"],
        illustrative=True,
        submitted_at=on_day(submitted) if submitted else None,
        reviewed_at=on_day(reviewed) if reviewed else None,
        scenario_key=key,
    )
    started = submitted or reviewed or dt.date(2020, 12, 1)
    Assessment.objects.filter(pk=made.pk).update(created_at=on_day(started - dt.timedelta(days=14)))
    levels, evidence = entry.get("levels", {}), entry.get("evidence", {})
    Answer.objects.bulk_create(
        Answer(assessment=made, indicator=i, level=levels.get(i.code), evidence=evidence.get(i.code, ""))
        for i in template.indicators.all()
    )
    codes = {i.code: i for i in template.indicators.all()}
    for comment in entry.get("comments", []):
        ReviewComment.objects.create(
            assessment=made, indicator=codes.get(comment["indicator"] or ""), text=comment["text"]
        )
    for action in entry.get("actions", []):
        Action.objects.create(
            assessment=made,
            indicator=codes.get(action["indicator"] or ""),
            description=action["description"],
            responsible=action["responsible"],
            due=dt.date.fromisoformat(action["due"]),
            status=action["status"],
        )
    record(actor=SYSTEM, action="resilience.assessment.load", target=made, after=snapshot(made))
    return 1


def _manufacturer(entry: dict[str, Any]) -> int:
    if Manufacturer.objects.filter(code=entry["code"]).exists():
        return 0
    services.manufacturer_create(
        actor=SYSTEM,
        code=entry["code"],
        name=entry["name"],
        production_country=entry["country"],
        items=[code for code in entry.get("items", []) if Item.objects.filter(code=code).exists()],
        ownerships=[
            {**o, "valid_from": _day(o["valid_from"]), "valid_until": _day(o.get("valid_until"))}
            for o in entry.get("ownerships", [])
        ],
        illustrative=True,
    )
    return 1


def load(data: dict[str, Any]) -> int:
    changed = 0
    template, made = _template(data["template"])
    changed += made
    for entry in data.get("consumption_rates", []):
        item = Item.objects.filter(code=entry["item"]).first()
        if item is not None and not ConsumptionRate.objects.filter(item=item).exists():
            ConsumptionRate.objects.create(
                item=item, per_bed_day=Decimal(entry["per_bed_day"]), illustrative=entry.get("illustrative", True)
            )
            changed += 1
    for entry in data.get("planning_beds", []):
        nation = Nation.objects.filter(pk=entry["nation"]).first() if entry["nation"] else None
        if entry["nation"] and nation is None:
            continue
        if not PlanningBeds.objects.filter(nation=nation).exists():
            PlanningBeds.objects.create(nation=nation, beds=entry["beds"])
            changed += 1
    for entry in data.get("assessments", []):
        changed += _assessment(template, entry)
    for entry in data.get("manufacturers", []):
        changed += _manufacturer(entry)
    makers = {m.code: m for m in Manufacturer.objects.all()}
    for entry in data.get("lots", []):
        lot = Lot.objects.filter(scenario_key=PREFIX + entry["lot"]).first()
        if lot is not None and entry["manufacturer"] in makers and not LotSource.objects.filter(lot=lot).exists():
            services.lot_link(actor=SYSTEM, lot=lot, manufacturer=makers[entry["manufacturer"]])
            changed += 1
    for entry in data.get("order_lines", []):
        line = OrderLine.objects.filter(order__scenario_key=PREFIX + entry["order"], item__code=entry["item"]).first()
        if line is not None and entry["manufacturer"] in makers and not OrderSource.objects.filter(line=line).exists():
            services.order_line_link(actor=SYSTEM, line=line, manufacturer=makers[entry["manufacturer"]])
            changed += 1
    return changed
