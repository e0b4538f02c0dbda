"""The stockpile's offer to the exchange, kept equal to its free stock."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation, Offer, OfferLine
from aidx.catalogue.models import Item
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.nations.models import Organisation
from aidx.stockpile.models import Balance, StockOffer
from aidx.stockpile.services.common import SUPPORT_AGENCY, _require_manager, offer_releasability, safety_days
from aidx.stockpile.services.releases import _outstanding_reservations

# --- the stockpile's offer to the exchange ---------------------------------------------------------------------


def agency_user() -> User | None:
    """The account that acts for the support agency when the system syncs the offer (a task)."""
    return (
        User.objects.filter(is_active=True, organisation__code=SUPPORT_AGENCY, role_grants__role=Role.POINT_OF_CONTACT)
        .order_by("id")
        .first()
    )


def _usable(today: dt.date | None = None) -> Q:
    """Common stock that could be released today: not blocked, and good for at least the safety margin."""
    good_until = (today or timezone.localdate()) + dt.timedelta(days=safety_days())
    return Q(lot__owner_nation__isnull=True, blocked=False) & (
        Q(lot__expiry_date__isnull=True) | Q(lot__expiry_date__gte=good_until)
    )


def free_stock(item: Item, today: dt.date | None = None) -> int:
    """Usable common stock of `item` not yet promised to an allocation of the stockpile's offer."""
    available = (
        Balance.objects.filter(_usable(today), lot__item=item).aggregate(n=Sum(F("on_hand") - F("reserved")))["n"] or 0
    )
    promised = 0
    for allocation in Allocation.objects.filter(
        offer_line__item=item,
        offer_line__offer__owner_organisation__code=SUPPORT_AGENCY,
        status__in=(Allocation.Status.PROPOSED, Allocation.Status.ACCEPTED),
    ):
        promised += max(allocation.quantity - sum(_outstanding_reservations(allocation).values()), 0)
    return available - promised


@transaction.atomic
def offer_sync(
    *, actor: User, items: list[Item] | None = None, releasability: str | None = None, today: dt.date | None = None
) -> list[Offer]:
    """Offer the free stock to the exchange: one offer per item, owned by the support agency.

    A linked open offer has its line set to (live allocations + free stock), never below what is allocated;
    an item without one gets a new offer (offer_create + offer_publish), releasable to allies unless configured
    otherwise. Returns the offers created or changed.
    """
    _require_manager(actor)
    if actor.organisation is None or actor.organisation.code != SUPPORT_AGENCY:
        raise PermissionDenied(_("Only the support agency's staff can offer the stockpile."))
    today = today or timezone.localdate()
    if items is None:
        stocked = Balance.objects.filter(on_hand__gt=0, lot__owner_nation__isnull=True).values("lot__item")
        items = list(Item.objects.filter(Q(pk__in=stocked) | Q(pk__in=StockOffer.objects.values("item"))))
    changed: list[Offer] = []
    for item in sorted(items, key=lambda i: i.code):
        free = free_stock(item, today)
        link = StockOffer.objects.select_related("offer").filter(item=item).first()
        offer = link.offer if link else None
        usable = offer is not None and offer.status in (
            Offer.Status.OPEN,
            Offer.Status.PARTIALLY_ALLOCATED,
            Offer.Status.FULLY_ALLOCATED,
        )
        if usable:
            line = OfferLine.objects.select_for_update(of=("self",)).get(offer=offer, item=item)
            live = (
                Allocation.objects.filter(offer_line=line, status__in=Allocation.LIVE).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            target = live + max(free, 0)
            if target != line.quantity and target > 0:
                exchange.offer_line_set_quantity(actor=actor, offer_line=line, quantity=target, reason="stock sync")
                changed.append(line.offer)
            continue
        if free <= 0:
            continue
        site = (
            Balance.objects.filter(_usable(today), lot__item=item)
            .values("warehouse__code")
            .annotate(n=Sum(F("on_hand") - F("reserved")))
            .order_by("-n")
            .first()
        )
        offer = exchange.offer_create(
            actor=actor,
            title=_("%(item)s from the stockpile") % {"item": item},
            description=_("Available stock of the common stockpile, kept up to date by the stockpile managers."),
            releasability=releasability or offer_releasability(),
            lines=[
                exchange.LineInput(
                    item=item.code,
                    quantity=free,
                    available_from=today,
                    origin_site=site["warehouse__code"] if site else None,
                )
            ],
        )
        offer = exchange.offer_publish(actor=actor, offer=offer)
        StockOffer.objects.update_or_create(item=item, defaults={"offer": offer})
        changed.append(offer)
    return changed


def link_offer(*, item: Item, offer: Offer) -> None:
    """Adopt an existing support-agency offer for `item` (the scenario's offer of 2020)."""
    owner: Organisation | None = offer.owner_organisation
    if owner is None or owner.code != SUPPORT_AGENCY:
        raise BusinessError(_("Only an offer of the support agency can be the stockpile's offer."))
    StockOffer.objects.update_or_create(item=item, defaults={"offer": offer})
