"""Every problem of a new request or offer at once (#16, finding 1): the header and every line are judged before
anything is written, on the page, in the service and in the API's `fields`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from aidx.accounts.services import token_create
from aidx.assistance import services
from aidx.assistance.models import AssistanceRequest, Offer
from aidx.catalogue.services import item_upsert
from aidx.core.errors import BusinessError
from aidx.nations.services import site_create


def _catalogue(people):
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


@pytest.fixture
def stocked(world):
    _catalogue(world)
    return world


def _yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def test_it_reports_a_past_date_a_negative_quantity_and_a_line_without_item_together(stocked):
    with pytest.raises(BusinessError) as caught:
        services.request_create(
            actor=stocked.ally_a,
            title="Masks",
            needed_by=_yesterday(),
            delivery_site="rome",
            lines=[
                services.LineInput(item="mask-surgical", quantity=-5),
                services.LineInput(quantity=10),
            ],
        )
    fields = [problem.field for problem in caught.value.problems]
    assert fields == ["needed_by", "lines.1", "lines.2"]
    assert not AssistanceRequest.objects.exists()


def test_it_reports_every_header_and_line_problem_of_an_offer(stocked):
    with pytest.raises(BusinessError) as caught:
        services.offer_create(
            actor=stocked.ally_a,
            title="",
            terms="sale",
            currency="E",
            lines=[
                services.LineInput(item="nope", quantity=0, available_from=timezone.localdate()),
                services.LineInput(item="mask-surgical", quantity=3),
            ],
        )
    fields = [problem.field for problem in caught.value.problems]
    assert fields == ["title", "price_minor", "currency", "lines.1", "lines.1", "lines.2"]
    assert not Offer.objects.exists()


def test_it_takes_only_a_real_currency_for_a_sale(stocked):
    """Three letters are not enough: "XYZ" names no ISO 4217 currency (the fund and the stockpile said so already)."""
    with translation.override("en"), pytest.raises(BusinessError) as caught:
        services.offer_create(
            actor=stocked.ally_a,
            title="Masks for sale",
            terms="sale",
            price_minor=100,
            currency="xyz",
            lines=[services.LineInput(item="mask-surgical", quantity=3, available_from=timezone.localdate())],
        )
    assert caught.value.fields == {"currency": ["Unknown currency: XYZ."]}
    assert not Offer.objects.exists()


def test_it_lists_every_problem_in_the_api_fields(client, stocked):
    token = token_create(actor=stocked.ally_a, user=stocked.ally_a, name="t", write=True)[1]
    answer = client.post(
        "/api/v1/requests",
        {
            "title": "Masks",
            "needed_by": _yesterday().isoformat(),
            "delivery_site": "rome",
            "lines": [{"item": "mask-surgical", "quantity": -5}, {"quantity": 10}],
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 400, answer.content
    assert set(answer.json()["error"]["fields"]) == {"needed_by", "lines.1", "lines.2"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_shows_every_problem_of_a_request_form_on_the_first_submit(page, live_server, login, people):
    _catalogue(people)
    login(page, live_server, "ally_a", people.password)
    page.goto(f"{live_server.url}/exchange/requests/new/")
    page.fill("#id_title", "Masks for Lombardy")
    page.fill("#id_needed_by", _yesterday().isoformat())
    page.select_option("#id_delivery_site", "rome")
    page.select_option("#id_lines-0-what", "item:mask-surgical")
    page.fill("#id_lines-0-quantity", "-5")
    page.fill("#id_lines-1-quantity", "10")
    with page.expect_navigation():
        page.click("main form button[type=submit]:text('Save request')")
    text = page.locator("main").inner_text()
    assert "The needed-by date is in the past." in text
    assert "Line 1: The quantity must be greater than zero." in text
    assert "Line 2: choose an item or a capability." in text
    assert page.locator("#line-1.invalid").count() == 1 and page.locator("#line-2.invalid").count() == 1
    assert not AssistanceRequest.objects.exists()
