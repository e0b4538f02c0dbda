"""Writes of offers: create, publish, withdraw, propose to the requester, and the quantity of an open line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance import selectors
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine
from aidx.assistance.services.allocations import _cancel_unshipped, _live_sum, allocation_propose
from aidx.assistance.services.common import (
    LineInput,
    _line_summaries,
    _owner_fields,
    _positive_quantity,
    _releasability,
    _require_visible,
    _resolve_lines,
    _text,
)
from aidx.assistance.services.status import _refresh_offer_status
from aidx.assistance.workflow import OFFER, REQUEST
from aidx.audit.services import record, snapshot
from aidx.core.currency import currency_code
from aidx.core.errors import BusinessError, PermissionDenied, Problems
from aidx.nations.models import Nation
from aidx.nations.policy import Releasability, check_derived_releasability, derived_releasability
from aidx.notifications import services as notifications


def offer_price(*, terms: str, price_minor: int | None, currency: str) -> str:
    """Check an offer's price against its terms, as `offer_create` does: a sale has a price (the whole offer's, in
    minor units of the currency; not per unit) and an ISO 4217 currency, other terms have no price. Every
    problem at once; the currency as stored (upper case). A service that makes an offer through `offer_create`
    (a standby pledge activated) checks the price first with this, to report it among its own problems."""
    problems = Problems()
    currency = (currency or "").strip().upper()
    if terms == Offer.Terms.SALE:
        if price_minor is None or price_minor < 0:
            problems.add(_("A sale needs a price."), field="price_minor")
        currency = problems.collect(lambda: currency_code(currency), currency)
    elif price_minor is not None:
        problems.add(_("Only a sale has a price."), field="price_minor")
    problems.raise_any()
    return currency


@transaction.atomic
def offer_create(
    *,
    actor: User,
    title: str,
    lines: Iterable[LineInput],
    description: str = "",
    in_reply_to: AssistanceRequest | None = None,
    terms: str = Offer.Terms.DONATION,
    price_minor: int | None = None,
    currency: str = "",
    transport_included: bool = False,
    releasability: str | None = None,
    release_to: Iterable[str] | None = None,
    scenario_key: str = "",
    on_behalf_of: Nation | None = None,
    publish: bool = False,
) -> Offer:
    """A new offer, in draft until published. An offer in reply to a request is released no more widely than the
    request (nations.policy.check_derived_releasability); without a releasability it takes the request's
    (nations.policy.derived_releasability), and allies and partners otherwise.
    A coordinator at the centre may make it `on_behalf_of` a nation (a standby pledge activated by the centre:
    the offer is the pledging nation's, the audit names the actor), and `publish` it at once."""
    owner = _owner_fields(actor)
    if on_behalf_of is not None:
        if not (actor.is_centre and actor.has_role(Role.COORDINATOR)):
            raise PermissionDenied(_("Only a coordinator can make an offer on behalf of a nation."))
        owner = {"owner_nation": on_behalf_of, "owner_organisation": None}
    problems = Problems()
    header = {
        "title": problems.collect(lambda: _text(title, "title", max_length=200, required=True), ""),
        "description": problems.collect(lambda: _text(description, "description", max_length=10000), ""),
    }
    if terms not in Offer.Terms.values:
        problems.add(_("Unknown terms: %(value)s.") % {"value": terms}, field="terms")
    currency = problems.collect(lambda: offer_price(terms=terms, price_minor=price_minor, currency=currency), "")
    if in_reply_to is not None:
        _require_visible(actor, in_reply_to)
        answer = REQUEST.decide(actor, in_reply_to, "reply")
        if answer.code == "forbidden":
            raise PermissionDenied(answer.reason)
        if not answer.allowed:
            problems.add(_("That request is not open for offers."), code="bad_state", field="in_reply_to")
    if releasability is None:
        releasability, named = (
            derived_releasability(in_reply_to) if in_reply_to is not None else (Releasability.ALLIES_AND_PARTNERS, [])
        )
        release_to = named if release_to is None else release_to
    nations = problems.collect(lambda: _releasability(releasability, release_to), None)
    if in_reply_to is not None and nations is not None:
        problems.collect(lambda: check_derived_releasability(in_reply_to, releasability, nations))
    resolved = _resolve_lines(lines, offer=True, problems=problems)
    problems.raise_any()
    offer = Offer.objects.create(
        **owner,
        **header,
        in_reply_to=in_reply_to,
        terms=terms,
        price_minor=price_minor,
        currency=currency,
        transport_included=transport_included,
        releasability=releasability,
        created_by=actor,
        scenario_key=scenario_key,
    )
    offer.release_to.set(nations)
    OfferLine.objects.bulk_create([OfferLine(offer=offer, **values) for values in resolved])
    record(
        actor=actor,
        action="offer.create",
        target=offer,
        after={**snapshot(offer), "lines": _line_summaries(resolved)},
    )
    if publish:
        _publish(actor, offer)
    return offer


def _locked_offer(offer: Offer) -> Offer:
    return Offer.objects.select_for_update().get(pk=offer.pk)


@transaction.atomic
def offer_publish(*, actor: User, offer: Offer) -> Offer:
    offer = _locked_offer(offer)
    OFFER.check(actor, offer, "publish")
    return _publish(actor, offer)


def _publish(actor: User, offer: Offer) -> Offer:
    before = snapshot(offer)
    OFFER.advance(offer, "publish")
    offer.published_at = timezone.now()
    offer.save(update_fields=["status", "published_at", "updated_at"])
    record(actor=actor, action="offer.publish", target=offer, before=before, after=snapshot(offer))
    if offer.in_reply_to_id:
        notifications.offer_received(offer)
    return offer


@transaction.atomic
def offer_withdraw(*, actor: User, offer: Offer, reason: str = "") -> Offer:
    offer = _locked_offer(offer)
    OFFER.check(actor, offer, "withdraw")
    before = snapshot(offer)
    _cancel_unshipped(Allocation.objects.filter(offer_line__offer=offer), actor, reason or "offer withdrawn")
    OFFER.advance(offer, "withdraw")
    offer.closed_at = timezone.now()
    offer.save(update_fields=["status", "closed_at", "updated_at"])
    record(
        actor=actor, action="offer.withdraw", target=offer, before=before, after={**snapshot(offer), "reason": reason}
    )
    return offer


@transaction.atomic
def offer_propose_to_requester(*, actor: User, offer: Offer) -> list[Allocation]:
    """Propose an offer in reply to the nation that asked: each line, as far as it matches what the request still
    needs (selectors.reply_pairs), becomes a proposed allocation that the requesting nation accepts or declines.
    Every proposal goes through allocation_propose, with its checks and locks; all of them or none."""
    offer = _locked_offer(offer)
    OFFER.check(actor, offer, "propose_to_requester")
    return [
        allocation_propose(
            actor=actor, offer_line=pair.offer_line, request_line=pair.request_line, quantity=pair.quantity
        )
        for pair in selectors.reply_pairs(offer)
    ]


@transaction.atomic
def offer_line_set_quantity(*, actor: Any, offer_line: OfferLine | int, quantity: int, reason: str) -> OfferLine:
    """Change what an open offer line offers (the stockpile keeps its offer equal to its free stock).

    Never below what its live allocations already take; the offer's status follows.
    """
    quantity = _positive_quantity(quantity)
    line = (
        OfferLine.objects.select_for_update(of=("self",))
        .select_related("offer")
        .get(pk=getattr(offer_line, "pk", offer_line))
    )
    if line.offer.status not in OFFER["progress"].source:
        raise BusinessError(_("The offer is not open."), code="bad_state")
    taken = _live_sum(offer_line=line)
    if quantity < taken:
        raise BusinessError(_("Allocations already take %(n)s of this line.") % {"n": taken}, field="quantity")
    if quantity != line.quantity:
        before = {"quantity": line.quantity}
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        record(
            actor=actor,
            action="offer.line_quantity",
            target=line.offer,
            before=before,
            after={"quantity": quantity, "line": line.pk, "reason": reason},
        )
        _refresh_offer_status(line.offer)
    return line
