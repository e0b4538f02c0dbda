"""Figures per item, never a sum of unlike units (#16, finding 4): the picture, its API and the match review; and
the partner's picture agrees with the share met its own request list shows."""

from __future__ import annotations

import re

from aidx.assistance import services


def _met(exchange, request, offer, quantity):
    w = exchange.world
    allocation = services.allocation_propose(
        actor=w.coordinator, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=quantity
    )
    services.allocation_accept(actor=w.ally_a, allocation=allocation)


def test_it_shows_needs_per_item_and_the_share_by_weight(client, exchange):
    masks = exchange.request(lines=(("mask-surgical", 100_000),))
    exchange.request(lines=(("ventilator", 10),))
    _met(exchange, masks, exchange.offer(lines=(("mask-surgical", 100_000),)), 100_000)
    client.force_login(exchange.world.coordinator)
    page = client.get("/picture/").content.decode()
    # 400 kg of masks met of 400 kg + 450 kg of ventilators: 47 %, not 99.99 % (100,000 of 100,010 "units")
    assert 'data-testid="share-met">47 %<' in page
    assert "0.4 of 0.9 t" in page and "100,010" not in page
    table = page.split('data-testid="needs-by-item"', 1)[1].split("</table>", 1)[0]
    assert "Surgical mask" in table and "100,000 pieces" in table and "Ventilator" in table and "10 pieces" in table
    figures = client.get("/api/v1/figures", HTTP_AUTHORIZATION=_bearer(exchange.world.coordinator)).json()
    assert "requested" not in figures and round(figures["share_met"], 2) == 0.47
    assert {(n["item"], n["requested"], n["met"]) for n in figures["by_item"]} == {
        ("mask-surgical", 100_000, 100_000),
        ("ventilator", 10, 0),
    }


def test_it_shows_the_partner_the_share_its_list_shows(client, exchange):
    request = exchange.request(lines=(("ventilator", 40),))
    _met(exchange, request, exchange.offer(lines=(("ventilator", 20),)), 20)
    client.force_login(exchange.world.partner)
    listing = client.get("/exchange/requests/").content.decode()
    assert re.search(r"20 / 40|50\s?%", listing), "the list shows the request half met"
    page = client.get("/picture/").content.decode()
    assert 'data-testid="share-met">50 %<' in page


def test_it_gives_the_match_review_in_tonnes_not_units(client, exchange, django_capture_on_commit_callbacks):
    from aidx.matching import services as matching

    exchange.request(lines=(("mask-surgical", 45_000), ("ventilator", 10)))
    exchange.offer(lines=(("mask-surgical", 45_000), ("ventilator", 10)))
    with django_capture_on_commit_callbacks(execute=True):
        run = matching.run_start(actor=exchange.world.coordinator, time_limit=30)
    client.force_login(exchange.world.coordinator)
    page = client.get(f"/matching/{run.pk}/").content.decode()
    assert "45010 units" not in page and "45,010 units" not in page
    assert "0.6 t" in page  # 180 kg of masks and 450 kg of ventilators
    assert "P1 0.6 t" in page and "45,010" not in page  # met by priority in tonnes too


def _bearer(user):
    from aidx.accounts.services import token_create

    return f"Bearer {token_create(actor=user, user=user, name='t')[1]}"


def test_it_lists_a_request_of_unlike_items_met_by_weight(client, exchange):
    mixed = exchange.request(lines=(("mask-surgical", 100_000), ("ventilator", 10)))
    offer = exchange.offer(lines=(("mask-surgical", 100_000),))
    w = exchange.world
    allocation = services.allocation_propose(
        actor=w.coordinator,
        offer_line=offer.lines.get(),
        request_line=mixed.lines.get(item__code="mask-surgical"),
        quantity=100_000,
    )
    services.allocation_accept(actor=w.ally_a, allocation=allocation)
    client.force_login(w.partner)
    listing = client.get("/exchange/requests/").content.decode()
    assert "100,010" not in listing and "47%" in listing
    assert 'data-testid="share-met">47 %<' in client.get("/picture/").content.decode()  # the same on the picture
