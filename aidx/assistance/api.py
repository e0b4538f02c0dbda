import datetime as dt
from typing import Any, Literal

from django.db.models import CharField, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import api_user, require_write
from aidx.assistance import selectors, services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.assistance.workflow import ALLOCATION, OFFER, REQUEST
from aidx.catalogue.models import CapabilityType, Item
from aidx.core.bounds import MAX_ID, MAX_MINOR_UNITS, Id, Int32
from aidx.core.errors import BusinessError
from aidx.core.idempotency import idempotent
from aidx.nations.models import Organisation
from aidx.nations.policy import Releasability, get_visible_or_404, viewer_for

router = Router(tags=["exchange"])

ReleasabilityIn = Literal[tuple(Releasability.values)]  # type: ignore[valid-type]


def _owner(record: Any) -> str | None:
    return record.owner_nation_id or (record.owner_organisation.code if record.owner_organisation_id else None)


# --- schemas ---------------------------------------------------------------------------------------------


class LineQuantities(Schema):
    allocated: int = 0
    accepted: int = 0
    shipped: int = 0
    delivered: int = 0
    cancelled: int = 0


class RequestLineIn(Schema):
    item: str | None = Field(None, max_length=40)
    capability: str | None = Field(None, max_length=40)
    quantity: Int32
    substitutes_ok: bool = True
    notes: str = Field("", max_length=500)


class RequestLineOut(LineQuantities):
    id: int
    item: str | None = Field(None, alias="item.code")
    capability: str | None = Field(None, alias="capability.code")
    quantity: int
    substitutes_ok: bool
    notes: str


class RequestIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=10000)
    incident: str = Field("", max_length=100)
    priority: int = Field(2, ge=1, le=4)
    needed_by: dt.date
    delivery_site: str = Field(..., max_length=40, description="site code")
    contact: str = Field("", max_length=200)
    releasability: ReleasabilityIn = Releasability.ALLIES_AND_PARTNERS  # type: ignore[valid-type]
    release_to: list[str] = Field(default_factory=list, max_length=100)
    lines: list[RequestLineIn] = Field(..., max_length=services.MAX_LINES)
    submit: bool = Field(False, description="circulate at once instead of keeping a draft")


class RequestPatch(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10000)
    incident: str | None = Field(None, max_length=100)
    priority: int | None = Field(None, ge=1, le=4)
    needed_by: dt.date | None = None
    contact: str | None = Field(None, max_length=200)


class RequestOut(Schema):
    id: int
    title: str
    description: str
    incident: str
    priority: int
    needed_by: dt.date
    delivery_site: str = Field(..., alias="delivery_site.code")
    contact: str
    status: str
    owner: str | None
    releasability: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_owner(record: AssistanceRequest) -> str | None:
        return _owner(record)


class RequestDetailOut(RequestOut):
    release_to: list[str] = Field(..., alias="release_codes")
    lines: list[RequestLineOut] = Field(..., alias="line_rows")
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the request now")

    @staticmethod
    def resolve_actions(record: AssistanceRequest, context: dict[str, Any]) -> list[str]:
        return REQUEST.action_names(api_user(context["request"]), record)


class OfferLineIn(Schema):
    item: str | None = Field(None, max_length=40)
    capability: str | None = Field(None, max_length=40)
    quantity: Int32
    available_from: dt.date
    available_until: dt.date | None = None
    origin_site: str | None = Field(None, max_length=40)
    notes: str = Field("", max_length=500)


class OfferLineOut(LineQuantities):
    id: int
    item: str | None = Field(None, alias="item.code")
    capability: str | None = Field(None, alias="capability.code")
    quantity: int
    remaining: int = 0
    available_from: dt.date
    available_until: dt.date | None
    origin_site: str | None = Field(None, alias="origin_site.code")
    origin: str | None = Field(
        None, description="Where the goods leave from: origin_site, else the offering nation's home airfield"
    )
    origin_assumed: bool = Field(False, description="The line names no origin_site: origin is the home airfield")
    notes: str

    @staticmethod
    def resolve_origin(line: Any) -> str | None:
        origin = line.origin
        return origin.code if origin is not None else None

    @staticmethod
    def resolve_origin_assumed(line: Any) -> bool:
        return line.origin_site_id is None and line.origin is not None


class OfferIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=10000)
    in_reply_to: Id | None = None
    terms: Literal["donation", "loan", "sale"] = "donation"
    price_minor: int | None = Field(
        None, ge=0, le=MAX_MINOR_UNITS, description="price in the currency's minor units (sale only)"
    )
    currency: str = Field("", max_length=3)
    transport_included: bool = False
    releasability: ReleasabilityIn | None = Field(  # type: ignore[valid-type]
        None,
        description="Default: the request's for an offer in reply (it may be no wider), else allies and partners",
    )
    release_to: list[str] | None = Field(None, max_length=100)
    lines: list[OfferLineIn] = Field(..., max_length=services.MAX_LINES)
    publish: bool = False


class OfferOut(Schema):
    id: int
    title: str
    description: str
    in_reply_to: int | None = Field(
        None, alias="reply_shown", description="The request it answers, if you may see that request (else null)"
    )
    terms: str
    price_minor: int | None
    currency: str
    transport_included: bool
    status: str
    owner: str | None
    releasability: str
    created_at: dt.datetime

    @staticmethod
    def resolve_owner(record: Offer) -> str | None:
        return _owner(record)


class OfferDetailOut(OfferOut):
    release_to: list[str] = Field(..., alias="release_codes")
    lines: list[OfferLineOut] = Field(..., alias="line_rows")
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the offer now")

    @staticmethod
    def resolve_actions(record: Offer, context: dict[str, Any]) -> list[str]:
        return OFFER.action_names(api_user(context["request"]), record)


class AllocationIn(Schema):
    offer_line: Id
    request_line: Id
    quantity: Int32


class AllocationOut(Schema):
    id: int
    offer: int = Field(..., alias="offer_line.offer_id")
    offer_line: int = Field(..., alias="offer_line_id")
    request: int = Field(..., alias="request_line.request_id")
    request_line: int = Field(..., alias="request_line_id")
    offering: str | None
    requesting: str | None
    item: str | None = Field(None, alias="item_code")
    capability: str | None = Field(None, alias="capability_code")
    quantity: int
    status: str
    decline_reason: str
    received_quantity: int | None
    discrepancy: str
    proposed_at: dt.datetime
    decided_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None


class AllocationDetailOut(AllocationOut):
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the allocation now")

    @staticmethod
    def resolve_actions(allocation: Allocation, context: dict[str, Any]) -> list[str]:
        return ALLOCATION.action_names(api_user(context["request"]), allocation)


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class DeliveryIn(Schema):
    received_quantity: Int32 | None = None
    discrepancy: str = Field("", max_length=500)


class NeedMetOut(Schema):
    item: str | None = Field(None, description="item code (or capability, below)")
    capability: str | None = None
    unit: str = Field("", description="the item's unit: requested and met count in it")
    requested: int
    met: int
    tonnes_requested: float | None = Field(None, description="where the item's weight is known")


class FiguresOut(Schema):
    open_requests: int
    open_offers: int
    share_met: float = Field(..., description="share of the requested weight met (units of unlike items never add)")
    tonnes_requested: float
    tonnes_met: float
    by_item: list[NeedMetOut] = Field(..., description="per item or capability: requested and met in its own unit")
    tonnes_allocated: float
    delivered_allocations: int


# --- helpers ---------------------------------------------------------------------------------------------


def _request_detail(request: HttpRequest, pk: int) -> AssistanceRequest:
    """The request with its named nations and its lines' quantities, for RequestDetailOut."""
    record = _visible_request(request, pk)
    record.release_codes = sorted(n.code for n in record.release_to.all())  # type: ignore[attr-defined]
    record.line_rows = list(selectors.request_lines(record))  # type: ignore[attr-defined]
    return record


def _offer_detail(request: HttpRequest, pk: int) -> Offer:
    record = _visible_offer(request, pk)
    record.release_codes = sorted(n.code for n in record.release_to.all())  # type: ignore[attr-defined]
    record.line_rows = list(selectors.offer_lines(record))  # type: ignore[attr-defined]
    return record


def _visible_request(request: HttpRequest, pk: int) -> AssistanceRequest:
    viewer = viewer_for(request.auth)  # type: ignore[attr-defined]
    return get_visible_or_404(selectors.requests_visible_to(viewer), viewer, pk=pk)


def _visible_offer(request: HttpRequest, pk: int) -> Offer:
    viewer = viewer_for(request.auth)  # type: ignore[attr-defined]
    return get_visible_or_404(selectors.offers_visible_to(viewer), viewer, pk=pk)


def _visible_allocation(request: HttpRequest, pk: int) -> Allocation:
    viewer = viewer_for(request.auth)  # type: ignore[attr-defined]
    return get_object_or_404(selectors.allocations_visible_to(viewer), pk=pk)  # parties only, by the selector


def _code_of(model: type[Any], pk: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(pk)).values("code")[:1])


def _owner_code(path: str) -> Coalesce:
    return Coalesce(
        F(f"{path}__owner_nation_id"),
        _code_of(Organisation, f"{path}__owner_organisation_id"),
        output_field=CharField(),
    )


def _for_output(allocations: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """Allocations with what AllocationOut shows: the codes of the item or capability and of both owners.

    Read as subqueries on the small tables rather than as the selector's joins: planning a join of allocation,
    both lines, both records, their owners and the lines' items and capabilities took PostgreSQL 20-45 ms, far
    longer than running it; with only the lines and the records joined it plans in about 2.
    """
    return (
        allocations.select_related(None)
        .select_related("offer_line", "request_line")
        .annotate(
            item_code=_code_of(Item, "offer_line__item_id"),
            capability_code=_code_of(CapabilityType, "offer_line__capability_id"),
            offering=_owner_code("offer_line__offer"),
            requesting=_owner_code("request_line__request"),
        )
    )


def _allocation_out(request: HttpRequest, pk: int) -> Allocation:
    viewer = viewer_for(request.auth)  # type: ignore[attr-defined]
    allocations = _for_output(selectors.allocations_visible_to(viewer))
    return get_object_or_404(allocations.select_related("offer_line__offer", "request_line__request"), pk=pk)


# --- requests ----------------------------------------------------------------------------------------------


@router.get("/requests", response=list[RequestOut], summary="Requests for assistance you may see")
@paginate
def request_list(
    request: HttpRequest,
    status: Literal[tuple(AssistanceRequest.Status.values)] | None = None,  # type: ignore[valid-type]
    priority: int | None = Query(None, ge=1, le=4),
    nation: str | None = Query(None, max_length=3),
    item: str | None = Query(None, max_length=40),
    q: str | None = Query(None, max_length=100),
    needed_from: dt.date | None = None,
    needed_until: dt.date | None = None,
    incident: str | None = Query(None, max_length=100),
) -> Any:
    requests = selectors.requests_visible_to(
        request.auth,  # type: ignore[attr-defined]
        status=status,
        priority=priority,
        nation=nation,
        item=item,
        search=q,
        needed_from=needed_from,
        needed_until=needed_until,
        incident=incident,
    )
    return selectors.requests_by_day(selectors.listed(requests), needed_from, needed_until)


@router.get("/requests/{int:pk}", response=RequestDetailOut, summary="A request with its lines and quantities")
def request_detail(request: HttpRequest, pk: Id) -> Any:
    return _request_detail(request, pk)


@router.post("/requests", response={201: RequestDetailOut}, summary="Post a request for assistance")
@idempotent(AssistanceRequest, lambda request, pk: _request_detail(request, pk))
def request_create(request: HttpRequest, payload: RequestIn) -> Any:
    actor = require_write(request)
    created = services.request_create(
        actor=actor,
        title=payload.title,
        description=payload.description,
        incident=payload.incident,
        priority=payload.priority,
        needed_by=payload.needed_by,
        delivery_site=payload.delivery_site,
        contact=payload.contact,
        releasability=payload.releasability,
        release_to=payload.release_to,
        lines=[services.LineInput(**line.dict()) for line in payload.lines],
    )
    if payload.submit:
        services.request_submit(actor=actor, request=created)
    return Status(201, _request_detail(request, created.pk))


@router.patch("/requests/{int:pk}", response=RequestDetailOut, summary="Change a request's header")
def request_update(request: HttpRequest, pk: Id, payload: RequestPatch) -> Any:
    actor = require_write(request)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if not changes:
        raise BusinessError(_("Nothing to change."))
    services.request_update(actor=actor, request=_visible_request(request, pk), **changes)
    return _request_detail(request, pk)


@router.post("/requests/{int:pk}/submit", response=RequestDetailOut, summary="Circulate a draft request")
def request_submit(request: HttpRequest, pk: Id) -> Any:
    services.request_submit(actor=require_write(request), request=_visible_request(request, pk))
    return _request_detail(request, pk)


@router.post("/requests/{int:pk}/withdraw", response=RequestDetailOut, summary="Withdraw a request")
def request_withdraw(request: HttpRequest, pk: Id, payload: ReasonIn) -> Any:
    services.request_withdraw(
        actor=require_write(request), request=_visible_request(request, pk), reason=payload.reason
    )
    return _request_detail(request, pk)


# --- offers ------------------------------------------------------------------------------------------------


@router.get("/offers", response=list[OfferOut], summary="Offers you may see")
@paginate
def offer_list(
    request: HttpRequest,
    status: Literal[tuple(Offer.Status.values)] | None = None,  # type: ignore[valid-type]
    nation: str | None = Query(None, max_length=3),
    item: str | None = Query(None, max_length=40),
    q: str | None = Query(None, max_length=100),
    in_reply_to: Id | None = None,
) -> Any:
    offers = selectors.offers_visible_to(
        request.auth,  # type: ignore[attr-defined]
        status=status,
        nation=nation,
        item=item,
        search=q,
        in_reply_to=in_reply_to,
    )
    return selectors.listed(offers)


@router.get("/offers/{int:pk}", response=OfferDetailOut, summary="An offer with its lines")
def offer_detail(request: HttpRequest, pk: Id) -> Any:
    return _offer_detail(request, pk)


@router.post("/offers", response={201: OfferDetailOut}, summary="Make an offer")
@idempotent(Offer, lambda request, pk: _offer_detail(request, pk))
def offer_create(request: HttpRequest, payload: OfferIn) -> Any:
    actor = require_write(request)
    in_reply_to = _visible_request(request, payload.in_reply_to) if payload.in_reply_to else None
    created = services.offer_create(
        actor=actor,
        title=payload.title,
        description=payload.description,
        in_reply_to=in_reply_to,
        terms=payload.terms,
        price_minor=payload.price_minor,
        currency=payload.currency,
        transport_included=payload.transport_included,
        releasability=payload.releasability,
        release_to=payload.release_to,
        lines=[services.LineInput(**line.dict()) for line in payload.lines],
    )
    if payload.publish:
        services.offer_publish(actor=actor, offer=created)
    return Status(201, _offer_detail(request, created.pk))


@router.post(
    "/offers/{int:pk}/propose-to-requester",
    response={201: list[AllocationOut]},
    summary="Propose an offer in reply to the nation that asked",
)
def offer_propose_to_requester(request: HttpRequest, pk: Id) -> Any:
    made = services.offer_propose_to_requester(actor=require_write(request), offer=_visible_offer(request, pk))
    viewer = viewer_for(request.auth)  # type: ignore[attr-defined]
    return Status(201, list(_for_output(selectors.allocations_visible_to(viewer)).filter(pk__in=[a.pk for a in made])))


@router.post("/offers/{int:pk}/publish", response=OfferDetailOut, summary="Open a draft offer")
def offer_publish(request: HttpRequest, pk: Id) -> Any:
    services.offer_publish(actor=require_write(request), offer=_visible_offer(request, pk))
    return _offer_detail(request, pk)


@router.post("/offers/{int:pk}/withdraw", response=OfferDetailOut, summary="Withdraw an offer")
def offer_withdraw(request: HttpRequest, pk: Id, payload: ReasonIn) -> Any:
    services.offer_withdraw(actor=require_write(request), offer=_visible_offer(request, pk), reason=payload.reason)
    return _offer_detail(request, pk)


# --- allocations ---------------------------------------------------------------------------------------------


@router.get("/allocations", response=list[AllocationOut], summary="Allocations you are a party to")
@paginate
def allocation_list(
    request: HttpRequest,
    status: Literal[tuple(Allocation.Status.values)] | None = None,  # type: ignore[valid-type]
    request_id: int | None = Query(None, alias="request", ge=1, le=MAX_ID),
    offer_id: int | None = Query(None, alias="offer", ge=1, le=MAX_ID),
) -> Any:
    allocations = selectors.allocations_visible_to(
        request.auth,  # type: ignore[attr-defined]
        status=status,
        request=request_id,
        offer=offer_id,
    )
    return _for_output(allocations)


@router.get("/allocations/{int:pk}", response=AllocationDetailOut, summary="An allocation and what you may do to it")
def allocation_detail(request: HttpRequest, pk: Id) -> Any:
    return _allocation_out(request, pk)


@router.post("/allocations", response={201: AllocationDetailOut}, summary="Propose an allocation of an offer line")
@idempotent(Allocation, lambda request, pk: _allocation_out(request, pk))
def allocation_propose(request: HttpRequest, payload: AllocationIn) -> Any:
    actor = require_write(request)
    viewer = viewer_for(actor)
    offer_line = OfferLine.objects.filter(pk=payload.offer_line, offer__in=selectors.offers_visible_to(viewer)).first()
    request_line = RequestLine.objects.filter(
        pk=payload.request_line, request__in=selectors.requests_visible_to(viewer)
    ).first()
    if offer_line is None or request_line is None:
        raise BusinessError(_("Not found."), code="not_found", status=404)
    allocation = services.allocation_propose(
        actor=actor, offer_line=offer_line, request_line=request_line, quantity=payload.quantity
    )
    return Status(201, _allocation_out(request, allocation.pk))


@router.post("/allocations/{int:pk}/accept", response=AllocationDetailOut, summary="Accept (requesting nation)")
def allocation_accept(request: HttpRequest, pk: Id) -> Any:
    services.allocation_accept(actor=require_write(request), allocation=_visible_allocation(request, pk))
    return _allocation_out(request, pk)


@router.post("/allocations/{int:pk}/decline", response=AllocationDetailOut, summary="Decline, with a reason")
def allocation_decline(request: HttpRequest, pk: Id, payload: ReasonIn) -> Any:
    services.allocation_decline(
        actor=require_write(request), allocation=_visible_allocation(request, pk), reason=payload.reason
    )
    return _allocation_out(request, pk)


@router.post("/allocations/{int:pk}/cancel", response=AllocationDetailOut, summary="Take back before shipping")
def allocation_cancel(request: HttpRequest, pk: Id, payload: ReasonIn) -> Any:
    services.allocation_cancel(
        actor=require_write(request), allocation=_visible_allocation(request, pk), reason=payload.reason
    )
    return _allocation_out(request, pk)


@router.post("/allocations/{int:pk}/ship", response=AllocationDetailOut, summary="Mark shipped (offering nation)")
def allocation_ship(request: HttpRequest, pk: Id) -> Any:
    services.allocation_ship(actor=require_write(request), allocation=_visible_allocation(request, pk))
    return _allocation_out(request, pk)


@router.post(
    "/allocations/{int:pk}/deliver", response=AllocationDetailOut, summary="Confirm delivery (requesting nation)"
)
def allocation_deliver(request: HttpRequest, pk: Id, payload: DeliveryIn) -> Any:
    services.allocation_deliver(
        actor=require_write(request),
        allocation=_visible_allocation(request, pk),
        received_quantity=payload.received_quantity,
        discrepancy=payload.discrepancy,
    )
    return _allocation_out(request, pk)


@router.get("/figures", response=FiguresOut, summary="The situational picture's figures, as you may see them")
def figures(request: HttpRequest) -> Any:
    result = selectors.figures(request.auth)  # type: ignore[attr-defined]
    return {
        "open_requests": result.open_requests,
        "open_offers": result.open_offers,
        "share_met": result.share_met,
        "tonnes_requested": float(result.tonnes_requested),
        "tonnes_met": float(result.tonnes_met),
        "by_item": [
            {
                "item": need.item.code if need.item else None,
                "capability": need.capability.code if need.capability else None,
                "unit": need.item.unit if need.item else "",
                "requested": need.requested,
                "met": need.met,
                "tonnes_requested": None if need.tonnes_requested is None else float(need.tonnes_requested),
            }
            for need in result.by_item
        ],
        "tonnes_allocated": float(result.tonnes_allocated),
        "delivered_allocations": result.delivered_allocations,
    }
