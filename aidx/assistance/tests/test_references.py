"""An offer names the request it answers only to a viewer who may see that request (issue #11, defect 3): in the
API (detail, list, the `in_reply_to` filter), the exports (CSV, XLSX, HXL), the list page, the offer's page and
its timeline. An offer released more widely than its request can no longer be made (test_replies.py); these
are offers made before that rule, or whose readers' standing changed since."""

from __future__ import annotations

import pytest

from aidx.accounts.services import token_create
from aidx.assistance import services
from aidx.assistance.models import Offer
from aidx.assistance.services import LineInput
from aidx.assistance.tests.test_transfer import download


@pytest.fixture
def hidden(exchange):
    """Italy's allies-only request, and Spain's offer in reply to it released to allies and partners (as the
    service allowed before #11)."""
    request = exchange.request(releasability="allies")
    offer = services.offer_create(
        actor=exchange.world.ally_b,
        title="Masks from Spain",
        in_reply_to=request,
        lines=[LineInput(item="mask-surgical", quantity=10, available_from=exchange.today, origin_site="madrid")],
    )
    services.offer_publish(actor=exchange.world.ally_b, offer=offer)
    Offer.objects.filter(pk=offer.pk).update(releasability="allies_partners")
    return request, offer


def _get(client, user, url, **params):
    _token, secret = token_create(actor=user, user=user, name="t")
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.parametrize(
    "who, shown", [("partner", False), ("ally_b", True), ("late_ally", True), ("coordinator", True)]
)
def test_it_names_the_request_in_the_api_only_to_who_may_see_it(client, exchange, hidden, who, shown):
    request, offer = hidden
    user = getattr(exchange.world, who)
    expected = request.pk if shown else None
    assert _get(client, user, f"/api/v1/requests/{request.pk}").status_code == (200 if shown else 404)
    detail = _get(client, user, f"/api/v1/offers/{offer.pk}")
    assert detail.status_code == 200 and detail.json()["in_reply_to"] == expected
    listing = _get(client, user, "/api/v1/offers").json()["items"]
    assert [row["in_reply_to"] for row in listing if row["id"] == offer.pk] == [expected]
    # the filter answers as if the request did not exist: no count tells that a hidden request has offers
    replies = _get(client, user, "/api/v1/offers", in_reply_to=request.pk).json()
    assert (replies["count"], [row["id"] for row in replies["items"]]) == ((1, [offer.pk]) if shown else (0, []))


@pytest.mark.parametrize("fmt, hxl", [("csv", ""), ("xlsx", ""), ("csv", "1")])
@pytest.mark.parametrize("who, shown", [("partner", False), ("ally_b", True)])
def test_it_names_the_request_in_the_exports_only_to_who_may_see_it(client, exchange, hidden, fmt, hxl, who, shown):
    request, offer = hidden
    client.force_login(getattr(exchange.world, who))
    _response, rows = download(client, "offers", fmt, hxl=hxl)
    column = rows[0].index("in_reply_to")
    (row,) = [row for row in rows[1:] if str(row[0]) == str(offer.pk)]  # the HXL tag row starts with "#"
    assert str(row[column]) == (str(request.pk) if shown else "")


@pytest.mark.parametrize("who, shown", [("partner", False), ("ally_b", True)])
def test_it_names_the_request_on_the_pages_only_to_who_may_see_it(client, exchange, hidden, who, shown):
    request, offer = hidden
    client.force_login(getattr(exchange.world, who))
    listing = client.get("/exchange/offers/").content.decode()
    assert (f"a request #{request.pk}" in listing) is shown
    page = client.get(f"/exchange/offers/{offer.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert (f'href="/exchange/requests/{request.pk}/"' in text) is shown
    changes = [label for entry in page.context["timeline"] for label, _before, _after in entry.changed]
    assert ("in reply to" in changes) is shown
