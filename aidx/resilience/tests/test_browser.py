"""The story of issue #14 in a real browser: Italy fills and submits a self-assessment with evidence, the centre
comments and reviews it, Italy sees its radar chart against its previous assessment; the coordinator opens the
supply-vulnerability page and asks what happens if one producing country stops exporting."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.catalogue.services import item_upsert
from aidx.core.actors import SYSTEM
from aidx.resilience import services
from aidx.resilience.models import Assessment, ConsumptionRate, PlanningBeds
from aidx.resilience.tests.conftest import TITLES, indicators, submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story(people):
    template = services.template_create(actor=SYSTEM, code="baseline", titles=TITLES, indicators=indicators())
    submitted(people.ally_a, template, level=1, title="Italy, spring")
    item = item_upsert(
        actor=None,
        code="mask-ffp2",
        name_en="FFP2 mask",
        category="ppe",
        unit="piece",
        unit_weight_kg="0.012",
        unit_volume_m3="0.0001",
    )[0]
    ConsumptionRate.objects.create(item=item, per_bed_day=6)
    PlanningBeds.objects.create(nation=None, beds=100)
    for code, country in (("masks-cn", "CHN"), ("masks-tr", "TUR")):
        services.manufacturer_create(
            actor=people.coordinator,
            code=code,
            name=f"Masks {country}",
            production_country=country,
            items=["mask-ffp2"],
            ownerships=[{"owner_name": "Owner", "owner_country": country, "valid_from": dt.date(2000, 1, 1)}],
        )
    return people


def test_it_walks_a_self_assessment_and_a_what_if(page, live_server, login, story):
    def as_user(username):
        page.context.clear_cookies()
        login(page, live_server, username, story.password)

    as_user("ally_a")
    page.goto(f"{live_server.url}/resilience/")
    page.fill("[data-testid=start-assessment] input[name=title]", "Italy, autumn")
    with page.expect_navigation():
        page.click("[data-testid=start-assessment] button")
    url = page.url
    for requirement in range(1, 8):
        for n in (1, 2):
            page.select_option(f"[data-testid='level-{requirement}.{n}']", "3")
    page.fill("[data-testid='evidence-5.2']", "Regional stock reports attached to the plan")
    with page.expect_navigation():
        page.click("[data-testid=save-answers]")
    assert "Answers saved." in page.content()
    with page.expect_navigation():
        page.click("button[data-action=submit]")
    assert page.locator("[data-testid=status]").inner_text() == "submitted"

    as_user("coord")
    page.goto(url)
    assert "Regional stock reports attached to the plan" in page.content()
    page.select_option("[data-testid=comment-form] select[name=indicator]", "5.2")
    page.fill("[data-testid=comment-form] textarea", "Thank you: please keep the reports current.")
    with page.expect_navigation():
        page.click("[data-testid=comment-form] button")
    with page.expect_navigation():
        page.click("button[data-action=review]")
    assert page.locator("[data-testid=status]").inner_text() == "reviewed"

    as_user("ally_a")
    page.goto(url)
    assert "Thank you: please keep the reports current." in page.content()
    page.wait_for_selector("#radar-chart[data-ready='1']")
    datasets = page.evaluate("document.getElementById('radar-chart').chart.data.datasets.map(d => [d.label, d.data])")
    assert datasets == [["Italy, autumn", [3, 3, 3, 3, 3, 3, 3]], ["Italy, spring", [1, 1, 1, 1, 1, 1, 1]]]
    assert "Italy, spring" in page.locator("[data-testid=previous]").inner_text()
    assert Assessment.objects.get(title="Italy, autumn").status == Assessment.Status.REVIEWED

    # at phone width the page still fits: nothing wider than the screen but the tables' own scroll boxes
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/resilience/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1

    as_user("coord")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/resilience/supply/")
    assert page.locator("tr[data-item='mask-ffp2'] [data-testid=hhi]").inner_text() == "5,000"
    page.select_option("[data-testid=without]", "CHN")
    with page.expect_navigation():
        page.click("[data-testid=run-what-if]")
    section = page.locator("[data-testid=what-if]")
    assert "If CHN stops exporting" in section.inner_text()
    assert "FFP2 mask" in section.inner_text()  # no stock at all: below the threshold even with Türkiye left
