"""Every goods line has a place it leaves from (issue #11, defect 4): the line's origin, else its nation's home
airfield. The offer form starts each line from the home airfield (the officer may change it); the offer's page
and API answer say when the origin is assumed, or that there is none."""

from __future__ import annotations

import pytest

from aidx.accounts.services import token_create
from aidx.assistance import selectors, services
from aidx.assistance.models import Offer
from aidx.assistance.services import LineInput
from aidx.nations.services import nation_set_home_site


def _without_origin(exchange, user):
    offer = services.offer_create(
        actor=user,
        title="Masks, origin not given",
        lines=[LineInput(item="mask-surgical", quantity=10, available_from=exchange.today)],
    )
    return services.offer_publish(actor=user, offer=offer)


def test_it_starts_each_offer_line_from_the_nations_home_airfield(client, exchange):
    nation_set_home_site(actor=None, nation="ESP", site="madrid")
    client.force_login(exchange.world.ally_b)
    form = client.get("/exchange/offers/new/")
    lines = form.context["lines"]
    assert {line["origin_site"].value() for line in lines} == {"madrid"}
    assert "home airfield" in form.content.decode()
    data = {
        "title": "Masks",
        "terms": "donation",
        "releasability": "allies_partners",
        "publish_now": "on",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-what": "item:mask-surgical",
        "lines-0-quantity": "10",
        "lines-0-available_from": exchange.today.isoformat(),
        "lines-0-origin_site": "madrid",
        "lines-1-what": "item:mask-ffp2",
        "lines-1-quantity": "5",
        "lines-1-available_from": exchange.today.isoformat(),
        "lines-1-origin_site": "rome",  # changed on this line
        # a spare row as the browser sends it: only what the form filled in by itself
        "lines-2-available_from": exchange.today.isoformat(),
        "lines-2-origin_site": "madrid",
    }
    answer = client.post("/exchange/offers/new/", data)
    assert answer.status_code == 302, answer.context and answer.context["lines"].errors
    offer = Offer.objects.get()
    assert list(offer.lines.order_by("id").values_list("origin_site__code", flat=True)) == ["madrid", "rome"]
    client.force_login(exchange.world.partner)  # Australia has no home airfield: nothing is filled in
    assert {line["origin_site"].value() for line in client.get("/exchange/offers/new/").context["lines"]} == {None}


def test_it_says_where_a_line_without_origin_leaves_from(client, exchange):
    nation_set_home_site(actor=None, nation="ESP", site="madrid")
    spanish = _without_origin(exchange, exchange.world.ally_b)
    australian = _without_origin(exchange, exchange.world.partner)
    client.force_login(exchange.world.coordinator)
    page = client.get(f"/exchange/offers/{spanish.pk}/").content.decode()
    assert 'data-testid="origin-assumed"' in page and "Madrid" in page
    assert 'data-testid="no-origin"' in client.get(f"/exchange/offers/{australian.pk}/").content.decode()
    _token, secret = token_create(actor=exchange.world.coordinator, user=exchange.world.coordinator, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    (line,) = client.get(f"/api/v1/offers/{spanish.pk}", **auth).json()["lines"]
    assert (line["origin_site"], line["origin"], line["origin_assumed"]) == (None, "madrid", True)
    (line,) = client.get(f"/api/v1/offers/{australian.pk}", **auth).json()["lines"]
    assert (line["origin_site"], line["origin"], line["origin_assumed"]) == (None, None, False)


def test_it_puts_a_line_without_origin_on_the_map_at_its_home_airfield(exchange):
    nation_set_home_site(actor=None, nation="ESP", site="madrid")
    _without_origin(exchange, exchange.world.ally_b)
    points = {(p["kind"], p["site"]): p["count"] for p in selectors.map_points(exchange.world.coordinator)}
    assert points == {("offer", "Madrid"): 1}


# --- an offer in reply, proposed to the requester ---------------------------------------------------------------


@pytest.fixture
def reply(exchange):
    """Italy needs 1,000 surgical masks and 4 ventilators (substitutes refused for these); Spain offers in reply
    300 FFP2 masks (a permitted substitute), 6 ventilators, and 50 gowns nobody asked for."""
    world = exchange.world
    request = exchange.request(lines=(("mask-surgical", 1000), ("ventilator", 4)))
    request.lines.filter(item__code="ventilator").update(substitutes_ok=False)
    offer = services.offer_create(
        actor=world.ally_b,
        title="Offer for: Masks for Lombardy",
        in_reply_to=request,
        lines=[
            LineInput(item=code, quantity=quantity, available_from=exchange.today, origin_site="madrid")
            for code, quantity in (("mask-ffp2", 300), ("ventilator", 6), ("mask-surgical", 200))
        ],
    )
    return request, services.offer_publish(actor=world.ally_b, offer=offer)


def test_it_proposes_an_offer_in_reply_to_the_requester(exchange, reply):
    _request, offer = reply
    made = services.offer_propose_to_requester(actor=exchange.world.ally_b, offer=offer)
    given = {(a.offer_line.item.code, a.request_line.item.code): (a.quantity, a.status) for a in made}
    assert given == {
        ("mask-surgical", "mask-surgical"): (200, "proposed"),  # the same item first
        ("mask-ffp2", "mask-surgical"): (300, "proposed"),  # then a permitted substitute
        ("ventilator", "ventilator"): (4, "proposed"),  # no more than the request needs
    }
    offer.refresh_from_db()
    assert offer.status == "partially_allocated"
    with pytest.raises(Exception) as again:  # what is left matches nothing the request still needs
        services.offer_propose_to_requester(actor=exchange.world.ally_b, offer=offer)
    assert getattr(again.value, "code", "") == "bad_state"


def test_it_proposes_a_reply_only_where_the_requester_may_read_it(exchange):
    world = exchange.world
    request = exchange.request()
    hidden = services.offer_create(
        actor=world.ally_b,
        title="For Australia's eyes",
        in_reply_to=request,
        releasability="named",
        release_to=["AUS"],
        lines=[LineInput(item="mask-surgical", quantity=10, available_from=exchange.today, origin_site="madrid")],
    )
    services.offer_publish(actor=world.ally_b, offer=hidden)
    with pytest.raises(Exception) as refused:
        services.offer_propose_to_requester(actor=world.ally_b, offer=hidden)
    assert "not releasable to the requesting nation" in str(refused.value)
    plain = exchange.offer()  # answers no request
    with pytest.raises(Exception) as refused:
        services.offer_propose_to_requester(actor=world.ally_b, offer=plain)
    assert "answers no request" in str(refused.value)


def test_it_lets_only_the_offering_nation_or_the_centre_propose(exchange, reply):
    _request, offer = reply
    for who in ("ally_a", "partner", "viewer"):
        with pytest.raises(Exception) as refused:
            services.offer_propose_to_requester(actor=getattr(exchange.world, who), offer=offer)
        assert getattr(refused.value, "code", "") == "forbidden", who
    assert len(services.offer_propose_to_requester(actor=exchange.world.coordinator, offer=offer)) == 3


def test_it_proposes_to_the_requester_from_the_page_and_the_api(client, exchange, reply):
    request, offer = reply
    client.force_login(exchange.world.ally_b)
    page = client.get(f"/exchange/offers/{offer.pk}/").content.decode()
    assert 'data-action="propose_to_requester"' in page
    answer = client.post(f"/exchange/offers/{offer.pk}/propose_to_requester/", follow=True)
    assert "Proposed to the requesting nation, who accepts or declines." in answer.content.decode()
    assert 'data-action="propose_to_requester"' not in answer.content.decode()
    second = exchange.offer(lines=(("mask-surgical", 100),))
    second.in_reply_to = request
    second.save(update_fields=["in_reply_to"])
    _token, secret = token_create(actor=exchange.world.ally_b, user=exchange.world.ally_b, name="t", write=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert "propose_to_requester" in client.get(f"/api/v1/offers/{second.pk}", **auth).json()["actions"]
    made = client.post(f"/api/v1/offers/{second.pk}/propose-to-requester", **auth)
    assert made.status_code == 201, made.content
    assert [(row["quantity"], row["requesting"], row["status"]) for row in made.json()] == [(100, "ITA", "proposed")]
