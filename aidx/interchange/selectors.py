"""Reads of the interchange, each through the need-to-know policy.

Received messages, the mapping queue and subscriptions belong to whoever received or made them: a nation reads its
own (`policy.owned_q`), the centre reads all received messages and the queue it works. A delivery log is its
subscription's. A record as EDXL-RM is the record as its reader may see it on its page: through the exchange's
selectors, which keep drafts to their owner and a reply no wider than its request (found by the need-to-know sweep:
the raw policy filter let other nations read drafts and replies to requests hidden from them).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from aidx.assistance.selectors import allocations_visible_to, offers_visible_to, requests_visible_to
from aidx.interchange.models import Delivery, InboundMessage, PendingMessage, Subscription
from aidx.nations.policy import as_viewer, get_visible_or_404, owned_q


def _owned_or_centre(who: Any) -> Q:
    viewer = as_viewer(who)
    return Q() if viewer.is_centre else owned_q(viewer)


def messages_visible_to(who: Any) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(_owned_or_centre(who)).select_related("received_by")


def pending_visible_to(who: Any) -> QuerySet[PendingMessage]:
    return PendingMessage.objects.filter(_owned_or_centre(who)).prefetch_related("lines__item", "lines__capability")


def subscriptions_of(who: Any) -> QuerySet[Subscription]:
    """A subscription (its URL, events and delivery log) is its owner's, and the centre's, which runs the node and
    answers for what leaves it (its audit log shows every subscription made): nobody else's."""
    viewer = as_viewer(who)
    return Subscription.objects.all() if viewer.is_centre else Subscription.objects.filter(owned_q(viewer))


def deliveries_of(who: Any, subscription: Subscription) -> QuerySet[Delivery]:
    return Delivery.objects.filter(subscription__in=subscriptions_of(who), subscription=subscription)


def record_for(who: Any, kind: str, pk: int) -> Any:
    """A request, offer or allocation the reader may see (as the exchange's own pages show it: a draft only to its
    owner and the centre), or 404."""
    if kind == "request":
        return get_visible_or_404(requests_visible_to(who).select_related("delivery_site"), who, pk=pk)
    if kind == "offer":
        return get_visible_or_404(offers_visible_to(who), who, pk=pk)
    if kind == "allocation":
        allocation = allocations_visible_to(who).filter(pk=pk).first()
        if allocation is None:
            raise Http404
        return allocation
    raise Http404
