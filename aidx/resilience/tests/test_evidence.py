"""Days of cover at the agreed preparedness plan's consumption rates, counted by the preparedness engine, with the
illustrative default table only as a fallback (said on the page), and the plan only for those who may see it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from aidx.catalogue.services import item_upsert
from aidx.preparedness import services as preparedness
from aidx.preparedness.services import RateInput
from aidx.resilience import evidence
from aidx.resilience.models import ConsumptionRate


@pytest.fixture
def items(world):
    common = {"category": "ppe", "unit": "piece", "unit_weight_kg": "0.01", "unit_volume_m3": "0.0001"}
    made = {code: item_upsert(actor=None, code=code, name_en=code, **common)[0] for code in ("mask", "gloves", "vent")}
    ConsumptionRate.objects.create(item=made["mask"], per_bed_day=6)
    return made


def _agreed_plan(world, releasability="allies_partners"):
    plan = preparedness.plan_create(
        actor=world.coordinator,
        name="Second wave",
        incident="covid",
        valid_from=timezone.localdate(),
        releasability=releasability,
    )
    preparedness.rates_set(
        actor=world.coordinator,
        plan=plan,
        rates=[
            RateInput(item="mask", basis="bed", rate="2"),
            RateInput(item="gloves", basis="bed", rate="10"),
            RateInput(item="vent", basis="icu", rate="1", durable=True, priority=1),
        ],
    )
    return preparedness.plan_agree(actor=world.coordinator, plan=plan)


def test_it_falls_back_on_the_illustrative_table_without_an_agreed_plan_and_says_so(world, items):
    rates = evidence.rates(world.coordinator)
    assert rates.plan is None and rates.per_bed_day == {"mask": Decimal(6)}
    assert "illustrative" in rates.basis


def test_it_uses_the_agreed_plans_rates_of_items_used_per_bed_day(world, items):
    plan = _agreed_plan(world)
    for user in (world.coordinator, world.ally_a, world.partner):
        rates = evidence.rates(user)
        assert rates.plan == plan and rates.per_bed_day == {"mask": Decimal(2), "gloves": Decimal(10)}, user
        assert "Second wave" in rates.basis
    # the plan is for allies and partners: an outsider's figures come from the default table, naming no plan
    outsider = evidence.rates(world.outsider)
    assert outsider.plan is None and "Second wave" not in outsider.basis


def test_it_counts_days_of_cover_with_the_preparedness_engine():
    rates = evidence.Rates({"mask": Decimal(2), "gloves": Decimal(10)})
    # 10 beds: 20 masks a day, 100 in stock last days 0–4; 100 gloves a day, none in stock
    assert evidence.cover_days({"mask": 100}, rates, 10) == {"mask": Decimal(5), "gloves": Decimal(0)}
    assert evidence.cover_days({"mask": 10**9}, rates, 10)["mask"] == Decimal(evidence.HORIZON_DAYS)
    assert evidence.cover_days({"mask": 100}, rates, 0) == {"mask": None, "gloves": None}


def test_the_supply_page_says_which_rates_its_days_of_cover_use(world, items):
    client = Client()
    client.force_login(world.coordinator)
    assert "illustrative default rates" in client.get("/resilience/supply/").content.decode()
    _agreed_plan(world)
    assert "agreed plan Second wave v1" in client.get("/resilience/supply/").content.decode()
