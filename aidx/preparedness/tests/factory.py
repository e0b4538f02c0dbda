from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone

from aidx.accounts.services import user_create
from aidx.catalogue.services import capability_type_upsert, item_upsert
from aidx.nations.services import site_create
from aidx.preparedness import services
from aidx.preparedness.services import PledgeInput, RateInput


def build(world):
    """A plan agreed by the centre with rates for masks and ventilators; pledges of Spain (to allies and partners),
    Italy (allies only) and Spain again (bilateral to Italy); a SEIR wave over Italy and Spain; own stock."""
    common = {"category": "ppe", "unit": "piece", "unit_volume_m3": "0.0002", "name_nb": "", "name_nn": ""}
    item_upsert(actor=None, code="mask-ffp2", name_en="FFP2 mask", unit_weight_kg="0.012", **common)
    item_upsert(actor=None, code="ventilator", name_en="Ventilator", unit_weight_kg="45", **common)
    capability_type_upsert(actor=None, code="c-17", kind="aircraft", name_en="C-17", payload_kg=77519)
    for code, nation, lat, lon in (("rome", world.ita, "41.8", "12.25"), ("madrid", world.esp, "40.49", "-3.57")):
        site_create(actor=None, code=code, name=code, kind="airfield", nation=nation, latitude=lat, longitude=lon)
    site_create(
        actor=None,
        code="canberra",
        name="Canberra",
        kind="airfield",
        nation=world.aus,
        latitude="-35.3",
        longitude="149.19",
    )
    today = timezone.localdate()
    plan = services.plan_create(actor=world.coordinator, name="Second wave", incident="covid", valid_from=today)
    services.rates_set(
        actor=world.coordinator,
        plan=plan,
        rates=[
            RateInput(item="ventilator", basis="icu", rate="1", durable=True, priority=1, unit_price_minor=2_000_000),
            RateInput(item="mask-ffp2", basis="bed", rate="5", priority=2, unit_price_minor=100),
        ],
    )
    plan = services.plan_agree(actor=world.coordinator, plan=plan)

    def pledge(
        user,
        item="ventilator",
        quantity=50,
        site="madrid",
        releasability="allies_partners",
        release_to=None,
        notice=2,
        **extra,
    ):
        return services.pledges_create(
            actor=user,
            plan=plan,
            pledges=[
                PledgeInput(
                    item=item, quantity=quantity, notice_days=notice, origin_site=site, valid_from=today, **extra
                )
            ],
            releasability=releasability,
            release_to=release_to,
        )[0]

    spain_open = pledge(world.ally_b)
    italy_allies = pledge(world.ally_a, item="mask-ffp2", quantity=10_000, site="rome", releasability="allies")
    spain_bilateral = pledge(world.ally_b, quantity=7, releasability="named", release_to=["ITA"])
    wave = services.scenario_create(
        actor=world.coordinator,
        name="Autumn wave",
        incident="covid",
        start=today,
        horizon_days=28,
        parameters={
            "seir": {
                "rt": [[0, 1.5]],
                "hospital_rate": 0.05,
                "icu_rate": 0.01,
                "hospital_days": 7,
                "icu_days": 9,
                "incubation_days": 5,
                "infectious_days": 7,
                "infected_share": 0.001,
            },
            "nations": [
                {"code": "ITA", "population": 1_000_000, "lat": 41.9, "lon": 12.5},
                {"code": "ESP", "population": 1_000_000, "lat": 40.4, "lon": -3.7},
            ],
        },
    )
    own = services.own_stock_declare(actor=world.ally_a, item="ventilator", quantity=17)
    return SimpleNamespace(
        world=world,
        plan=plan,
        pledge=pledge,
        spain_open=spain_open,
        italy_allies=italy_allies,
        spain_bilateral=spain_bilateral,
        wave=wave,
        own=own,
        today=today,
        user=lambda name, **kw: user_create(actor=None, username=name, password=world.password, **kw),
    )
