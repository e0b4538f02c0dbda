"""A standby pledge on terms of sale has no price: activating it asks for the offer's price and currency (the price
of the whole offer, in minor units, as the exchange's offers have it), in the service, on the pledge's page and in
the API. Before, such an offer was made with a price of 0 EUR that no one had given."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from aidx.assistance.models import Offer
from aidx.audit.models import AuditEntry
from aidx.core import formatting
from aidx.core.bounds import MAX_MINOR_UNITS
from aidx.core.errors import BusinessError
from aidx.preparedness import services
from aidx.preparedness.models import Activation, Pledge


@pytest.fixture
def sale(prep):
    """Spain's pledge of 40 ventilators, to be sold."""
    return prep.pledge(prep.world.ally_b, quantity=40, terms=Offer.Terms.SALE)


def _written() -> tuple[int, int, int]:
    return Offer.objects.count(), Activation.objects.count(), AuditEntry.objects.count()


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


# --- the service ---------------------------------------------------------------------------------------------


def test_a_sale_pledge_without_a_price_is_refused_with_every_problem_at_once_and_nothing_written(prep, sale):
    before = _written()
    with pytest.raises(BusinessError) as caught:
        services.pledge_activate(actor=prep.world.ally_b, pledge=sale, quantity=41)
    fields = caught.value.fields
    assert fields is not None
    assert fields["quantity"] == ["Only 40 of this pledge remain."]
    assert fields["price_minor"] == ["A sale needs a price."]
    assert fields["currency"] == ["Give the currency as a three-letter ISO code."]
    assert _written() == before
    sale.refresh_from_db()
    assert sale.remaining == 40 and sale.status == Pledge.Status.STANDBY


def test_a_sale_pledges_currency_must_be_an_iso_code(prep, sale):
    before = _written()
    with pytest.raises(BusinessError) as caught:
        services.pledge_activate(actor=prep.world.coordinator, pledge=sale, quantity=1, price_minor=100, currency="€")
    assert caught.value.fields == {"currency": ["Give the currency as a three-letter ISO code."]}
    assert _written() == before


def test_a_sale_pledge_becomes_an_offer_with_the_price_and_currency_given(prep, sale):
    activation = services.pledge_activate(
        actor=prep.world.ally_b, pledge=sale, quantity=10, price_minor=4_500_000, currency="usd"
    )
    offer = Offer.objects.get(pk=activation.offer_id)
    assert (offer.terms, offer.price_minor, offer.currency, offer.status) == ("sale", 4_500_000, "USD", "open")
    assert offer.lines.get().quantity == 10
    sale.refresh_from_db()
    assert sale.remaining == 30


def test_a_donation_pledge_refuses_a_price_and_writes_nothing(prep):
    before = _written()
    with pytest.raises(BusinessError) as caught:
        services.pledge_activate(
            actor=prep.world.ally_b, pledge=prep.spain_open, quantity=0, price_minor=1000, currency="EUR"
        )
    fields = caught.value.fields
    assert fields is not None
    assert fields["price_minor"] == ["Only a sale has a price."]
    assert fields["quantity"] == ["The quantity must be greater than zero."]
    assert _written() == before
    prep.spain_open.refresh_from_db()
    assert prep.spain_open.remaining == 50


# --- the page ------------------------------------------------------------------------------------------------


def test_the_pledge_page_asks_for_a_price_and_currency_only_for_a_sale_pledge(prep, sale):
    donation = _text(_client(prep.world.ally_b).get(f"/preparedness/pledges/{prep.spain_open.pk}/"))
    assert 'name="quantity"' in donation
    assert 'name="price_minor"' not in donation and 'name="currency"' not in donation
    selling = _text(_client(prep.world.ally_b).get(f"/preparedness/pledges/{sale.pk}/"))
    assert 'name="quantity"' in selling and 'name="price_minor"' in selling
    assert 'name="currency" value="EUR"' in selling
    assert "Of the whole offer, not of one unit" in selling


def test_a_price_typed_in_norwegian_becomes_the_offers_price_in_minor_units(prep, sale):
    client = _client(prep.world.ally_b, "nb")
    answer = client.post(
        f"/preparedness/pledges/{sale.pk}/activate/",
        {"quantity": "12", "price_minor": "1 234,50", "currency": "EUR"},
    )
    assert answer.status_code == 302
    offer = Activation.objects.get(pledge=sale).offer
    assert (offer.price_minor, offer.currency, offer.terms) == (123450, "EUR", "sale")
    # the pledge's activations show the offer's price, as the reader writes money
    activations = _text(client.get(answer["Location"])).split('data-testid="activations"')[1]
    assert formatting.money(123450, "EUR", language="nb") in activations


def test_every_problem_of_an_activation_shows_at_once_on_its_field_and_nothing_is_written(prep, sale):
    before = _written()
    answer = _client(prep.world.ally_b).post(
        f"/preparedness/pledges/{sale.pk}/activate/", {"quantity": "0", "price_minor": "", "currency": ""}
    )
    assert answer.status_code == 400
    form = answer.context["activate_form"]
    assert form.errors == {
        "quantity": ["The quantity must be greater than zero."],
        "price_minor": ["A sale needs a price."],
        "currency": ["Give the currency as a three-letter ISO code."],
    }
    body = _text(answer)
    for message in form.errors.values():
        assert message[0] in body
    assert _written() == before
    # what the form finds wrong keeps its word, and the service judges the rest with it
    answer = _client(prep.world.ally_b).post(
        f"/preparedness/pledges/{sale.pk}/activate/", {"quantity": "99", "price_minor": "12x", "currency": "EUR"}
    )
    assert answer.status_code == 400
    errors = answer.context["activate_form"].errors
    assert errors["price_minor"][0].startswith("Enter an amount such as")
    assert errors["quantity"] == ["Only 40 of this pledge remain."]
    assert _written() == before


# --- the API -------------------------------------------------------------------------------------------------


def _activate(user, pledge, **body):
    url = f"/api/v1/preparedness/pledges/{pledge.pk}/activate"
    return _client(user).post(url, body, content_type="application/json")


def test_the_api_activates_a_sale_pledge_with_its_price(prep, sale):
    answer = _activate(prep.world.ally_b, sale, quantity=5, price_minor=250_000, currency="EUR")
    assert answer.status_code == 201, answer.content
    offer = Offer.objects.get(pk=answer.json()["offer"])
    assert (offer.price_minor, offer.currency) == (250_000, "EUR")
    assert answer.json()["remaining"] == 35


def test_the_api_refuses_a_sale_pledge_without_a_price_with_every_problem(prep, sale):
    before = _written()
    answer = _activate(prep.world.ally_b, sale, quantity=5)
    assert answer.status_code == 400
    assert {"price_minor", "currency"} == set(answer.json()["error"]["fields"])
    too_much = _activate(prep.world.ally_b, sale, quantity=5, price_minor=MAX_MINOR_UNITS + 1, currency="EUR")
    assert too_much.status_code == 422
    assert _written() == before


def test_the_api_documents_the_price_of_an_activation(prep):
    schema = _client(prep.world.coordinator).get("/api/v1/openapi.json").json()
    body = schema["components"]["schemas"]["PrepActivateIn"]["properties"]
    assert "whole offer" in body["price_minor"]["description"]
    assert "ISO 4217" in body["currency"]["description"]
