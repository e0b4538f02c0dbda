"""Writes for requests, offers and allocations. Every function is atomic, validates before it writes,
checks who may act, records an audit entry, and keeps the quantity invariants under concurrency:

- the live allocations (proposed, accepted, shipped, delivered) of an offer line never exceed its quantity,
  nor those of a request line its requested quantity;
- an allocation links an offer line to a request line only if each is releasable to the other's owner,
  for the same item (or a permitted substitute) or the same capability, between two different nations.

Proposals lock the offer line, then the request line (always in that order, so two proposals cannot
deadlock), and sum the live allocations under the lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance import selectors
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.assistance.workflow import OFFER
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import CapabilityType, Item, Substitution
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.nations.models import Nation, Site
from aidx.nations.policy import (
    Releasability,
    check_derived_releasability,
    derived_releasability,
    may_see,
    owned_by,
    validate_releasability,
    viewer_for_owner,
)
from aidx.notifications import services as notifications

MAX_LINES = 10_000  # a whole consignment list imported from a spreadsheet


@dataclass(frozen=True)
class LineInput:
    """One line as parsed by a form, the API or an import: an item or capability code and a quantity."""

    quantity: int
    item: str | None = None
    capability: str | None = None
    notes: str = ""
    substitutes_ok: bool = True
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    origin_site: str | None = None


# --- who may act ----------------------------------------------------------------------------------


def _owner_fields(actor: User) -> dict[str, Any]:
    """The nation (or organisation) that `actor` speaks for, as owner fields of a new record."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in first."))
    if not actor.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR):
        raise PermissionDenied(_("Only a point of contact or a coordinator can do this."))
    if actor.nation_id:
        return {"owner_nation": actor.nation, "owner_organisation": None}
    if actor.organisation is not None:
        if actor.organisation.nation_id:
            return {"owner_nation": actor.organisation.nation, "owner_organisation": None}
        return {"owner_nation": None, "owner_organisation": actor.organisation}
    raise PermissionDenied(_("Your account belongs to no nation or organisation."))


def _require_owner(actor: User, record_: AssistanceRequest | Offer) -> None:
    if not actor.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR) or not owned_by(actor, record_):
        raise PermissionDenied(_("Only the owning nation's point of contact can do this."))


def _require_visible(actor: User, record_: AssistanceRequest | Offer) -> None:
    if not may_see(actor, record_):
        raise BusinessError(_("Not found."), code="not_found", status=404)


# --- validation of input ------------------------------------------------------------------------------


def _positive_quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise BusinessError(_("The quantity must be a whole number."), field=field) from None
    if value <= 0:
        raise BusinessError(_("The quantity must be greater than zero."), field=field)
    if value > 2_000_000_000:
        raise BusinessError(_("The quantity is too large."), field=field)
    return value


def _text(value: str, field: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BusinessError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise BusinessError(_("The text is too long (at most %(n)s characters).") % {"n": max_length}, field=field)
    return value


def _resolve_lines(lines: Iterable[LineInput], *, offer: bool) -> list[dict[str, Any]]:
    lines = list(lines)
    if not lines:
        raise BusinessError(_("Add at least one line."), field="lines")
    if len(lines) > MAX_LINES:
        raise BusinessError(_("At most %(n)s lines.") % {"n": MAX_LINES}, field="lines")
    item_codes = {line.item for line in lines if line.item}
    capability_codes = {line.capability for line in lines if line.capability}
    site_codes = {line.origin_site for line in lines if line.origin_site}
    items = {i.code: i for i in Item.objects.filter(code__in=item_codes)}
    capabilities = {c.code: c for c in CapabilityType.objects.filter(code__in=capability_codes)}
    sites = {s.code: s for s in Site.objects.filter(code__in=site_codes)}
    resolved = []
    for number, line in enumerate(lines, start=1):
        field = f"lines.{number}"
        if bool(line.item) == bool(line.capability):
            raise BusinessError(_("Line %(n)s: choose an item or a capability.") % {"n": number}, field=field)
        if line.item and line.item not in items:
            raise BusinessError(_("Line %(n)s: unknown item %(code)s.") % {"n": number, "code": line.item}, field=field)
        if line.capability and line.capability not in capabilities:
            raise BusinessError(
                _("Line %(n)s: unknown capability %(code)s.") % {"n": number, "code": line.capability}, field=field
            )
        try:
            quantity = _positive_quantity(line.quantity, field)
        except BusinessError as error:
            raise BusinessError(
                _("Line %(n)s: %(error)s") % {"n": number, "error": error.message}, field=field
            ) from None
        values: dict[str, Any] = {
            "item": items.get(line.item or ""),
            "capability": capabilities.get(line.capability or ""),
            "quantity": quantity,
            "notes": _text(line.notes, field, max_length=500),
        }
        if offer:
            if line.available_from is None:
                raise BusinessError(_("Line %(n)s: give the date it is available from.") % {"n": number}, field=field)
            if line.available_until is not None and line.available_until < line.available_from:
                raise BusinessError(
                    _("Line %(n)s: available until is before available from.") % {"n": number}, field=field
                )
            if line.origin_site and line.origin_site not in sites:
                raise BusinessError(
                    _("Line %(n)s: unknown site %(code)s.") % {"n": number, "code": line.origin_site}, field=field
                )
            values.update(
                available_from=line.available_from,
                available_until=line.available_until,
                origin_site=sites.get(line.origin_site or ""),
            )
        else:
            values["substitutes_ok"] = bool(line.substitutes_ok)
        resolved.append(values)
    return resolved


def _line_summaries(resolved: list[dict[str, Any]]) -> list[str]:
    return [f"{v['quantity']} × {(v['item'] or v['capability']).code}" for v in resolved]


def _releasability(releasability: str, release_to: Iterable[str] | None) -> list[Nation]:
    codes = sorted({code.strip().upper() for code in (release_to or []) if code.strip()})
    nations = list(Nation.objects.filter(code__in=codes))
    if len(nations) != len(codes):
        unknown = sorted(set(codes) - {n.code for n in nations})
        raise BusinessError(_("Unknown nation: %(codes)s.") % {"codes": ", ".join(unknown)}, field="release_to")
    validate_releasability(releasability, nations)
    return nations


# --- requests --------------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor: User,
    title: str,
    needed_by: dt.date | None,
    delivery_site: Site | str,
    lines: Iterable[LineInput],
    description: str = "",
    incident: str = "",
    priority: int = 2,
    contact: str = "",
    releasability: str = Releasability.ALLIES_AND_PARTNERS,
    release_to: Iterable[str] | None = None,
    today: dt.date | None = None,
    scenario_key: str = "",
) -> AssistanceRequest:
    """A new request for assistance, in draft until submitted."""
    owner = _owner_fields(actor)
    today = today or timezone.localdate()
    if not isinstance(needed_by, dt.date):
        raise BusinessError(_("Enter a valid date (YYYY-MM-DD)."), field="needed_by")
    if needed_by < today:
        raise BusinessError(_("The needed-by date is in the past."), field="needed_by")
    if priority not in (1, 2, 3, 4):
        raise BusinessError(_("The priority must be 1 (critical) to 4 (routine)."), field="priority")
    site = delivery_site if isinstance(delivery_site, Site) else Site.objects.filter(code=delivery_site).first()
    if site is None:
        raise BusinessError(_("Unknown site %(code)s.") % {"code": delivery_site}, field="delivery_site")
    nations = _releasability(releasability, release_to)
    resolved = _resolve_lines(lines, offer=False)
    request = AssistanceRequest.objects.create(
        **owner,
        title=_text(title, "title", max_length=200, required=True),
        description=_text(description, "description", max_length=10000),
        incident=_text(incident, "incident", max_length=100),
        priority=priority,
        needed_by=needed_by,
        delivery_site=site,
        contact=_text(contact, "contact", max_length=200),
        releasability=releasability,
        created_by=actor,
        scenario_key=scenario_key,
    )
    request.release_to.set(nations)
    RequestLine.objects.bulk_create([RequestLine(request=request, **values) for values in resolved])
    record(
        actor=actor,
        action="request.create",
        target=request,
        after={**snapshot(request), "lines": _line_summaries(resolved)},
    )
    return request


def _locked_request(request: AssistanceRequest) -> AssistanceRequest:
    return (
        AssistanceRequest.objects.select_for_update(of=("self",))
        .select_related("owner_nation", "owner_organisation")
        .get(pk=request.pk)
    )


@transaction.atomic
def request_submit(*, actor: User, request: AssistanceRequest, today: dt.date | None = None) -> AssistanceRequest:
    """Circulate a draft to every nation it is releasable to. (`today` lets a scenario replay history.)"""
    request = _locked_request(request)
    _require_owner(actor, request)
    if request.status != AssistanceRequest.Status.DRAFT:
        raise BusinessError(_("Only a draft can be submitted."), code="bad_state")
    if request.needed_by < (today or timezone.localdate()):
        raise BusinessError(_("The needed-by date is in the past."), field="needed_by")
    before = snapshot(request)
    request.status = AssistanceRequest.Status.SUBMITTED
    request.submitted_at = timezone.now()
    request.save(update_fields=["status", "submitted_at", "updated_at"])
    record(actor=actor, action="request.submit", target=request, before=before, after=snapshot(request))
    notifications.request_circulated(request)
    return request


@transaction.atomic
def request_update(*, actor: User, request: AssistanceRequest, **fields: Any) -> AssistanceRequest:
    """Change the header of a request that is not closed: title, description, priority, needed-by, contact."""
    request = _locked_request(request)
    _require_owner(actor, request)
    if request.status not in {AssistanceRequest.Status.DRAFT, *(_OPEN_REQUEST)}:
        raise BusinessError(_("This request is closed and cannot change."), code="bad_state")
    before = snapshot(request)
    allowed = {"title": 200, "description": 10000, "incident": 100, "contact": 200}
    for name, value in fields.items():
        if name in allowed:
            setattr(request, name, _text(value, name, max_length=allowed[name], required=name == "title"))
        elif name == "priority":
            if value not in (1, 2, 3, 4):
                raise BusinessError(_("The priority must be 1 (critical) to 4 (routine)."), field="priority")
            request.priority = value
        elif name == "needed_by":
            if not isinstance(value, dt.date) or value < timezone.localdate():
                raise BusinessError(_("The needed-by date is in the past."), field="needed_by")
            request.needed_by = value
        else:
            raise BusinessError(_("%(field)s cannot be changed.") % {"field": name}, field=name)
    request.save()
    record(actor=actor, action="request.update", target=request, before=before, after=snapshot(request))
    return request


_OPEN_REQUEST = (AssistanceRequest.Status.SUBMITTED, AssistanceRequest.Status.PARTIALLY_MET)
_OPEN_OFFER = (Offer.Status.OPEN, Offer.Status.PARTIALLY_ALLOCATED)


@transaction.atomic
def request_withdraw(*, actor: User, request: AssistanceRequest, reason: str = "") -> AssistanceRequest:
    """Withdraw a request: its allocations not yet shipped are cancelled."""
    request = _locked_request(request)
    _require_owner(actor, request)
    if request.status not in {AssistanceRequest.Status.DRAFT, *_OPEN_REQUEST}:
        raise BusinessError(_("This request is already closed."), code="bad_state")
    before = snapshot(request)
    _cancel_unshipped(Allocation.objects.filter(request_line__request=request), actor, reason or "request withdrawn")
    request.status = AssistanceRequest.Status.WITHDRAWN
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    record(
        actor=actor,
        action="request.withdraw",
        target=request,
        before=before,
        after={**snapshot(request), "reason": reason},
    )
    return request


# --- offers --------------------------------------------------------------------------------------------


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
) -> Offer:
    """A new offer, in draft until published. An offer in reply to a request is released no more widely than the
    request (nations.policy.check_derived_releasability); without a releasability it takes the request's
    (nations.policy.derived_releasability), and allies and partners otherwise."""
    owner = _owner_fields(actor)
    if terms not in Offer.Terms.values:
        raise BusinessError(_("Unknown terms: %(value)s.") % {"value": terms}, field="terms")
    currency = (currency or "").strip().upper()
    if terms == Offer.Terms.SALE:
        if price_minor is None or price_minor < 0:
            raise BusinessError(_("A sale needs a price."), field="price_minor")
        if len(currency) != 3 or not currency.isalpha():
            raise BusinessError(_("Give the currency as a three-letter ISO code."), field="currency")
    elif price_minor is not None:
        raise BusinessError(_("Only a sale has a price."), field="price_minor")
    if in_reply_to is not None:
        _require_visible(actor, in_reply_to)
        if in_reply_to.status not in _OPEN_REQUEST:
            raise BusinessError(_("That request is not open for offers."), code="bad_state", field="in_reply_to")
    if releasability is None:
        releasability, named = (
            derived_releasability(in_reply_to) if in_reply_to is not None else (Releasability.ALLIES_AND_PARTNERS, [])
        )
        release_to = named if release_to is None else release_to
    nations = _releasability(releasability, release_to)
    if in_reply_to is not None:
        check_derived_releasability(in_reply_to, releasability, nations)
    resolved = _resolve_lines(lines, offer=True)
    offer = Offer.objects.create(
        **owner,
        title=_text(title, "title", max_length=200, required=True),
        description=_text(description, "description", max_length=10000),
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
    return offer


def _locked_offer(offer: Offer) -> Offer:
    return Offer.objects.select_for_update().get(pk=offer.pk)


@transaction.atomic
def offer_publish(*, actor: User, offer: Offer) -> Offer:
    offer = _locked_offer(offer)
    OFFER.check(actor, offer, "publish")
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


# --- allocations -------------------------------------------------------------------------------------


def _live_sum(**lookup: Any) -> int:
    return Allocation.objects.filter(status__in=Allocation.LIVE, **lookup).aggregate(n=Sum("quantity"))["n"] or 0


def _check_match(offer_line: OfferLine, request_line: RequestLine) -> None:
    if request_line.capability_id or offer_line.capability_id:
        if request_line.capability_id != offer_line.capability_id:
            raise BusinessError(_("The offer is for a different capability."), code="mismatch")
        return
    if offer_line.item_id == request_line.item_id:
        return
    if not request_line.substitutes_ok:
        raise BusinessError(_("This request line accepts no substitutes."), code="mismatch")
    # Neither line is for a capability, so both are for an item (item_or_capability constraint).
    assert request_line.item_id is not None and offer_line.item_id is not None
    if not Substitution.objects.filter(item_id=request_line.item_id, substitute_id=offer_line.item_id).exists():
        raise BusinessError(
            _("%(offered)s is not a permitted substitute for %(requested)s.")
            % {"offered": offer_line.item, "requested": request_line.item},
            code="mismatch",
        )


@transaction.atomic
def allocation_propose(
    *,
    actor: User,
    offer_line: OfferLine | int,
    request_line: RequestLine | int,
    quantity: int,
    match_run_id: int | None = None,
    today: dt.date | None = None,
) -> Allocation:
    """Propose `quantity` of an offer line to a request line; the requesting nation then accepts or declines.

    A coordinator may propose any pair; a nation may propose its own offer lines.
    """
    quantity = _positive_quantity(quantity)
    # Lock order: offer line, then request line (see the module docstring).
    offer_line = (
        OfferLine.objects.select_for_update(of=("self",))
        .select_related("offer", "item", "capability")
        .get(pk=getattr(offer_line, "pk", offer_line))
    )
    request_line = (
        RequestLine.objects.select_for_update(of=("self",))
        .select_related("request", "item", "capability")
        .get(pk=getattr(request_line, "pk", request_line))
    )
    offer, request = offer_line.offer, request_line.request
    if not (actor.has_role(Role.COORDINATOR) or (actor.has_role(Role.POINT_OF_CONTACT) and owned_by(actor, offer))):
        raise PermissionDenied(_("Only a coordinator or the offering nation can propose an allocation."))
    _require_visible(actor, request)
    _require_visible(actor, offer)
    if request.status not in _OPEN_REQUEST:
        raise BusinessError(_("The request is not open."), code="bad_state")
    if offer.status not in _OPEN_OFFER:
        raise BusinessError(_("The offer is not open."), code="bad_state")
    if (offer.owner_nation_id and offer.owner_nation_id == request.owner_nation_id) or (
        offer.owner_organisation_id and offer.owner_organisation_id == request.owner_organisation_id
    ):
        raise BusinessError(_("A nation cannot allocate its own offer to its own request."), code="same_owner")
    if not may_see(viewer_for_owner(request), offer):
        raise BusinessError(_("The offer is not releasable to the requesting nation."), code="not_releasable")
    if not may_see(viewer_for_owner(offer), request):
        raise BusinessError(_("The request is not releasable to the offering nation."), code="not_releasable")
    _check_match(offer_line, request_line)
    if offer_line.available_until is not None and offer_line.available_until < (today or timezone.localdate()):
        raise BusinessError(_("The offer line is no longer available."), code="expired")
    left_on_offer = offer_line.quantity - _live_sum(offer_line=offer_line)
    left_on_request = request_line.quantity - _live_sum(request_line=request_line)
    if quantity > left_on_offer:
        raise BusinessError(
            _("Only %(n)s left on this offer line.") % {"n": max(left_on_offer, 0)},
            code="over_allocation",
            field="quantity",
        )
    if quantity > left_on_request:
        raise BusinessError(
            _("Only %(n)s still needed on this request line.") % {"n": max(left_on_request, 0)},
            code="over_allocation",
            field="quantity",
        )
    allocation = Allocation.objects.create(
        offer_line=offer_line,
        request_line=request_line,
        quantity=quantity,
        proposed_by=actor,
        match_run_id=match_run_id,
    )
    record(actor=actor, action="allocation.propose", target=allocation, after=snapshot(allocation))
    _refresh_offer_status(offer)
    notifications.allocation_proposed(allocation)
    return allocation


def _locked_allocation(allocation: Allocation | int) -> Allocation:
    return (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("offer_line__offer", "request_line__request", "offer_line__item", "request_line__item")
        .get(pk=getattr(allocation, "pk", allocation))
    )


def _transition(actor: User, allocation: Allocation, action: str, before: dict[str, Any]) -> Allocation:
    allocation.save()
    record(actor=actor, action=f"allocation.{action}", target=allocation, before=before, after=snapshot(allocation))
    _refresh_request_status(allocation.request_line.request)
    _refresh_offer_status(allocation.offer_line.offer)
    return allocation


@transaction.atomic
def allocation_accept(*, actor: User, allocation: Allocation | int) -> Allocation:
    allocation = _locked_allocation(allocation)
    request = allocation.request_line.request
    _require_owner(actor, request)
    if request.status not in _OPEN_REQUEST:
        raise BusinessError(_("The request is not open."), code="bad_state")
    if allocation.status != Allocation.Status.PROPOSED:
        raise BusinessError(_("Only a proposed allocation can be accepted."), code="bad_state")
    before = snapshot(allocation)
    allocation.status, allocation.decided_at = Allocation.Status.ACCEPTED, timezone.now()
    _transition(actor, allocation, "accept", before)
    notifications.allocation_decided(allocation)
    return allocation


@transaction.atomic
def allocation_decline(*, actor: User, allocation: Allocation | int, reason: str) -> Allocation:
    allocation = _locked_allocation(allocation)
    _require_owner(actor, allocation.request_line.request)
    if allocation.status != Allocation.Status.PROPOSED:
        raise BusinessError(_("Only a proposed allocation can be declined."), code="bad_state")
    if not (reason or "").strip():
        raise BusinessError(
            _("Give a reason for declining: the offering nation and the centre see it."), field="reason"
        )
    before = snapshot(allocation)
    allocation.decline_reason = _text(reason, "reason", max_length=500)
    allocation.status, allocation.decided_at = Allocation.Status.DECLINED, timezone.now()
    _transition(actor, allocation, "decline", before)
    notifications.allocation_decided(allocation)
    return allocation


@transaction.atomic
def allocation_cancel(*, actor: User, allocation: Allocation | int, reason: str = "") -> Allocation:
    """Take back an allocation not yet shipped: the offering nation, the coordinator or the proposer."""
    allocation = _locked_allocation(allocation)
    offer = allocation.offer_line.offer
    if not (actor.has_role(Role.COORDINATOR) or owned_by(actor, offer) or allocation.proposed_by_id == actor.pk):
        raise PermissionDenied(_("Only the offering nation or a coordinator can cancel this allocation."))
    if allocation.status not in (Allocation.Status.PROPOSED, Allocation.Status.ACCEPTED):
        raise BusinessError(_("Only an allocation not yet shipped can be cancelled."), code="bad_state")
    before = snapshot(allocation)
    allocation.status, allocation.cancelled_at = Allocation.Status.CANCELLED, timezone.now()
    allocation.decline_reason = _text(reason, "reason", max_length=500)
    return _transition(actor, allocation, "cancel", before)


@transaction.atomic
def allocation_ship(*, actor: User, allocation: Allocation | int) -> Allocation:
    allocation = _locked_allocation(allocation)
    offer = allocation.offer_line.offer
    offering_nation = owned_by(actor, offer) and actor.has_role(Role.POINT_OF_CONTACT, Role.LOGISTICS)
    centre = actor.is_centre and actor.has_role(Role.COORDINATOR, Role.LOGISTICS)
    if not (offering_nation or centre):
        raise PermissionDenied(_("Only the offering nation or the centre can mark this shipped."))
    if allocation.status != Allocation.Status.ACCEPTED:
        raise BusinessError(_("Only an accepted allocation can be shipped."), code="bad_state")
    before = snapshot(allocation)
    allocation.status, allocation.shipped_at = Allocation.Status.SHIPPED, timezone.now()
    return _transition(actor, allocation, "ship", before)


@transaction.atomic
def allocation_deliver(
    *, actor: User, allocation: Allocation | int, received_quantity: int | None = None, discrepancy: str = ""
) -> Allocation:
    """The requesting nation confirms arrival, with the quantity received and any discrepancy."""
    allocation = _locked_allocation(allocation)
    _require_owner(actor, allocation.request_line.request)
    if allocation.status != Allocation.Status.SHIPPED:
        raise BusinessError(_("Only a shipped allocation can be delivered."), code="bad_state")
    received = allocation.quantity if received_quantity is None else received_quantity
    if isinstance(received, bool) or not isinstance(received, int) or received < 0:
        raise BusinessError(_("The received quantity must be zero or more."), field="received_quantity")
    if received > allocation.quantity:
        raise BusinessError(
            _("More received than was shipped: record the surplus as a note."), field="received_quantity"
        )
    discrepancy = _text(discrepancy, "discrepancy", max_length=500)
    if received != allocation.quantity and not discrepancy:
        raise BusinessError(_("Describe the discrepancy."), field="discrepancy")
    before = snapshot(allocation)
    allocation.status, allocation.delivered_at = Allocation.Status.DELIVERED, timezone.now()
    allocation.received_quantity, allocation.discrepancy = received, discrepancy
    return _transition(actor, allocation, "deliver", before)


def _cancel_unshipped(allocations: Any, actor: User | None, reason: str) -> None:
    for allocation in allocations.select_for_update().filter(
        status__in=(Allocation.Status.PROPOSED, Allocation.Status.ACCEPTED)
    ):
        before = snapshot(allocation)
        allocation.status, allocation.cancelled_at = Allocation.Status.CANCELLED, timezone.now()
        allocation.decline_reason = reason[:500]
        allocation.save(update_fields=["status", "cancelled_at", "decline_reason"])
        record(actor=actor, action="allocation.cancel", target=allocation, before=before, after=snapshot(allocation))
        _refresh_offer_status(allocation.offer_line.offer)
        _refresh_request_status(allocation.request_line.request)


# --- derived status ----------------------------------------------------------------------------------


def _refresh_request_status(request: AssistanceRequest) -> None:
    """submitted / partially met / met, from the committed (accepted, shipped, delivered) quantities."""
    request = AssistanceRequest.objects.get(pk=request.pk)
    if request.status not in _OPEN_REQUEST and request.status != AssistanceRequest.Status.MET:
        return
    lines = list(request.lines.all())
    committed = {
        row["request_line"]: row["n"]
        for row in Allocation.objects.filter(request_line__request=request, status__in=Allocation.COMMITTED)
        .values("request_line")
        .annotate(n=Sum("quantity"))
    }
    if all(committed.get(line.pk, 0) >= line.quantity for line in lines):
        status = AssistanceRequest.Status.MET
    elif any(committed.values()):
        status = AssistanceRequest.Status.PARTIALLY_MET
    else:
        status = AssistanceRequest.Status.SUBMITTED
    if status != request.status:
        before = snapshot(request)
        request.status = status
        request.closed_at = timezone.now() if status == AssistanceRequest.Status.MET else None
        request.save(update_fields=["status", "closed_at", "updated_at"])
        record(actor=None, action=f"request.{status}", target=request, before=before, after=snapshot(request))


def _refresh_offer_status(offer: Offer) -> None:
    offer = Offer.objects.get(pk=offer.pk)
    if offer.status not in {*_OPEN_OFFER, Offer.Status.FULLY_ALLOCATED}:
        return
    live = {
        row["offer_line"]: row["n"]
        for row in Allocation.objects.filter(offer_line__offer=offer, status__in=Allocation.LIVE)
        .values("offer_line")
        .annotate(n=Sum("quantity"))
    }
    lines = list(offer.lines.all())
    if all(live.get(line.pk, 0) >= line.quantity for line in lines):
        status = Offer.Status.FULLY_ALLOCATED
    elif any(live.values()):
        status = Offer.Status.PARTIALLY_ALLOCATED
    else:
        status = Offer.Status.OPEN
    if status != offer.status:
        before = snapshot(offer)
        offer.status = status
        offer.save(update_fields=["status", "updated_at"])
        record(actor=None, action=f"offer.{status}", target=offer, before=before, after=snapshot(offer))


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
    if line.offer.status not in {*_OPEN_OFFER, Offer.Status.FULLY_ALLOCATED}:
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


@transaction.atomic
def expire_overdue(*, today: dt.date | None = None) -> tuple[int, int]:
    """Close open requests whose needed-by date has passed and offers whose lines are all past availability."""
    today = today or timezone.localdate()
    requests = 0
    for request in AssistanceRequest.objects.select_for_update().filter(
        status__in=(AssistanceRequest.Status.DRAFT, *_OPEN_REQUEST), needed_by__lt=today
    ):
        before = snapshot(request)
        _cancel_unshipped(
            Allocation.objects.filter(request_line__request=request, status="proposed"), None, "request expired"
        )
        request.status, request.closed_at = AssistanceRequest.Status.EXPIRED, timezone.now()
        request.save(update_fields=["status", "closed_at", "updated_at"])
        record(actor=None, action="request.expire", target=request, before=before, after=snapshot(request))
        requests += 1
    offers = 0
    for offer in Offer.objects.select_for_update().filter(status__in=(Offer.Status.DRAFT, *_OPEN_OFFER)):
        ends = [line.available_until for line in offer.lines.all()]
        if ends and all(end is not None and end < today for end in ends):
            OFFER.check(SYSTEM, offer, "expire")
            before = snapshot(offer)
            OFFER.advance(offer, "expire")
            offer.closed_at = timezone.now()
            offer.save(update_fields=["status", "closed_at", "updated_at"])
            record(actor=None, action="offer.expire", target=offer, before=before, after=snapshot(offer))
            offers += 1
    return requests, offers
