"""The whole exchange in a real browser: a request, an offer, a proposal, acceptance, shipment, delivery."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from aidx.accounts.services import user_create
from aidx.assistance.models import Allocation
from aidx.catalogue.services import item_upsert
from aidx.nations.services import membership_add, nation_create, site_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story(people, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    item_upsert(
        actor=None,
        code="mask-surgical",
        name_en="Surgical mask",
        category="ppe",
        unit="piece",
        unit_weight_kg="0.004",
        unit_volume_m3="0.00005",
    )
    site_create(
        actor=None,
        code="rome",
        name="Rome Fiumicino",
        kind="airfield",
        nation=people.ita,
        latitude="41.8",
        longitude="12.25",
    )
    turkey = nation_create(actor=None, code="TUR")
    membership_add(actor=None, nation=turkey, kind="ally", valid_from=dt.date(1952, 2, 18))
    site_create(
        actor=None,
        code="ankara",
        name="Ankara Etimesgut",
        kind="airfield",
        nation=turkey,
        latitude="39.95",
        longitude="32.69",
    )
    user_create(actor=None, username="turkey", password=people.password, nation=turkey, roles={"poc", "logistics"})
    return people


def _figure(page, live_server, name):
    page.goto(f"{live_server.url}/picture/")
    return page.locator(f"[data-testid={name}]").inner_text().strip()


def test_it_walks_a_request_from_italy_to_delivery(page, live_server, login, story):
    def as_user(username):
        page.context.clear_cookies()  # sign the previous person out
        login(page, live_server, username, story.password)

    as_user("coord")
    assert _figure(page, live_server, "deliveries") == "0"

    # Italy posts a request for assistance.
    as_user("ally_a")
    page.goto(f"{live_server.url}/exchange/requests/new/")
    page.fill("#id_title", "Masks for Lombardy")
    page.fill("#id_needed_by", (timezone.localdate() + dt.timedelta(days=14)).isoformat())
    page.select_option("#id_delivery_site", "rome")
    page.select_option("#id_lines-0-what", "item:mask-surgical")
    page.fill("#id_lines-0-quantity", "1000")
    with page.expect_navigation():
        page.click("main form button[type=submit]:text('Save request')")
    request_url = page.url
    assert "/exchange/requests/" in request_url and "Masks for Lombardy" in page.content()

    # Türkiye offers in reply.
    as_user("turkey")
    page.goto(request_url)
    with page.expect_navigation():
        page.click("text=Make an offer in reply")
    page.fill("#id_title", "Masks from Türkiye")
    page.select_option("#id_lines-0-what", "item:mask-surgical")
    page.fill("#id_lines-0-quantity", "1000")
    page.fill("#id_lines-0-available_from", timezone.localdate().isoformat())
    page.select_option("#id_lines-0-origin_site", "ankara")
    with page.expect_navigation():
        page.click("main form button[type=submit]:text('Save offer')")
    assert "/exchange/offers/" in page.url

    # The coordinator proposes an allocation.
    as_user("coord")
    page.goto(request_url)
    page.fill("#propose input[name=quantity]", "1000")
    with page.expect_navigation():
        page.click("#propose button[type=submit]")
    assert Allocation.objects.get().status == "proposed"

    # Italy accepts.
    as_user("ally_a")
    page.goto(request_url)
    with page.expect_navigation():
        page.click("[data-testid=accept]")
    assert Allocation.objects.get().status == "accepted"

    # Türkiye marks it shipped.
    as_user("turkey")
    page.goto(request_url)
    with page.expect_navigation():
        page.click("button:text('Mark shipped')")
    assert Allocation.objects.get().status == "shipped"

    # Italy confirms delivery.
    as_user("ally_a")
    page.goto(request_url)
    with page.expect_navigation():
        page.click("button:text('Confirm delivery')")
    allocation = Allocation.objects.get()
    assert (allocation.status, allocation.received_quantity) == ("delivered", 1000)

    # The situational picture has moved.
    as_user("coord")
    assert _figure(page, live_server, "deliveries") == "1"
    assert _figure(page, live_server, "share-met") == "100 %"
