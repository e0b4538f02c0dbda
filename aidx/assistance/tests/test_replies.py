"""An offer in reply to a request reveals the request (its title, its id, that it exists): it is never released
more widely than the request (issue #11, defect 2). The service refuses a wider releasability with a translated
error and writes nothing; without one it takes the request's; the form starts from the request's."""

from __future__ import annotations

import pytest
from django.utils import translation

from aidx.accounts.services import token_create
from aidx.assistance import services
from aidx.assistance.models import Offer
from aidx.assistance.services import LineInput
from aidx.core.errors import BusinessError
from aidx.notifications.models import Notification


def _reply(exchange, request, user=None, **fields):
    return services.offer_create(
        actor=user or exchange.world.ally_b,
        title="Masks from Spain",
        in_reply_to=request,
        lines=[LineInput(item="mask-surgical", quantity=10, available_from=exchange.today, origin_site="madrid")],
        **fields,
    )


@pytest.mark.parametrize(
    "request_release, reply_release, field",
    [
        (("allies", None), ("allies_partners", None), "releasability"),
        (("named", ["ESP"]), ("allies", None), "releasability"),
        (("named", ["ESP"]), ("allies_partners", None), "releasability"),
        (("named", ["ESP"]), ("named", ["ESP", "AUS"]), "release_to"),  # Australia may not see the request
        (("allies", None), ("named", ["AUS"]), "release_to"),  # a partner, for an allies-only request
    ],
)
def test_it_refuses_a_reply_released_more_widely_than_its_request(exchange, request_release, reply_release, field):
    releasability, release_to = request_release
    request = exchange.request(releasability=releasability, release_to=release_to)
    with pytest.raises(BusinessError) as refused:
        _reply(exchange, request, releasability=reply_release[0], release_to=reply_release[1])
    assert (refused.value.code, refused.value.field) == ("wider_than_source", field)
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    "request_release, reply_release",
    [
        (("allies_partners", None), ("allies_partners", None)),
        (("allies_partners", None), ("named", ["AUS"])),
        (("allies", None), ("allies", None)),
        (("allies", None), ("named", ["ITA", "MKD"])),  # North Macedonia: an ally since 2020-03-27
        (("named", ["ESP", "MKD"]), ("named", ["ITA", "MKD"])),  # the requester and a nation it named
    ],
)
def test_it_accepts_a_reply_released_as_narrowly_as_its_request(exchange, request_release, reply_release):
    request = exchange.request(releasability=request_release[0], release_to=request_release[1])
    offer = _reply(exchange, request, releasability=reply_release[0], release_to=reply_release[1])
    assert offer.releasability == reply_release[0]


@pytest.mark.parametrize(
    "request_release, expected",
    [
        (("allies", None), ("allies", set())),
        (("allies_partners", None), ("allies_partners", set())),
        (("named", ["ESP"]), ("named", {"ESP", "ITA"})),
    ],
)
def test_it_releases_a_reply_as_its_request_by_default(exchange, request_release, expected):
    request = exchange.request(releasability=request_release[0], release_to=request_release[1])
    offer = _reply(exchange, request)
    assert (offer.releasability, set(offer.release_to.values_list("code", flat=True))) == expected
    plain = services.offer_create(
        actor=exchange.world.ally_b,
        title="Masks",
        lines=[LineInput(item="mask-surgical", quantity=10, available_from=exchange.today)],
    )
    assert plain.releasability == "allies_partners"  # no request to answer: as before


def test_it_says_why_in_the_readers_language(exchange):
    request = exchange.request(releasability="allies")
    with translation.override("nb"), pytest.raises(BusinessError) as refused:
        _reply(exchange, request, releasability="allies_partners")
    assert "allierte" in str(refused.value.message)


def _api(client, user, method, url, body=None):
    _token, secret = token_create(actor=user, user=user, name="t", write=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}
    if method == "post":
        return client.post(url, body, content_type="application/json", **auth)
    return client.get(url, **auth)


def test_it_keeps_a_reply_sent_through_the_api_from_the_partner(client, exchange):
    world = exchange.world
    request = exchange.request(releasability="allies")
    line = {"item": "mask-surgical", "quantity": 10, "available_from": str(exchange.today), "origin_site": "madrid"}
    body = {"title": "Offer for: Masks for Lombardy", "in_reply_to": request.pk, "publish": True, "lines": [line]}
    wider = _api(client, world.ally_b, "post", "/api/v1/offers", {**body, "releasability": "allies_partners"})
    assert wider.status_code == 400, wider.content
    assert wider.json()["error"]["code"] == "wider_than_source"
    assert "releasability" in wider.json()["error"]["fields"]
    assert not Offer.objects.exists()
    created = _api(client, world.ally_b, "post", "/api/v1/offers", body)  # no releasability: the request's
    assert created.status_code == 201, created.content
    assert created.json()["releasability"] == "allies"
    offer_id = created.json()["id"]
    assert _api(client, world.partner, "get", f"/api/v1/requests/{request.pk}").status_code == 404
    assert _api(client, world.partner, "get", f"/api/v1/offers/{offer_id}").status_code == 404
    assert _api(client, world.late_ally, "get", f"/api/v1/offers/{offer_id}").status_code == 200


def _form(exchange, request, **changes):
    data = {
        "title": "Offer for: Masks for Lombardy",
        "terms": "donation",
        "releasability": "allies",
        "publish_now": "on",
        "in_reply_to": str(request.pk),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-what": "item:mask-surgical",
        "lines-0-quantity": "10",
        "lines-0-available_from": exchange.today.isoformat(),
        "lines-0-origin_site": "madrid",
    }
    return {**data, **changes}


def test_it_starts_the_reply_form_from_the_requests_releasability(client, exchange):
    world = exchange.world
    request = exchange.request(releasability="allies")
    client.force_login(world.ally_b)
    form = client.get("/exchange/offers/new/", {"in_reply_to": request.pk})
    assert form.context["form"]["releasability"].value() == "allies"
    wider = client.post("/exchange/offers/new/", _form(exchange, request, releasability="allies_partners"))
    assert wider.status_code == 400
    assert wider.context["form"].errors["releasability"]
    assert not Offer.objects.exists()
    sent = client.post("/exchange/offers/new/", _form(exchange, request))  # as the form started
    assert sent.status_code == 302
    offer = Offer.objects.get()
    client.force_login(world.partner)
    assert client.get(f"/exchange/offers/{offer.pk}/").status_code == 404


def test_it_starts_a_bilateral_reply_from_the_nations_the_request_names(client, exchange):
    request = exchange.request(releasability="named", release_to=["ESP"])
    client.force_login(exchange.world.ally_b)
    form = client.get("/exchange/offers/new/", {"in_reply_to": request.pk}).context["form"]
    assert (form["releasability"].value(), sorted(form["release_to"].value())) == ("named", ["ESP", "ITA"])


def test_it_tells_the_requester_of_a_reply_only_if_it_may_read_the_reply(exchange):
    world = exchange.world
    request = exchange.request()
    hidden = _reply(exchange, request, releasability="named", release_to=["MKD"])
    services.offer_publish(actor=world.ally_b, offer=hidden)
    assert not Notification.objects.filter(user=world.ally_a, kind="offer_received").exists()
    shown = _reply(exchange, request)
    services.offer_publish(actor=world.ally_b, offer=shown)
    assert Notification.objects.filter(user=world.ally_a, kind="offer_received").count() == 1


def test_a_nation_does_not_offer_in_reply_to_its_own_request(client, exchange):
    """The request's table says who may reply (another nation, or the centre); the service and the page follow it."""
    from aidx.core.errors import PermissionDenied

    request = exchange.request()
    with pytest.raises(PermissionDenied):
        _reply(exchange, request, user=exchange.world.ally_a)  # Italy, to Italy's own request
    assert not Offer.objects.exists()
    client.force_login(exchange.world.ally_a)
    assert 'data-action="reply"' not in client.get(f"/exchange/requests/{request.pk}/").content.decode()
    client.force_login(exchange.world.ally_b)
    assert 'data-action="reply"' in client.get(f"/exchange/requests/{request.pk}/").content.decode()
    assert _reply(exchange, request).in_reply_to == request
