"""Who may propose an allocation from an offer is one set of rules (assistance/workflow.py PROPOSE_FROM): the
service checks it for one offer, the request page lists the offers it admits as a query, and the two agree for
every kind of person."""

from __future__ import annotations

import pytest

from aidx.assistance import services
from aidx.assistance.models import Offer
from aidx.assistance.workflow import may_propose_from, proposable_offers
from aidx.core.errors import PermissionDenied


def test_the_query_and_the_check_agree_for_every_person(exchange):
    w = exchange.world
    offers = [exchange.offer(), exchange.offer(w.ally_a), exchange.offer(w.partner)]
    for person in (w.coordinator, w.ally_a, w.ally_b, w.partner, w.outsider, w.late_ally, w.viewer):
        listed = set(proposable_offers(person, Offer.objects.all()).values_list("pk", flat=True))
        checked = {offer.pk for offer in offers if may_propose_from(person, offer)}
        assert listed == checked, person.username
    assert set(proposable_offers(w.ally_b, Offer.objects.all())) == {offers[0]}  # its own only
    assert not proposable_offers(w.viewer, Offer.objects.all()).exists()


def test_a_nation_does_not_propose_from_another_nations_offer(exchange):
    w = exchange.world
    request, offer = exchange.request(), exchange.offer()  # Italy asks, Spain offers
    with pytest.raises(PermissionDenied):
        services.allocation_propose(
            actor=w.partner, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=1
        )
    proposed = services.allocation_propose(
        actor=w.ally_b, offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=1
    )
    assert proposed.quantity == 1
