"""Accessibility and print (#16): axe-core (npm, served from node_modules as vendor/axe-core) finds no serious or
critical violation on the main pages in English and Nynorsk; a request, an offer, a manifest, a match review and the
picture print on A4 without navigation or buttons."""

from __future__ import annotations

import re

import pytest

from aidx.assistance.models import AssistanceRequest, Offer
from aidx.logistics.models import Mission
from aidx.matching.models import MatchRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _main_pages() -> list[str]:
    request = AssistanceRequest.objects.order_by("pk").first()
    offer = Offer.objects.order_by("pk").first()
    mission = Mission.objects.order_by("pk").first()
    run = MatchRun.objects.order_by("pk").first()
    assert request and offer and mission and run
    return [
        "/",
        "/exchange/requests/",
        f"/exchange/requests/{request.pk}/",
        "/exchange/requests/new/",
        "/exchange/offers/",
        f"/exchange/offers/{offer.pk}/",
        "/exchange/inbox/",
        "/picture/",
        "/logistics/",
        f"/logistics/missions/{mission.pk}/",
        f"/matching/{run.pk}/",
        "/stockpile/",
        "/fund/",
        "/audit/",
    ]


def _sign_in(browser, live_server, language: str, **options):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, **options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", "demo")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    if language != "en":
        with page.expect_navigation():
            page.click(f"button[data-language={language}]")
    return context, page


AXE = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""


def test_it_has_no_serious_accessibility_violation_in_english_or_nynorsk(browser, live_server, scenario):
    found = []
    for language in ("en", "nn"):
        context, page = _sign_in(browser, live_server, language)
        for path in _main_pages():
            answer = page.goto(f"{live_server.url}{path}")
            assert answer is not None and answer.status == 200, path
            page.add_script_tag(url=f"{live_server.url}/static/vendor/axe-core/axe.min.js")
            found += [f"{language} {path}: {violation}" for violation in page.evaluate(AXE)]
        context.close()
    assert not found, "\n".join(found)


def test_it_prints_the_main_records_on_a4_without_navigation_or_buttons(browser, live_server, scenario):
    context, page = _sign_in(browser, live_server, "en")
    page.emulate_media(media="print")
    request = AssistanceRequest.objects.order_by("pk").first()
    offer = Offer.objects.order_by("pk").first()
    mission = Mission.objects.order_by("pk").first()
    run = MatchRun.objects.order_by("pk").first()
    for path in (
        f"/exchange/requests/{request.pk}/",
        f"/exchange/offers/{offer.pk}/",
        f"/logistics/missions/{mission.pk}/",
        f"/matching/{run.pk}/",
        "/picture/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").first.is_visible(), path
        shown = page.evaluate(
            """() => [...document.querySelectorAll('header.topbar, nav, footer, button, a.button')]
                 .filter(e => e.getClientRects().length > 0).map(e => e.outerHTML.slice(0, 80))"""
        )
        assert shown == [], (path, shown)
        pdf = page.pdf(prefer_css_page_size=True, print_background=False)
        boxes = {tuple(round(float(v)) for v in box.split()) for box in re.findall(rb"/MediaBox \[([^\]]+)\]", pdf)}
        assert boxes == {(0, 0, 595, 842)}, (path, boxes)  # A4 in points, every page
    context.close()
