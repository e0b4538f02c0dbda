"""The maps in a real browser (#16, "the map"): a site's name, nation and figures on hover, tap and keyboard focus;
routes explained in a legend and telling what they carry (only the loads the viewer may see); clusters when many
sites overlap, which open as the map zooms in; and nothing on a partner's map of what it may not see."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from aidx.assistance import services as exchange_services
from aidx.assistance.services import LineInput
from aidx.core.actors import SYSTEM
from aidx.logistics import services as logistics
from aidx.logistics.tests.conftest import airlift  # noqa: F401  (the airlift fixture, shared)
from aidx.nations.services import site_create
from aidx.web.tests.browser_harness import TIMEOUT_MS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TIP = ".leaflet-tooltip.map-tip"


def open_picture(page, live_server, username: str, password: str) -> None:
    sign_in(page, live_server, username, password)
    page.goto(f"{live_server.url}/picture/")
    page.wait_for_selector("#map[data-ready=true]")


def tooltip_of(page, selector: str, *, how: str = "hover") -> str:
    """Hover (or tap, or focus) the first element matching `selector` and read the tooltip it opens. Before a hover
    or a focus every tooltip open before is closed (a closed one fades out for a moment); a finger has no pointer
    to move away, so after a tap the newest tooltip is read."""
    if how != "tap":
        page.mouse.move(0, 0)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        expect(page.locator(TIP)).to_have_count(0)
    target = page.locator(selector).first
    getattr(target, how)()
    tip = page.locator(TIP).last
    tip.wait_for(state="visible")
    return tip.inner_text()


def watch_csp(page) -> list[str]:
    """What the browser refused under the Content-Security-Policy, and script errors, as they come."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: refused.append(f"page error: {error}"))
    return refused


def embedded(page, name: str):
    return json.loads(page.locator(f"script#{name}").text_content())


@pytest.fixture
def two_sites(exchange):
    """Italy needs 40 ventilators and 1,000 surgical masks at Rome; Spain offers 600 masks from Madrid."""
    exchange.request(lines=(("ventilator", 40), ("mask-surgical", 1000)))
    exchange.offer()
    return exchange


def test_hovering_or_focusing_a_site_names_it_with_its_nation_and_figures(page, live_server, two_sites):
    open_picture(page, live_server, "coord", two_sites.world.password)
    text = tooltip_of(page, ".site-marker.site-request")
    assert "Rome" in text and "Italy" in text and "Open requests: 1" in text
    assert "Ventilator: 40 pieces (1.8 t)" in text and "Surgical mask: 1,000 pieces (4.0 kg)" in text
    assert "Weight where known: 1.8 t" in text
    text = tooltip_of(page, ".site-marker.site-offer", how="focus")  # the keyboard: Tab to a site shows the same
    assert "Madrid" in text and "Spain" in text and "Open offers: 1" in text and "Surgical mask: 600 pieces" in text
    label = page.get_attribute(".site-marker.site-offer", "aria-label")
    assert label is not None and "Madrid (Spain): Open offers: 1" in label


def test_tapping_a_site_on_a_phone_shows_its_figures_and_a_cluster_its_sites(browser, live_server, crowded):
    crowded.offer()  # from Madrid; Rome's requests are among the camps' cluster
    context = browser.new_context(locale="en-GB", viewport=PHONE, has_touch=True, is_mobile=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        open_picture(page, live_server, "coord", crowded.world.password)
        text = tooltip_of(page, ".site-marker.site-offer", how="tap")
        assert "Madrid" in text and "Spain" in text and "Open offers: 1" in text
        assert "Surgical mask: 600 pieces (2.4 kg)" in text
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        text = tooltip_of(page, ".cluster-marker", how="tap")  # a first tap lists the sites ...
        assert "Sites here: 24" in text and "16 more" in text
        assert page.locator(".cluster-marker").count() == 1
        page.locator(".cluster-marker").tap()  # ... the next zooms in to them
        page.wait_for_selector("#map[data-zoom='8']")
        assert page.locator(".site-marker").count() >= 20
    finally:
        context.close()


@pytest.fixture
def flown(airlift):  # noqa: F811
    """Spain's A400M flies Madrid → Rome with Italy's 100 ventilators and, on the same leg, 20 ventilators of an
    allocation Italy is no party to (Spain → Australia); a second leg Rome → Milan is still planned."""
    world = airlift.world
    (italy,) = airlift.accepted((("ventilator", 100),))
    wanted = exchange_services.request_create(
        actor=world.partner,
        title="Ventilators for the Australian contingent",
        needed_by=airlift.today + dt.timedelta(days=20),
        delivery_site=airlift.milan,
        lines=[LineInput(item="ventilator", quantity=20)],
    )
    exchange_services.request_submit(actor=world.partner, request=wanted)
    given = airlift.offer(lines=(("ventilator", 20),))
    australia = exchange_services.allocation_accept(
        actor=world.partner,
        allocation=exchange_services.allocation_propose(
            actor=world.ally_b, offer_line=given.lines.get(), request_line=wanted.lines.get(), quantity=20
        ),
    )
    mission = logistics.mission_create(
        actor=SYSTEM,
        aircraft=airlift.a400m,
        legs=[airlift.leg("madrid", "rome"), airlift.leg("rome", "limc", hour=13, hours=1)],
        loads=[
            logistics.LoadInput(allocation=italy.pk, board=1, unload=1),
            logistics.LoadInput(allocation=australia.pk, board=1, unload=2),
        ],
    )
    logistics.mission_approve(actor=airlift.spain_log, mission=mission)
    first = mission.legs.order_by("sequence").first()
    logistics.leg_depart(actor=airlift.spain_log, leg=first, at=first.etd)
    return world, mission


def test_the_legend_explains_the_routes_and_a_route_tells_only_the_load_the_viewer_may_see(page, live_server, flown):
    world, mission = flown
    refused = watch_csp(page)
    open_picture(page, live_server, "ally_a", world.password)
    legend = page.locator("[data-testid=map-legend]")
    assert [item.get_attribute("data-route") for item in legend.locator("[data-route]").all()] == [
        "planned",
        "airborne",
        "landed",
    ]
    words = legend.inner_text()
    assert "planned: not yet flown (dashed line)" in words and "airborne: in the air now" in words
    assert "landed: flown" in words and "requests (at the delivery site)" in words and "sites close together" in words
    assert legend.locator(".swatch.route-planned").evaluate("e => getComputedStyle(e).borderTopStyle") == "dashed"
    text = tooltip_of(page, "path.route-hit >> nth=0")
    assert "T.23-01" in text and "Madrid → Rome" in text and "Status: airborne" in text
    assert "Load: 4.5 t" in text  # Italy's 100 ventilators; not the 20 of Spain → Australia on the same leg
    (leg,) = [arc for arc in embedded(page, "arcs") if arc["leg"] == 1]
    assert leg["load"] == "Load: 4.5 t"
    page.goto(f"{live_server.url}/logistics/missions/{mission.pk}/")
    page.wait_for_selector("[data-testid=map][data-ready=true]")
    routes = page.locator("[data-testid=map-legend] [data-route]").all()
    assert [item.get_attribute("data-route") for item in routes] == ["planned", "airborne", "landed"]
    text = tooltip_of(page, "path.route-hit >> nth=0", how="focus")  # a route is reached with Tab too
    assert "Madrid → Rome" in text and "Status: airborne" in text and "Load: 4.5 t" in text
    assert "Other loads: 1 · 0.9 t" in text  # summed, as the manifest below sums them
    text = tooltip_of(page, ".stop-marker >> nth=0")
    assert "Madrid" in text and "Spain" in text
    assert refused == []


@pytest.fixture
def crowded(exchange):
    """24 field sites around Rome, none more than 50 km from another, each with one open request of Italy's."""
    for row in range(4):
        for column in range(6):
            site = site_create(
                actor=None,
                code=f"camp-{row}-{column}",
                name=f"Camp {row}-{column}",
                kind="city",
                nation=exchange.world.ita,
                latitude=str(Decimal("41.70") + Decimal("0.08") * row),
                longitude=str(Decimal("12.20") + Decimal("0.06") * column),
            )
            exchange.request(site=site, lines=(("mask-surgical", 100 + row * 6 + column),))
    return exchange


def test_many_nearby_sites_merge_into_a_cluster_that_opens_as_the_map_zooms_in(page, live_server, crowded):
    refused = watch_csp(page)
    open_picture(page, live_server, "coord", crowded.world.password)
    clusters = page.locator(".cluster-marker")
    assert clusters.count() == 1 and page.locator(".site-marker").count() == 0
    assert clusters.first.inner_text() == "24"
    text = tooltip_of(page, ".cluster-marker")
    assert "Sites here: 24" in text and "16 more" in text and "Select to zoom in" in text
    # the largest first (the most open records), then by name: eight of them, and how many more
    assert "Camp 0-0 (Italy): Open requests: 1" in text and "Camp 1-1 (Italy)" in text and "Camp 1-2" not in text
    clusters.first.click()
    page.wait_for_selector("#map[data-zoom='8']")
    assert page.locator(".site-marker").count() == 24 and clusters.count() == 0
    text = tooltip_of(page, ".site-marker >> nth=0")
    assert "Camp" in text and "Open requests: 1" in text and "Surgical mask:" in text
    page.mouse.move(0, 0)
    for zoom in (7, 6, 5, 4):  # zooming out clusters them again
        page.click(".leaflet-control-zoom-out")
        page.wait_for_selector(f"#map[data-zoom='{zoom}']")
    assert clusters.count() == 1 and page.locator(".site-marker").count() == 0
    clusters.first.focus()  # the keyboard opens a cluster too
    page.keyboard.press("Enter")
    page.wait_for_selector("#map[data-zoom='8']")
    assert page.locator(".site-marker").count() == 24
    assert refused == []


def test_a_partner_sees_no_site_figure_or_item_of_a_request_it_may_not_see(page, live_server, exchange):
    exchange.request(lines=(("mask-surgical", 1000),))  # at Rome, for allies and partners
    exchange.request(lines=(("ventilator", 40),), releasability="allies", site=exchange.madrid)
    exchange.request(lines=(("mask-ffp2", 700),), releasability="allies")  # also at Rome: allies only
    open_picture(page, live_server, "ally_a", exchange.world.password)  # an ally sees all three
    assert {(p["site"], p["count"]) for p in embedded(page, "points")} == {("Rome", 2), ("Madrid", 1)}
    page.context.clear_cookies()
    open_picture(page, live_server, "partner", exchange.world.password)
    points = embedded(page, "points")
    assert [(p["kind"], p["site"], p["count"], p["figure"]) for p in points] == [
        ("request", "Rome", 1, "Open requests: 1")
    ]
    assert [item["code"] for item in points[0]["items"]] == ["mask-surgical"] and points[0]["weight"] == (
        "Weight where known: 4.0 kg"
    )
    assert page.locator(".site-marker").count() == 1 and page.locator(".cluster-marker").count() == 0
    text = tooltip_of(page, ".site-marker")
    assert "Rome" in text and "Open requests: 1" in text and "Surgical mask: 1,000 pieces" in text
    html = page.content()
    for hidden in ("Ventilator", "FFP2", "Madrid", "ventilator", "mask-ffp2"):
        assert hidden not in html and hidden not in text, hidden
