"""An airlift world on top of the exchange fixture: aircraft types, a Spanish A400M at Madrid, a pool's C-17,
an A310 MedEvac, logistics officers, and a helper that makes accepted allocations (Spain offers, Italy requests)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from aidx.assistance import services as exchange_services
from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the fixture, shared)
from aidx.catalogue.services import capability_type_upsert
from aidx.core.actors import SYSTEM
from aidx.logistics import services
from aidx.nations.services import site_create

UTC = dt.UTC


def capability(code, **fields):
    names = {"name_en": code, "name_nb": "", "name_nn": ""}
    return capability_type_upsert(actor=None, code=code, **names, **fields)[0]


@pytest.fixture
def airlift(exchange):  # noqa: F811
    from aidx.accounts.services import user_create

    world = exchange.world
    capability("a400m", kind="aircraft", payload_kg=37000, volume_m3=340, cruise_speed_kmh=780, range_km=4500)
    capability("c-17", kind="aircraft", payload_kg=77519, volume_m3=590, cruise_speed_kmh=830, range_km=4480)
    capability("a310-medevac", kind="medevac", icu_beds=6, stretchers=38, cruise_speed_kmh=850, range_km=6000)
    capability("medical-team", kind="medical_team", staff=15)
    capability("field-hospital-50", kind="field_hospital", beds=50, icu_beds=10, staff=60)
    canberra = site_create(
        actor=None,
        code="canberra",
        name="Canberra",
        kind="airfield",
        nation=world.aus,
        latitude="-35.3",
        longitude="149.2",
    )
    milan = site_create(
        actor=None, code="milan", name="Milan", kind="city", nation=world.ita, latitude="45.46", longitude="9.19"
    )
    milan_field = site_create(
        actor=None,
        code="limc",
        name="Milan Malpensa",
        kind="airfield",
        nation=world.ita,
        latitude="45.63",
        longitude="8.72",
    )
    password = world.password
    spain_log = user_create(actor=None, username="spain_log", password=password, nation=world.esp, roles={"logistics"})
    italy_log = user_create(actor=None, username="italy_log", password=password, nation=world.ita, roles={"logistics"})
    pool = services.pool_create(actor=SYSTEM, code="sac", name="Strategic Airlift Capability", members=["ITA", "ESP"])
    a400m = services.aircraft_register(
        actor=SYSTEM, capability="a400m", tail="T.23-01", home="madrid", owner_nation="ESP"
    )
    c17 = services.aircraft_register(actor=SYSTEM, capability="c-17", tail="SAC 01", home="rome", pool="sac")
    medevac = services.aircraft_register(
        actor=SYSTEM, capability="a310-medevac", tail="10+23", home="madrid", owner_nation="ESP"
    )

    def accepted(lines=(("ventilator", 100),), *, site=None, status="accepted"):
        """Italy requests, Spain offers (from Madrid), Spain proposes, Italy accepts: one allocation per line."""
        request = exchange.request(lines=lines, site=site)
        offer = exchange.offer(lines=lines)
        made = []
        for offer_line, request_line in zip(offer.lines.order_by("id"), request.lines.order_by("id"), strict=True):
            allocation = exchange_services.allocation_propose(
                actor=world.ally_b, offer_line=offer_line, request_line=request_line, quantity=offer_line.quantity
            )
            if status == "accepted":
                allocation = exchange_services.allocation_accept(actor=world.ally_a, allocation=allocation)
            made.append(allocation)
        return made

    def leg(origin, destination, day=1, hour=8, hours=3):
        etd = dt.datetime(2030, 1, day, hour, tzinfo=UTC)
        return services.LegInput(origin=origin, destination=destination, etd=etd, eta=etd + dt.timedelta(hours=hours))

    return SimpleNamespace(
        **vars(exchange),
        canberra=canberra,
        milan=milan,
        milan_field=milan_field,
        spain_log=spain_log,
        italy_log=italy_log,
        pool=pool,
        a400m=a400m,
        c17=c17,
        medevac=medevac,
        accepted=accepted,
        leg=leg,
    )
