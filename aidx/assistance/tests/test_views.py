"""The exchange's web pages: every page for every kind of user, need-to-know on every surface, the whole story
through the forms, inline errors that write nothing, and lists in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidx.assistance import services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.audit.models import AuditEntry
from aidx.notifications.models import Notification

USERS = ["coordinator", "ally_a", "ally_b", "partner", "outsider", "viewer"]


def _line(record):
    return record.lines.get()


def _propose(exchange, request, offer, quantity=100, actor=None):
    return services.allocation_propose(
        actor=actor or exchange.world.coordinator,
        offer_line=_line(offer),
        request_line=_line(request),
        quantity=quantity,
    )


@pytest.mark.parametrize("who", USERS)
def test_it_renders_every_page_for_every_kind_of_user(client, exchange, who):
    request, offer = exchange.request(), exchange.offer()
    _propose(exchange, request, offer)
    client.force_login(getattr(exchange.world, who))
    pages = [
        "/exchange/requests/",
        "/exchange/offers/",
        "/exchange/allocations/",
        "/exchange/inbox/",
        "/exchange/requests/new/",
        "/exchange/offers/new/",
        "/notifications/",
        "/picture/",
        "/exchange/requests/?status=submitted&priority=1&item=mask-surgical&nation=ITA&q=Masks",
    ]
    if who != "outsider":  # released to allies and partners: Brazil has no standing
        pages += [
            f"/exchange/requests/{request.pk}/",
            f"/exchange/offers/{offer.pk}/",
            f"/exchange/offers/new/?in_reply_to={request.pk}",
        ]
    for path in pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert b'name="viewport"' in answer.content
    assert b'href="/exchange/requests/"' in answer.content and b'href="/picture/"' in answer.content


def test_it_sends_signed_out_visitors_to_the_login_page(client, exchange):
    for path in ["/exchange/requests/", "/exchange/offers/1/", "/exchange/inbox/", "/picture/", "/notifications/"]:
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/"), path


@pytest.fixture
def secrets(exchange):
    """An allies-only request and offer, and others released to allies and partners, all open."""
    w = exchange.world
    return {
        "allies_request": exchange.request(releasability="allies", site=exchange.madrid),
        "shared_request": exchange.request(),
        "allies_offer": exchange.offer(releasability="allies"),
        "shared_offer": exchange.offer(w.ally_a, lines=(("mask-ffp2", 50),)),
        # the partner's own open offer of masks: the inbox then lists requests it could help with
        "partner_offer": exchange.offer(w.partner, lines=(("mask-surgical", 10),)),
    }


@pytest.mark.parametrize("who, sees_secrets", [("partner", False), ("ally_b", True), ("coordinator", True)])
def test_it_applies_need_to_know_on_every_surface(client, exchange, secrets, who, sees_secrets):
    client.force_login(getattr(exchange.world, who))
    allies_request, allies_offer = secrets["allies_request"], secrets["allies_offer"]
    request_link = f'href="/exchange/requests/{allies_request.pk}/"'
    offer_link = f'href="/exchange/offers/{allies_offer.pk}/"'

    listing = client.get("/exchange/requests/")
    searched = client.get("/exchange/requests/", {"q": "Masks", "item": "mask-surgical", "nation": "ITA"})
    for answer in (listing, searched):
        assert (request_link in answer.content.decode()) is sees_secrets
        assert answer.context["page"].paginator.count == (2 if sees_secrets else 1)
    offers = client.get("/exchange/offers/")
    assert (offer_link in offers.content.decode()) is sees_secrets
    assert offers.context["page"].paginator.count == (3 if sees_secrets else 2)

    assert client.get(f"/exchange/requests/{allies_request.pk}/").status_code == (200 if sees_secrets else 404)
    assert client.get(f"/exchange/offers/{allies_offer.pk}/").status_code == (200 if sees_secrets else 404)
    reply = client.get("/exchange/offers/new/", {"in_reply_to": allies_request.pk})
    assert reply.status_code == (200 if sees_secrets else 404)

    inbox = client.get("/exchange/inbox/")
    if who != "coordinator":  # the centre has no open offers of its own
        could_help = {r.pk for r in inbox.context["work"].could_help}
        assert secrets["shared_request"].pk in could_help
        assert (allies_request.pk in could_help) is sees_secrets
    if not sees_secrets:  # neither in the lists nor in a notification
        assert request_link not in inbox.content.decode()

    picture = client.get("/picture/")
    assert picture.context["figures"].open_requests == (2 if sees_secrets else 1)
    assert picture.context["figures"].open_offers == (3 if sees_secrets else 2)
    sites = {(p["kind"], p["site"]) for p in picture.context["points"]}
    assert (("request", "Madrid") in sites) is sees_secrets
    assert ("request", "Rome") in sites
    assert f'data-testid="open-requests">{2 if sees_secrets else 1}<' in picture.content.decode()


def test_it_shows_allocations_to_their_parties_only(client, exchange):
    request, offer = exchange.request(), exchange.offer()
    allocation = _propose(exchange, request, offer)
    action = f"/exchange/allocations/{allocation.pk}/accept/"
    for who, party in [("ally_a", True), ("ally_b", True), ("coordinator", True), ("partner", False)]:
        client.force_login(getattr(exchange.world, who))
        listing = client.get("/exchange/allocations/")
        assert (listing.context["page"].paginator.count == 1) is party
        detail = client.get(f"/exchange/requests/{request.pk}/")
        assert (action in detail.content.decode()) is (who == "ally_a")  # only the requesting nation decides
    client.force_login(exchange.world.partner)
    assert client.post(action).status_code == 404


def _request_form(exchange, **changes):
    data = {
        "title": "Ventilators for Lombardy",
        "description": "",
        "incident": "covid-19",
        "priority": "1",
        "needed_by": (exchange.today + dt.timedelta(days=14)).isoformat(),
        "delivery_site": "rome",
        "contact": "",
        "releasability": "allies_partners",
        "submit_now": "on",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-what": "item:ventilator",
        "lines-0-quantity": "40",
        "lines-0-substitutes_ok": "on",
    }
    data.update(changes)
    return data


def _figures(client):
    answer = client.get("/picture/").content.decode()
    return {
        name: answer.split(f'data-testid="{name}">', 1)[1].split("<", 1)[0]
        for name in ("open-requests", "share-met", "tonnes-allocated", "deliveries")
    }


def test_it_walks_the_whole_story_through_the_pages(client, exchange):
    w = exchange.world
    client.force_login(w.coordinator)
    assert _figures(client) == {"open-requests": "0", "share-met": "0 %", "tonnes-allocated": "0.0", "deliveries": "0"}

    client.force_login(w.ally_a)  # Italy asks
    answer = client.post("/exchange/requests/new/", _request_form(exchange))
    request = AssistanceRequest.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/exchange/requests/{request.pk}/"
    assert request.status == "submitted" and request.owner_nation_id == "ITA"
    assert "Request submitted." in client.get(answer["Location"]).content.decode()

    client.force_login(w.ally_b)  # Spain offers in reply, prefilled from the request
    form = client.get("/exchange/offers/new/", {"in_reply_to": request.pk})
    assert form.context["lines"].initial == [{"what": "item:ventilator", "quantity": 40}]
    answer = client.post(
        "/exchange/offers/new/",
        {
            "title": "Ventilators from Spain",
            "terms": "donation",
            "releasability": "allies_partners",
            "publish_now": "on",
            "in_reply_to": str(request.pk),
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-what": "item:ventilator",
            "lines-0-quantity": "20",
            "lines-0-available_from": exchange.today.isoformat(),
            "lines-0-origin_site": "madrid",
            "lines-1-available_from": exchange.today.isoformat(),
        },
    )
    offer = Offer.objects.get()
    assert answer.status_code == 302 and offer.status == "open" and offer.in_reply_to == request
    assert Notification.objects.filter(user=w.ally_a, kind="offer_received").exists()

    client.force_login(w.coordinator)  # the centre proposes
    detail = client.get(f"/exchange/requests/{request.pk}/")
    pair = f"{_line(offer).pk}:{_line(request).pk}"
    assert [value for value, _label in detail.context["propose"].fields["pair"].choices] == [pair]
    answer = client.post(f"/exchange/requests/{request.pk}/", {"pair": pair, "quantity": "20"})
    assert answer.status_code == 302
    allocation = Allocation.objects.get()
    assert allocation.status == "proposed"
    assert _figures(client)["tonnes-allocated"] == "0.9"

    client.force_login(w.ally_a)  # Italy accepts
    assert client.post(f"/exchange/allocations/{allocation.pk}/accept/").status_code == 302
    client.force_login(w.ally_b)  # Spain ships
    assert client.post(f"/exchange/allocations/{allocation.pk}/ship/").status_code == 302
    client.force_login(w.ally_a)  # Italy confirms delivery
    answer = client.post(
        f"/exchange/allocations/{allocation.pk}/deliver/",
        {"received_quantity": "20", "discrepancy": "", "next": "/exchange/inbox/"},
    )
    assert answer.status_code == 302 and answer["Location"] == "/exchange/inbox/"
    allocation.refresh_from_db()
    assert allocation.status == "delivered" and allocation.received_quantity == 20

    detail = client.get(f"/exchange/requests/{request.pk}/")
    line = detail.context["lines"][0]
    assert (line.quantity, line.accepted, line.shipped, line.delivered) == (40, 20, 20, 20)
    labels = [str(entry.label) for entry in detail.context["timeline"]]
    assert labels[:2] == ["created the request", "submitted the request"]
    assert {"proposed an allocation", "accepted an allocation", "shipped an allocation", "confirmed a delivery"} <= set(
        labels
    )
    client.force_login(w.coordinator)
    assert _figures(client) == {"open-requests": "1", "share-met": "50 %", "tonnes-allocated": "0.9", "deliveries": "1"}


@pytest.mark.parametrize(
    "changes, where, message",
    [
        ({"lines-0-quantity": "-5"}, "line", "greater than zero"),
        ({"lines-0-what": "item:no-such-thing"}, "what", "Select a valid choice"),
        ({"needed_by": "2001-01-01"}, "needed_by", "in the past"),
        ({"needed_by": "not-a-date"}, "needed_by", "Enter a valid date"),
        ({"lines-0-what": "", "lines-0-quantity": ""}, "lines", "at least one line"),
        ({"releasability": "named"}, "release_to", "at least one nation"),
    ],
)
def test_it_rejects_bad_requests_inline_and_writes_nothing(client, exchange, changes, where, message):
    client.force_login(exchange.world.ally_a)
    before = AuditEntry.objects.count()
    answer = client.post("/exchange/requests/new/", _request_form(exchange, **changes))
    assert answer.status_code == 400
    assert message in answer.content.decode()
    form, lines = answer.context["form"], answer.context["lines"]
    if where == "line":
        assert message in lines.forms[0].non_field_errors()[0]
    elif where == "what":
        assert "what" in lines.forms[0].errors
    elif where == "lines":
        assert message in lines.non_form_errors()[0]
    else:
        assert where in form.errors
    assert not AssistanceRequest.objects.exists() and not RequestLine.objects.exists()
    assert AuditEntry.objects.count() == before


def test_it_puts_a_line_error_at_the_line_it_belongs_to(client, exchange):
    client.force_login(exchange.world.ally_b)
    today = exchange.today.isoformat()
    answer = client.post(
        "/exchange/offers/new/",
        {
            "title": "Two lines",
            "terms": "donation",
            "releasability": "allies_partners",
            "publish_now": "on",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-0-what": "item:mask-ffp2",
            "lines-0-quantity": "5",
            "lines-0-available_from": today,
            "lines-1-available_from": today,  # a blank row between is skipped
            "lines-2-what": "item:mask-surgical",
            "lines-2-quantity": "5",
            "lines-2-available_from": today,
            "lines-2-available_until": (exchange.today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert answer.status_code == 400
    lines = answer.context["lines"]
    assert not lines.forms[0].errors and "available until is before" in lines.forms[2].non_field_errors()[0]
    assert not Offer.objects.exists() and not OfferLine.objects.exists()


def test_it_adds_blank_lines_without_judging_the_form(client, exchange):
    client.force_login(exchange.world.ally_a)
    answer = client.post("/exchange/requests/new/", _request_form(exchange, title="", add_line="1"))
    assert answer.status_code == 200 and not answer.context["form"].is_bound
    assert len(answer.context["lines"].forms) == 3 + 3
    assert answer.context["lines"].forms[0].initial["what"] == "item:ventilator"
    assert not AssistanceRequest.objects.exists()


def test_it_keeps_a_draft_when_asked_and_submits_it_later(client, exchange):
    client.force_login(exchange.world.ally_a)
    answer = client.post("/exchange/requests/new/", _request_form(exchange, submit_now=""))
    request = AssistanceRequest.objects.get()
    assert answer.status_code == 302 and request.status == "draft"
    client.force_login(exchange.world.ally_b)  # a draft is not circulated: another nation cannot even see it
    assert client.get(f"/exchange/requests/{request.pk}/").status_code == 404
    assert client.post(f"/exchange/requests/{request.pk}/submit/").status_code == 404
    request.refresh_from_db()
    assert request.status == "draft"
    client.force_login(exchange.world.ally_a)
    client.post(f"/exchange/requests/{request.pk}/submit/")
    request.refresh_from_db()
    assert request.status == "submitted"


def test_it_shows_service_refusals_and_changes_nothing(client, exchange):
    request, offer = exchange.request(), exchange.offer()
    allocation = _propose(exchange, request, offer)
    client.force_login(exchange.world.ally_a)
    answer = client.post(f"/exchange/allocations/{allocation.pk}/decline/", {"reason": " "}, follow=True)
    assert "Give a reason for declining: the offering nation and the centre see it." in answer.content.decode()
    allocation.refresh_from_db()
    assert allocation.status == "proposed"
    client.force_login(exchange.world.ally_b)  # Spain may not accept on Italy's behalf
    answer = client.post(f"/exchange/allocations/{allocation.pk}/accept/", follow=True)
    assert "Only the requesting nation" in answer.content.decode()
    allocation.refresh_from_db()
    assert allocation.status == "proposed"
    client.force_login(exchange.world.coordinator)  # over-allocation: a form error on the quantity, 400
    pair = f"{_line(offer).pk}:{_line(request).pk}"
    answer = client.post(f"/exchange/requests/{request.pk}/", {"pair": pair, "quantity": "5000"})
    assert answer.status_code == 400 and "quantity" in answer.context["propose"].errors
    assert Allocation.objects.count() == 1
    client.force_login(exchange.world.ally_a)  # a bad received quantity on delivery
    services.allocation_accept(actor=exchange.world.ally_a, allocation=allocation)
    services.allocation_ship(actor=exchange.world.ally_b, allocation=allocation)
    answer = client.post(f"/exchange/allocations/{allocation.pk}/deliver/", {"received_quantity": "50"}, follow=True)
    assert "Describe the discrepancy." in answer.content.decode()
    allocation.refresh_from_db()
    assert allocation.status == "shipped"


def test_it_offers_to_propose_only_open_offers_that_serve_the_line(client, exchange):
    w = exchange.world
    request = exchange.request()
    substitute = exchange.offer(lines=(("mask-ffp2", 100),))
    exchange.offer(lines=(("ventilator", 2),))  # serves nothing on this request
    exchange.offer(publish=False)  # a draft is not open
    client.force_login(w.ally_b)  # a nation proposes its own offers only
    choices = client.get(f"/exchange/requests/{request.pk}/").context["propose"].fields["pair"].choices
    assert [value for value, _label in choices] == [f"{_line(substitute).pk}:{_line(request).pk}"]
    client.force_login(w.ally_a)  # the requesting nation has nothing to propose to itself
    assert client.get(f"/exchange/requests/{request.pk}/").context["propose"] is None
    client.force_login(w.partner)  # the partner has no open offer
    assert client.get(f"/exchange/requests/{request.pk}/").context["propose"] is None


def test_it_shows_bad_filters_as_errors_and_ignores_them(client, exchange):
    exchange.request(priority=1)
    client.force_login(exchange.world.ally_a)
    answer = client.get(
        "/exchange/requests/", {"priority": "9", "needed_from": "2020-13-45", "nation": "XXX", "status": "submitted"}
    )
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert {"priority", "needed_from", "nation"} <= set(errors)
    assert answer.context["page"].paginator.count == 1  # the good filter still applies
    assert 'role="alert"' in answer.content.decode()
    assert client.get("/exchange/requests/", {"status": "met"}).context["page"].paginator.count == 0
    assert client.get("/exchange/offers/", {"status": "bogus"}).context["form"].errors
    assert client.get("/exchange/allocations/", {"status": "bogus"}).status_code == 200


def _count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_it_lists_in_a_constant_number_of_queries(client, exchange, django_assert_max_num_queries):
    w = exchange.world
    client.force_login(w.coordinator)
    for _ in range(3):
        _propose(exchange, exchange.request(), exchange.offer(), quantity=10)
    few = {
        path: _count_queries(client, path)
        for path in ["/exchange/requests/", "/exchange/offers/", "/exchange/allocations/"]
    }
    for _ in range(27):
        _propose(exchange, exchange.request(w.ally_b, site=exchange.madrid), exchange.offer(w.ally_a), quantity=10)
    for path, count in few.items():
        with django_assert_max_num_queries(count):
            answer = client.get(path)
        assert answer.context["page"].paginator.count == 30, path


def test_it_numbers_a_line_problem_by_the_row_it_was_typed_in(client, exchange):
    """A blank row between two lines is skipped, but the problem of the row after it still names that row."""
    client.force_login(exchange.world.ally_a)
    answer = client.post(
        "/exchange/requests/new/",
        _request_form(exchange, **{"lines-2-what": "item:ventilator", "lines-2-quantity": "-5"}),
    )
    text = answer.content.decode()
    assert answer.status_code == 400 and not AssistanceRequest.objects.exists()
    assert "Line 3: The quantity must be greater than zero." in text
    assert "Line 2:" not in text
