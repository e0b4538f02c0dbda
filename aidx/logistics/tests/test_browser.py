"""In a real browser: Türkiye's logistics officer runs the planner, approves the A400M trip Ankara – Torrejón –
Rome and flies it; Spain and Italy see their loads land and confirm receipt."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation
from aidx.assistance.services import LineInput
from aidx.core.actors import SYSTEM

pytestmark = pytest.mark.urls("aidx.logistics.tests.urls")


@pytest.fixture
def a400m_trip(people, settings):
    from aidx.accounts.services import user_create
    from aidx.catalogue.services import capability_type_upsert, item_upsert
    from aidx.logistics.services import aircraft_register
    from aidx.nations import services as registry

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    turkey = registry.nation_create(actor=None, code="TUR")
    registry.membership_add(actor=None, nation=turkey, kind="ally", valid_from=dt.date(1952, 2, 18))
    for code, name, nation, lat, lon in (
        ("ltad", "Ankara Etimesgut", turkey, "39.9498", "32.6886"),
        ("leto", "Torrejón", people.esp, "40.4967", "-3.4458"),
        ("lirf", "Rome Fiumicino", people.ita, "41.8003", "12.2389"),
    ):
        registry.site_create(
            actor=None, code=code, name=name, kind="airfield", nation=nation, latitude=lat, longitude=lon
        )
    item_upsert(
        actor=None,
        code="mask-ffp2",
        name_en="FFP2 mask",
        name_nb="",
        name_nn="",
        category="ppe",
        unit="piece",
        unit_weight_kg="0.012",
        unit_volume_m3="0.00015",
    )
    capability_type_upsert(
        actor=None,
        code="a400m",
        name_en="A400M Atlas",
        name_nb="",
        name_nn="",
        kind="aircraft",
        payload_kg=37000,
        volume_m3=340,
        cruise_speed_kmh=780,
        range_km=4500,
    )
    officer = user_create(
        actor=None, username="turkey", password=people.password, nation=turkey, roles={"poc", "logistics"}
    )
    aircraft_register(actor=SYSTEM, capability="a400m", tail="TUAF A400M", home="ltad", owner_nation="TUR")
    today = dt.date.today()
    offer = exchange.offer_create(
        actor=officer,
        title="Masks by A400M",
        lines=[LineInput(item="mask-ffp2", quantity=240000, available_from=today, origin_site="ltad")],
    )
    offer = exchange.offer_publish(actor=officer, offer=offer)
    allocations = []
    for user, site in ((people.ally_b, "leto"), (people.ally_a, "lirf")):
        request = exchange.request_create(
            actor=user,
            title="Masks",
            needed_by=today + dt.timedelta(days=10),
            delivery_site=site,
            lines=[LineInput(item="mask-ffp2", quantity=120000)],
        )
        request = exchange.request_submit(actor=user, request=request)
        allocation = exchange.allocation_propose(
            actor=officer, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=120000
        )
        allocations.append(exchange.allocation_accept(actor=user, allocation=allocation))
    return allocations


def click(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_it_plans_and_flies_the_a400m_trip_and_the_receivers_confirm(page, live_server, people, login, a400m_trip):
    login(page, live_server, "turkey", people.password)
    page.goto(f"{live_server.url}/logistics/planner/")
    page.fill("[data-testid=time-limit]", "1")
    click(page, "[data-testid=run-planner]")
    page.wait_for_selector("[data-testid=run][data-status=succeeded]")
    legs = page.locator("[data-testid=proposed-leg]").all_inner_texts()
    assert len(legs) == 3 and "(LTAD)" in legs[0] and "(LTAD)" in legs[-1]
    assert any("(LETO)" in leg for leg in legs) and any("(LIRF)" in leg for leg in legs)
    page.wait_for_selector("[data-testid=map][data-ready=true]")
    click(page, "[data-testid=approve-plan]")
    mission_url = page.url
    assert "/logistics/missions/" in mission_url
    assert page.inner_text("[data-testid=mission-status]") == "approved"
    for _leg in range(3):
        click(page, "[data-testid=depart]")
        click(page, "[data-testid=land]")
    assert page.inner_text("[data-testid=mission-status]") == "completed"
    assert set(Allocation.objects.filter(pk__in=[a.pk for a in a400m_trip]).values_list("status", flat=True)) == {
        "shipped"
    }
    for receiver in ("ally_b", "ally_a"):
        page.context.clear_cookies()
        login(page, live_server, receiver, people.password)
        page.goto(mission_url)
        assert page.locator("[data-testid=awaiting-receipt]").count() == 1
        click(page, "[data-testid=confirm-receipt]")
        assert page.locator("[data-testid=awaiting-receipt]").count() == 0
        assert "delivered" in page.locator("[data-testid=allocation-status]").all_inner_texts()
    assert set(Allocation.objects.filter(pk__in=[a.pk for a in a400m_trip]).values_list("status", flat=True)) == {
        "delivered"
    }
    page.context.clear_cookies()
    login(page, live_server, "partner", people.password)
    assert page.goto(mission_url).status == 404
