"""What a person reads, in a real browser (Debian's Chromium through Playwright, see browser_harness.py): money, dates
and names in the reader's language, forms that say what they need, the audit log in sentences, the icon."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aidx.assistance import services as exchange_services
from aidx.assistance.models import Offer
from aidx.assistance.tests.conftest import exchange  # noqa: F401 - the fixtures these tests build on
from aidx.catalogue.services import item_upsert
from aidx.fund import services as fund_services
from aidx.fund.tests.conftest import fund  # noqa: F401
from aidx.matching.models import MatchRun
from aidx.nations import services as registry
from aidx.stockpile.tests.conftest import stock  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NBSP = "\u00a0"


def _in(page, language: str) -> None:
    """Switch the language with the buttons in the top bar, as a person does."""
    with page.expect_navigation():
        page.click(f"button[data-language={language}]")


def test_it_writes_money_dates_and_names_for_each_reader(page, live_server, login, fund):  # noqa: F811
    w = fund.world
    item_upsert(
        actor=None,
        code="ventilator",
        name_en="Ventilator",
        name_nb="Respirator",
        name_nn="Respirator (nn)",
        category="respiratory",
        unit="piece",
        unit_weight_kg="45",
        unit_volume_m3="0.0002",
    )
    fund.stock.lot("V-1", 40)
    pledge = fund_services.pledge_create(
        actor=fund.manager, nation=fund.nor, amount_minor=123_456_789, currency="NOK", pledged_on=dt.date(2020, 6, 1)
    )
    login(page, live_server, "stockpile", w.password)
    page.goto(f"{live_server.url}/fund/pledges/{pledge.pk}/")
    assert page.locator("[data-testid=pledge-amount]").inner_text().startswith("NOK1,234,567.89 (1 Jun 2020; €")
    _in(page, "nn")
    amount = page.locator("[data-testid=pledge-amount]").inner_text()
    assert amount.startswith(f"1{NBSP}234{NBSP}567,89{NBSP}kr (1. juni 2020; ")
    assert f"{NBSP}€" in amount and "Noreg" in page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/picture/")
    panel = page.locator("[data-testid=stock-and-fund]").inner_text()
    assert "Respirator (nn): 40 / 40" in panel
    _in(page, "en")
    assert "Ventilator: 40 / 40" in page.locator("[data-testid=stock-and-fund]").inner_text()


def test_it_names_each_country_once_in_nynorsk(page, live_server, login, people):
    for code in ("CZE", "USA", "LUX", "PRT", "TUR"):
        nation = registry.nation_create(actor=None, code=code)
        registry.membership_add(actor=None, nation=nation, kind="ally", valid_from=dt.date(1999, 3, 12))
    login(page, live_server, "coord", people.password)
    page.goto(f"{live_server.url}/registry/nations/")
    _in(page, "nn")
    names = page.locator("main").inner_text()
    for name in ("Tsjekkia", "USA", "Luxemburg", "Portugal", "Tyrkia", "Nord-Makedonia"):
        assert name in names
    for wrong in ("Czechia", "Sambandsstatane", "Luxembourg", "Portugual", "Türkiye", "North Macedonia"):
        assert wrong not in names


def test_it_says_on_the_form_that_declining_needs_a_reason(page, live_server, login, stock):  # noqa: F811
    w = stock.world
    request, offer = stock.exchange.request(), stock.exchange.offer()
    allocation = exchange_services.allocation_propose(
        actor=w.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=100
    )
    login(page, live_server, "ally_a", w.password)
    page.goto(f"{live_server.url}/exchange/requests/{request.pk}/")
    form = page.locator(f"#allocation-{allocation.pk} form", has=page.locator("[data-testid=decline-reason]"))
    assert "Reason for declining (required)" in form.inner_text()  # words on the page, not a tooltip
    assert "the offering nation and the centre see it" in form.inner_text()
    # A browser that does not enforce `required` sends it empty: the server says why it refuses.
    form.locator("[data-testid=decline-reason]").evaluate("input => input.removeAttribute('required')")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Give a reason for declining" in page.locator("main").inner_text()
    allocation.refresh_from_db()
    assert allocation.status == "proposed"


def test_it_takes_a_price_as_the_reader_writes_money(page, live_server, login, stock):  # noqa: F811
    login(page, live_server, "ally_b", stock.world.password)
    page.goto(f"{live_server.url}/exchange/offers/new/")
    _in(page, "nb")
    label = page.locator("label[for=id_price_minor]").inner_text()
    assert label == "Pris" and "minor" not in page.locator("main").inner_text()
    page.fill("#id_title", "Salg av munnbind")
    page.select_option("#id_terms", "sale")
    page.fill("#id_price_minor", "1 234,50")
    page.fill("#id_currency", "EUR")
    page.select_option("#id_lines-0-what", "item:mask-surgical")
    page.fill("#id_lines-0-quantity", "100")
    page.fill("#id_lines-0-available_from", stock.today.isoformat())
    page.select_option("#id_lines-0-origin_site", "madrid")
    with page.expect_navigation():
        page.click("main form button[type=submit]:not([name=add_line])")
    offer = Offer.objects.get(title="Salg av munnbind")
    assert (offer.price_minor, offer.currency) == (123450, "EUR")
    assert f"1{NBSP}234,50{NBSP}€" in page.locator("main").inner_text()


def test_it_chooses_the_items_of_a_match_run_from_a_list(page, live_server, login, stock):  # noqa: F811
    login(page, live_server, "coord", stock.world.password)
    page.goto(f"{live_server.url}/matching/")
    assert "separated by commas" not in page.locator("main").inner_text()
    page.select_option("#id_items", label=["FFP2 mask", "Surgical mask"])
    page.select_option("#id_nations", label=["Italy"])
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    run = MatchRun.objects.get()
    assert (sorted(run.scope["items"]), run.scope["nations"]) == (["mask-ffp2", "mask-surgical"], ["ITA"])
    page.goto(f"{live_server.url}/matching/")
    _in(page, "nn")
    scope = page.locator("main table").inner_text()
    assert "Italia" in scope and "mask-ffp2" not in scope


def test_it_tells_a_records_history_in_sentences(page, live_server, login, stock):  # noqa: F811
    request = stock.exchange.request()
    login(page, live_server, "coord", stock.world.password)
    page.goto(f"{live_server.url}/exchange/requests/{request.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=history-link]")
    assert page.locator("[data-testid=history-of]").inner_text() == f"History of request for assistance {request.pk}"
    sentences = page.locator("[data-testid=sentence]").all_inner_texts()
    assert [s.split(".")[0] for s in sentences] == [
        f"Italy's point of contact circulated request for assistance {request.pk}",
        f"Italy's point of contact created request for assistance {request.pk}",
    ]
    assert "request.submit" not in page.content() and "assistance.assistancerequest #" not in page.content()
    with page.expect_download() as download:
        page.click("[data-testid=exports] >> text=CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "request.submit" in text and "circulated request for assistance" in text


def test_it_has_an_icon(page, live_server, login, people):
    login(page, live_server, "ally_a", people.password)
    assert page.locator("head link[rel=icon]").count() == 2
    answer = page.goto(f"{live_server.url}/favicon.ico")
    assert answer.ok and answer.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert answer.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
