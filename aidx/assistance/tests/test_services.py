from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from aidx.assistance import selectors, services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.assistance.services import LineInput
from aidx.audit.models import AuditEntry
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.notifications.models import Notification


def _line(request):
    return request.lines.get()


def _offer_line(offer):
    return offer.lines.get()


def test_it_walks_a_request_from_draft_to_met(exchange):
    w = exchange.world
    request = exchange.request(submit=False)
    assert request.status == "draft"
    services.request_submit(actor=w.ally_a, request=request)
    offer = exchange.offer(lines=(("mask-surgical", 1000),))
    allocation = services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=1000
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.FULLY_ALLOCATED
    services.allocation_accept(actor=w.ally_a, allocation=allocation)
    request.refresh_from_db()
    assert request.status == AssistanceRequest.Status.MET
    services.allocation_ship(actor=w.ally_b, allocation=allocation)
    services.allocation_deliver(actor=w.ally_a, allocation=allocation, received_quantity=990, discrepancy="10 damaged")
    line = selectors.request_lines(request).get()
    assert (line.quantity, line.allocated, line.accepted, line.shipped, line.delivered, line.cancelled) == (
        1000,
        1000,
        1000,
        1000,
        990,
        0,
    )
    actions = list(AuditEntry.objects.filter(target_type="assistance.allocation").values_list("action", flat=True))
    assert set(actions) == {"allocation.propose", "allocation.accept", "allocation.ship", "allocation.deliver"}


def test_it_marks_a_request_partially_met_and_back_when_declined(exchange):
    w = exchange.world
    request, offer = exchange.request(), exchange.offer()
    allocation = services.allocation_propose(
        actor=w.ally_b, offer_line=_offer_line(offer), request_line=_line(request), quantity=600
    )
    services.allocation_accept(actor=w.ally_a, allocation=allocation)
    request.refresh_from_db()
    assert request.status == "partially_met"
    second = exchange.offer(lines=(("mask-ffp2", 400),))
    proposal = services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(second), request_line=_line(request), quantity=400
    )
    services.allocation_decline(actor=w.ally_a, allocation=proposal, reason="We need surgical masks")
    line = selectors.request_lines(request).get()
    assert (line.allocated, line.accepted, line.cancelled) == (600, 600, 400)
    second.refresh_from_db()
    assert second.status == Offer.Status.OPEN  # the declined quantity is free again


def test_it_refuses_over_allocation_of_either_line(exchange):
    w = exchange.world
    request, offer = exchange.request(lines=(("mask-surgical", 500),)), exchange.offer()
    with pytest.raises(BusinessError) as error:
        services.allocation_propose(
            actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=550
        )
    assert error.value.code == "over_allocation"
    services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=500
    )
    other = exchange.request(lines=(("mask-surgical", 500),))
    with pytest.raises(BusinessError):
        services.allocation_propose(
            actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(other), quantity=101
        )
    assert Allocation.objects.count() == 1


def test_it_allows_only_permitted_substitutes(exchange):
    w = exchange.world
    surgical_request = exchange.request()
    ffp2_request = exchange.request(lines=(("mask-ffp2", 100),))
    ffp2_offer = exchange.offer(lines=(("mask-ffp2", 100),))
    surgical_offer = exchange.offer(lines=(("mask-surgical", 100),))
    services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(ffp2_offer), request_line=_line(surgical_request), quantity=50
    )  # FFP2 serves surgical
    with pytest.raises(BusinessError) as error:
        services.allocation_propose(
            actor=w.coordinator, offer_line=_offer_line(surgical_offer), request_line=_line(ffp2_request), quantity=50
        )  # not the other way
    assert error.value.code == "mismatch"
    strict = exchange.request(submit=False)
    strict.lines.update(substitutes_ok=False)
    services.request_submit(actor=w.ally_a, request=strict)
    with pytest.raises(BusinessError):
        services.allocation_propose(
            actor=w.coordinator, offer_line=_offer_line(ffp2_offer), request_line=_line(strict), quantity=10
        )


def test_it_links_only_what_is_releasable_to_the_other_side(exchange):
    w = exchange.world
    allies_only_offer = exchange.offer(releasability="allies")
    partner_request = exchange.request(user=w.partner)
    with pytest.raises(BusinessError) as error:
        services.allocation_propose(
            actor=w.coordinator,
            offer_line=_offer_line(allies_only_offer),
            request_line=_line(partner_request),
            quantity=10,
        )
    assert error.value.code == "not_releasable"
    bilateral = exchange.request(releasability="named", release_to=["AUS"])
    with pytest.raises(BusinessError):  # Spain's offer, Italy's request released to Australia only
        services.allocation_propose(
            actor=w.coordinator, offer_line=_offer_line(exchange.offer()), request_line=_line(bilateral), quantity=10
        )


def test_it_refuses_a_nation_allocating_to_itself_and_strangers_acting(exchange):
    w = exchange.world
    request = exchange.request()
    own_offer = exchange.offer(user=w.ally_a)
    with pytest.raises(BusinessError) as error:
        services.allocation_propose(
            actor=w.coordinator, offer_line=_offer_line(own_offer), request_line=_line(request), quantity=1
        )
    assert error.value.code == "same_owner"
    offer = exchange.offer()
    with pytest.raises(PermissionDenied):  # a partner cannot propose Spain's offer
        services.allocation_propose(
            actor=w.partner, offer_line=_offer_line(offer), request_line=_line(request), quantity=1
        )
    allocation = services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=5
    )
    with pytest.raises(PermissionDenied):  # only Italy accepts for Italy
        services.allocation_accept(actor=w.ally_b, allocation=allocation)
    with pytest.raises(PermissionDenied):
        services.allocation_accept(actor=w.viewer, allocation=allocation)
    with pytest.raises(BusinessError):  # not yet accepted
        services.allocation_ship(actor=w.ally_b, allocation=allocation)


@pytest.mark.parametrize("bad", [0, -5, "ten", 2.5])
def test_it_rejects_bad_quantities_and_writes_nothing(exchange, bad):
    before = AssistanceRequest.objects.count(), AuditEntry.objects.count()
    with pytest.raises(BusinessError):
        exchange.request(lines=(("mask-surgical", bad),), submit=False)
    assert (AssistanceRequest.objects.count(), AuditEntry.objects.count()) == before


def test_it_rejects_unknown_items_and_past_dates(exchange):
    w = exchange.world
    with pytest.raises(BusinessError) as error:
        exchange.request(lines=(("unobtainium", 5),))
    assert "unobtainium" in str(error.value)
    with pytest.raises(BusinessError) as error:
        services.request_create(
            actor=w.ally_a,
            title="Late",
            needed_by=exchange.today - dt.timedelta(days=1),
            delivery_site=exchange.rome,
            lines=[LineInput(item="mask-ffp2", quantity=1)],
        )
    assert error.value.field == "needed_by"
    assert not AssistanceRequest.objects.exists()


def test_it_refuses_to_act_on_a_withdrawn_request(exchange):
    w = exchange.world
    request, offer = exchange.request(), exchange.offer()
    allocation = services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=100
    )
    services.request_withdraw(actor=w.ally_a, request=request, reason="covered nationally")
    allocation.refresh_from_db()
    assert allocation.status == "cancelled"
    with pytest.raises(BusinessError):
        services.allocation_propose(
            actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=1
        )
    with pytest.raises(BusinessError):
        services.request_withdraw(actor=w.ally_a, request=request)


def test_it_expires_overdue_requests(exchange):
    request = exchange.request()
    assert services.expire_overdue(today=exchange.today + dt.timedelta(days=11)) == (1, 0)
    request.refresh_from_db()
    assert request.status == "expired"


def test_it_notifies_in_app_and_by_mail_in_the_readers_language(
    exchange, mailoutbox, django_capture_on_commit_callbacks
):
    w = exchange.world
    w.ally_b.email, w.ally_b.language = "spain@example.org", "nn"
    w.ally_b.save()
    w.partner.email = "aus@example.org"
    w.partner.save()
    with django_capture_on_commit_callbacks(execute=True):
        exchange.request(releasability="allies")
    spain = Notification.objects.get(user=w.ally_b, kind="request_circulated")
    assert "Masks for Lombardy" in spain.text
    assert not Notification.objects.filter(user=w.partner).exists()  # allies only: Australia hears nothing
    assert not Notification.objects.filter(user=w.ally_a).exists()  # not the requester itself
    assert [m.to for m in mail.outbox] == [["spain@example.org"]]
    from django.utils import translation

    with translation.override("nn"):
        assert mail.outbox[0].subject == "[aidx] " + spain.text


def test_it_lets_only_the_offering_nation_or_the_centre_ship(exchange):
    from aidx.accounts.services import user_create

    w = exchange.world
    request, offer = exchange.request(), exchange.offer()
    allocation = services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=10
    )
    services.allocation_accept(actor=w.ally_a, allocation=allocation)
    foreign_logistics = user_create(
        actor=None, username="mkd-logistics", password=None, nation=w.mkd, roles={"logistics"}
    )
    with pytest.raises(PermissionDenied):
        services.allocation_ship(actor=foreign_logistics, allocation=allocation)
    with pytest.raises(PermissionDenied):
        services.allocation_ship(actor=w.ally_a, allocation=allocation)  # the receiver does not ship
    assert services.allocation_ship(actor=w.ally_b, allocation=allocation).status == "shipped"


def test_it_changes_an_offer_line_but_never_below_what_is_allocated(exchange):
    w = exchange.world
    request, offer = exchange.request(), exchange.offer(lines=(("mask-surgical", 600),))
    services.allocation_propose(
        actor=w.coordinator, offer_line=_offer_line(offer), request_line=_line(request), quantity=400
    )
    with pytest.raises(BusinessError):
        services.offer_line_set_quantity(actor=None, offer_line=_offer_line(offer), quantity=399, reason="count")
    services.offer_line_set_quantity(actor=None, offer_line=_offer_line(offer), quantity=400, reason="count")
    offer.refresh_from_db()
    assert _offer_line(offer).quantity == 400 and offer.status == Offer.Status.FULLY_ALLOCATED
    assert AuditEntry.objects.filter(action="offer.line_quantity", target_id=str(offer.pk)).exists()
