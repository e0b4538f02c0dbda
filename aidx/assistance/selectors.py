"""Reads of the exchange. Every query is narrowed by the need-to-know policy first."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.assistance.workflow import OPEN_OFFER, OPEN_REQUEST
from aidx.audit.models import AuditEntry
from aidx.catalogue.models import CapabilityType, Item, Substitution
from aidx.core.paging import SplitList
from aidx.nations.models import Nation
from aidx.nations.policy import Viewer, as_viewer, owned_q, visible, visible_to_parties

ALLOCATION_PARTIES = ("request_line__request", "offer_line__offer")
LIST_ORDER = ("-created_at", "-id")  # requests and offers, newest first (the indexes *_newest serve it)


def open_requests_q(today: dt.date | None = None) -> Q:
    """Requests still open to offers: circulated, not met, and not past their needed-by date. The date counts
    here even before the nightly job has expired the request (services/expiry.py)."""
    return Q(status__in=OPEN_REQUEST, needed_by__gte=today or timezone.localdate())


def current_lines_q(today: dt.date | None = None) -> Q:
    """Offer lines still available on `today` (a line without an end date stays available)."""
    return Q(available_until__isnull=True) | Q(available_until__gte=today or timezone.localdate())


def open_offers_q(today: dt.date | None = None) -> Q:
    """Offers still open: published, not fully allocated, and with a line not past its availability."""
    current = OfferLine.objects.filter(current_lines_q(today), offer=OuterRef("pk"))
    return Q(status__in=OPEN_OFFER) & Q(Exists(current))


def _circulated_or_mine(viewer: Viewer) -> Q:
    return Q() if viewer.is_centre else ~Q(status="draft") | owned_q(viewer)


def _sum(status: tuple[str, ...] | list[str], field: str = "allocations__quantity") -> Coalesce:
    return Coalesce(Sum(field, filter=Q(allocations__status__in=status)), 0)


LINE_QUANTITIES = {
    "allocated": _sum(Allocation.LIVE),
    "accepted": _sum(Allocation.COMMITTED),
    "shipped": _sum([Allocation.Status.SHIPPED, Allocation.Status.DELIVERED]),
    "delivered": _sum([Allocation.Status.DELIVERED], "allocations__received_quantity"),
    "cancelled": _sum([Allocation.Status.DECLINED, Allocation.Status.CANCELLED]),
}


def request_lines(request: AssistanceRequest) -> QuerySet[RequestLine]:
    """The request's lines with requested, allocated, accepted, shipped, delivered and cancelled quantities."""
    return request.lines.select_related("item", "capability").annotate(**LINE_QUANTITIES).order_by("id")


def offer_lines(offer: Offer) -> QuerySet[OfferLine]:
    return (
        offer.lines.select_related("item", "capability", "origin_site")
        .annotate(**LINE_QUANTITIES)
        .annotate(remaining=F("quantity") - F("allocated"))
        .order_by("id")
    )


def _with_item(lines: type[RequestLine] | type[OfferLine], code: str) -> QuerySet[Any]:
    """Lines for the item or capability `code`, for a semi-join (`pk IN (...)`).

    Joining the lines into the list duplicated rows, and the DISTINCT that removed them defeated the
    newest-first index. The code is resolved to ids first (one small query): with literal ids the planner
    knows how common the item is and probes the (record, item) index while walking the list in order,
    where `item_id IN (SELECT ...)` made it hash the whole lines table.
    """
    items = list(Item.objects.filter(code=code).values_list("pk", flat=True))
    capabilities = list(CapabilityType.objects.filter(code=code).values_list("pk", flat=True))
    return lines.objects.filter(Q(item_id__in=items) | Q(capability_id__in=capabilities))


def requests_visible_to(
    who: Any,
    *,
    status: str | None = None,
    priority: int | None = None,
    nation: str | None = None,
    item: str | None = None,
    search: str | None = None,
    needed_from: dt.date | None = None,
    needed_until: dt.date | None = None,
    incident: str | None = None,
    open_only: bool = False,
) -> QuerySet[AssistanceRequest]:
    viewer = as_viewer(who)
    # A draft has not been circulated: only its owner (and the centre) sees it.
    result = visible(AssistanceRequest.objects.all(), viewer).filter(_circulated_or_mine(viewer))
    if status:
        result = result.filter(status=status)
    if open_only:
        result = result.filter(open_requests_q())
    if priority:
        result = result.filter(priority=priority)
    if nation:
        result = result.filter(owner_nation_id=nation.upper())
    if item:
        result = result.filter(pk__in=_with_item(RequestLine, item).values("request_id"))
    if search:
        result = result.filter(
            Q(title__icontains=search) | Q(description__icontains=search) | Q(incident__icontains=search)
        )
    if needed_from:
        result = result.filter(needed_by__gte=needed_from)
    if needed_until:
        result = result.filter(needed_by__lte=needed_until)
    if incident:
        result = result.filter(incident=incident)
    return result.select_related("owner_nation", "owner_organisation", "delivery_site").order_by(*LIST_ORDER)


def listed(records: QuerySet[Any]) -> QuerySet[Any]:
    """Requests or offers for a list page or answer, with only the joins a row shows: its owner organisation and
    (a request) its delivery site. A row names its owner nation from the code (Nation holds nothing else) and
    the request an offer replies to by id, so those two joins only loaded rows nobody read."""
    joins = ("owner_organisation", "delivery_site") if records.model is AssistanceRequest else ("owner_organisation",)
    return records.select_related(None).select_related(*joins)


# A needed_by range up to this many days long is listed one day at a time (see requests_by_day).
DAYS_READ_APART = 31


def requests_by_day(
    requests: QuerySet[AssistanceRequest], needed_from: dt.date | None, needed_until: dt.date | None
) -> QuerySet[AssistanceRequest] | SplitList:
    """`requests` (filtered to the needed_by range from-until) for a list page: as they are, or, for a range of
    at most DAYS_READ_APART days, as the merge of one list per day.

    Newest first, a range of past needs is slow to reach: before its first row come all the newer requests, which
    are needed later (130,000 rows for a fortnight of April 2020 in the benchmark's million lines), and no single
    index serves both a range and the list order. Each day alone is a range of the (needed_by, created_at, id)
    index in list order, and a page takes at most a page of rows from each day (see paging.SplitList). A longer
    range is read as it is: a part per day would cost more than a walk that, for all but old needs, soon finds
    its page.
    """
    if not needed_from or not needed_until or not 0 <= (needed_until - needed_from).days < DAYS_READ_APART:
        return requests
    days = [needed_from + dt.timedelta(days=n) for n in range((needed_until - needed_from).days + 1)]
    if len(days) == 1:
        return requests.filter(needed_by=needed_from)  # as a range (from <= day <= until) it would not be ordered
    return SplitList(requests, "needed_by", days, LIST_ORDER)


def offers_visible_to(
    who: Any,
    *,
    status: str | None = None,
    nation: str | None = None,
    item: str | None = None,
    search: str | None = None,
    in_reply_to: int | None = None,
    open_only: bool = False,
) -> QuerySet[Offer]:
    viewer = as_viewer(who)
    result = visible(Offer.objects.all(), viewer).filter(_circulated_or_mine(viewer))
    if status:
        result = result.filter(status=status)
    if open_only:
        result = result.filter(open_offers_q())
    if nation:
        result = result.filter(owner_nation_id=nation.upper())
    if item:
        result = result.filter(pk__in=_with_item(OfferLine, item).values("offer_id"))
    if search:
        result = result.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if in_reply_to:  # only a request the viewer may see: the answer must not tell that a hidden one has offers
        result = result.filter(in_reply_to_id=in_reply_to, in_reply_to__in=requests_visible_to(viewer).values("pk"))
    return (
        result.annotate(reply_shown=reply_reference(viewer))
        .select_related("owner_nation", "owner_organisation")
        .order_by("-created_at", "-id")
    )


def reply_reference(viewer: Viewer) -> Any:
    """The id of the request an offer answers, for a viewer who may see that request, else null: an offer shows
    what it answers (on its page, in a list, an export, the API) only to those who may read that too."""
    if viewer.is_centre:
        return F("in_reply_to_id")
    answered = visible(AssistanceRequest.objects.filter(pk=OuterRef("in_reply_to_id")), viewer)
    return Case(
        When(Exists(answered.filter(_circulated_or_mine(viewer))), then=F("in_reply_to_id")),
        default=Value(None),
        output_field=BigIntegerField(),
    )


@dataclass(frozen=True)
class ReplyPair:
    offer_line: OfferLine
    request_line: RequestLine
    quantity: int


def reply_pairs(offer: Offer) -> list[ReplyPair]:
    """What an offer in reply could give its request now, line by line: each request line, in order, takes from
    the offer lines for the same item or capability, then from permitted substitutes (where the line accepts them),
    as much as both still have free. Nothing when the offer answers no request. (No need-to-know here: the caller
    has checked that the parties may see each other's records.)"""
    request = offer.in_reply_to
    if request is None:
        return []
    offer_lines = list(offer_lines_left(offer.lines.all()).select_related("item", "capability").order_by("id"))
    request_lines = list(
        request.lines.select_related("item", "capability")
        .annotate(allocated=LINE_QUANTITIES["allocated"])
        .order_by("id")
    )
    wanted = {line.pk: line.quantity - line.allocated for line in request_lines}
    free = {line.pk: line.remaining for line in offer_lines}  # type: ignore[attr-defined]  # offer_lines_left
    substitutes = set(
        Substitution.objects.filter(
            item_id__in=[line.item_id for line in request_lines if line.item_id and line.substitutes_ok]
        ).values_list("item_id", "substitute_id")
    )
    pairs = []
    for request_line in request_lines:
        same = [
            line
            for line in offer_lines
            if (line.item_id, line.capability_id) == (request_line.item_id, request_line.capability_id)
        ]
        alike = [line for line in offer_lines if (request_line.item_id, line.item_id) in substitutes]
        for offer_line in same + alike:
            quantity = min(wanted[request_line.pk], free[offer_line.pk])
            if quantity > 0:
                pairs.append(ReplyPair(offer_line, request_line, quantity))
                wanted[request_line.pk] -= quantity
                free[offer_line.pk] -= quantity
    return pairs


def home_site_code(who: Any) -> str | None:
    """The code of the viewer's nation's home airfield: the origin an offer line starts from."""
    nation = as_viewer(who).nation
    if nation is None:
        return None
    return Nation.objects.filter(pk=nation).values_list("home_site__code", flat=True).first()


def allocations_visible_to(
    who: Any, *, status: str | None = None, request: int | None = None, offer: int | None = None
) -> QuerySet[Allocation]:
    """Allocations are seen by their two parties (requesting and offering nation) and the centre."""
    result = visible_to_parties(Allocation.objects.all(), as_viewer(who), *ALLOCATION_PARTIES)
    if status:
        result = result.filter(status=status)
    if request:
        result = result.filter(request_line__request_id=request)
    if offer:
        result = result.filter(offer_line__offer_id=offer)
    return result.select_related(
        "offer_line__offer__owner_nation",
        "offer_line__offer__owner_organisation",
        "offer_line__item",
        "offer_line__capability",
        "request_line__request__owner_nation",
        "request_line__request__owner_organisation",
        "request_line__item",
        "request_line__capability",
        "proposed_by",
    ).order_by("-proposed_at", "-id")


def timeline(record: AssistanceRequest | Offer, who: Any) -> QuerySet[AuditEntry]:
    """What happened to a record: its own entries and those of the allocations the viewer may see."""
    viewer = as_viewer(who)
    path = "request_line__request" if isinstance(record, AssistanceRequest) else "offer_line__offer"
    allocation_ids = allocations_visible_to(viewer).filter(**{path: record}).values_list("pk", flat=True)
    return AuditEntry.objects.filter(
        Q(target_type=record._meta.label_lower, target_id=str(record.pk))
        | Q(target_type="assistance.allocation", target_id__in=[str(pk) for pk in allocation_ids])
    ).order_by("at", "id")


def allocation_timeline(allocation: Allocation) -> QuerySet[AuditEntry]:
    """What happened to an allocation (the caller has found it through allocations_visible_to)."""
    return AuditEntry.objects.filter(target_type="assistance.allocation", target_id=str(allocation.pk)).order_by(
        "at", "id"
    )


@dataclass(frozen=True)
class Inbox:
    could_help: list[AssistanceRequest]
    awaiting_decision: list[Allocation]
    to_ship: list[Allocation]
    to_receive: list[Allocation]
    changes: list[AuditEntry]


def inbox(user: Any, *, limit: int = 20) -> Inbox:
    """My nation's work: requests I could help with, allocations to decide, ship or receive, recent changes."""
    viewer = as_viewer(user)
    if viewer.nation is None and viewer.organisation is None:
        return Inbox([], [], [], [], [])  # nobody to act for
    mine = owned_q(viewer)
    my_items = set(
        offer_lines_left(OfferLine.objects.filter(offer__in=Offer.objects.filter(mine).filter(open_offers_q())))
        .filter(remaining__gt=0, item__isnull=False)
        .values_list("item_id", flat=True)
    )
    serves = my_items | set(Substitution.objects.filter(substitute_id__in=my_items).values_list("item_id", flat=True))
    could_help = (
        list(
            requests_visible_to(viewer, open_only=True)
            .exclude(mine)
            .filter(lines__item_id__in=serves)
            .distinct()[:limit]
        )
        if serves
        else []
    )
    mine_request = (
        Q(request_line__request__owner_nation_id=viewer.nation)
        if viewer.nation
        else Q(request_line__request__owner_organisation_id=viewer.organisation)
    )
    mine_offer = (
        Q(offer_line__offer__owner_nation_id=viewer.nation)
        if viewer.nation
        else Q(offer_line__offer__owner_organisation_id=viewer.organisation)
    )
    allocations = allocations_visible_to(viewer)
    my_request_ids = [str(pk) for pk in AssistanceRequest.objects.filter(mine).values_list("pk", flat=True)[:500]]
    return Inbox(
        could_help=could_help,
        awaiting_decision=list(allocations.filter(mine_request, status=Allocation.Status.PROPOSED)[:limit]),
        to_ship=list(allocations.filter(mine_offer, status=Allocation.Status.ACCEPTED)[:limit]),
        to_receive=list(allocations.filter(mine_request, status=Allocation.Status.SHIPPED)[:limit]),
        changes=list(
            AuditEntry.objects.filter(
                target_type="assistance.assistancerequest", target_id__in=my_request_ids
            ).order_by("-at", "-id")[:limit]
        ),
    )


def offer_lines_left(lines: QuerySet[OfferLine]) -> QuerySet[Any]:  # OfferLine with allocated and remaining
    """Each line with what its live allocations take and what is left of it (nothing once past its availability)."""
    return lines.annotate(allocated=LINE_QUANTITIES["allocated"]).annotate(
        remaining=Case(When(~current_lines_q(), then=Value(0)), default=F("quantity") - F("allocated"))
    )


@dataclass(frozen=True)
class NeedMet:
    """One item (or capability) of the needs a viewer may see: requested and met in its own unit, and in tonnes
    where its weight is known (a capability has none)."""

    item: Item | None
    capability: CapabilityType | None
    requested: int
    met: int
    kg_requested: Decimal | None
    kg_met: Decimal | None

    @property
    def share_met(self) -> float:
        return self.met / self.requested if self.requested else 0.0

    @property
    def name(self) -> str:
        record = self.item or self.capability
        assert record is not None  # a line names an item or a capability
        return str(record.name)

    @property
    def tonnes_requested(self) -> Decimal | None:
        return None if self.kg_requested is None else _tonnes(self.kg_requested)


@dataclass(frozen=True)
class Figures:
    open_requests: int
    open_offers: int
    by_item: list[NeedMet]
    tonnes_allocated: Decimal
    delivered_allocations: int

    @property
    def kg_requested(self) -> Decimal:
        return sum((n.kg_requested for n in self.by_item if n.kg_requested is not None), Decimal(0))

    @property
    def kg_met(self) -> Decimal:
        return sum((n.kg_met for n in self.by_item if n.kg_met is not None), Decimal(0))

    @property
    def tonnes_requested(self) -> Decimal:
        return _tonnes(self.kg_requested)

    @property
    def tonnes_met(self) -> Decimal:
        return _tonnes(self.kg_met)

    @property
    def share_met(self) -> float:
        """The share of the requested weight met: units of different items are never added up."""
        requested = self.kg_requested
        return float(self.kg_met / requested) if requested else 0.0


def _tonnes(kilograms: Decimal) -> Decimal:
    return (Decimal(kilograms) / 1000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def needs_met(lines: QuerySet[RequestLine]) -> list[NeedMet]:
    """Per item or capability of `lines`: requested, and met as a request's own list counts it (its committed
    allocations, whoever is party to them: what the request lists show each reader as its share met)."""
    requested = {
        (row["item"], row["capability"]): row["n"]
        for row in lines.order_by().values("item", "capability").annotate(n=Sum("quantity"))
    }
    met = {
        (row["request_line__item"], row["request_line__capability"]): row["n"]
        for row in Allocation.objects.filter(request_line__in=lines.values("pk"), status__in=Allocation.COMMITTED)
        .order_by()
        .values("request_line__item", "request_line__capability")
        .annotate(n=Sum("quantity"))
    }
    items = Item.objects.in_bulk([item for item, _capability in requested if item])
    capabilities = CapabilityType.objects.in_bulk([capability for _item, capability in requested if capability])
    rows = []
    for (item_id, capability_id), quantity in requested.items():
        item = items.get(item_id) if item_id else None
        done = min(met.get((item_id, capability_id), 0), quantity)
        weight = item.unit_weight_kg if item is not None and item.unit_weight_kg else None
        rows.append(
            NeedMet(
                item=item,
                capability=capabilities.get(capability_id) if capability_id else None,
                requested=quantity,
                met=done,
                kg_requested=quantity * weight if weight is not None else None,
                kg_met=done * weight if weight is not None else None,
            )
        )
    return sorted(rows, key=lambda n: (-(n.kg_requested or 0), str(n.item or n.capability)))


def figures(who: Any) -> Figures:
    """The situational picture's headline figures, over what the viewer may see."""
    viewer = as_viewer(who)
    requests = requests_visible_to(viewer)
    live_requests = requests.filter(status__in=(*OPEN_REQUEST, AssistanceRequest.Status.MET))
    lines = RequestLine.objects.filter(request__in=live_requests.values("pk"))
    allocations = allocations_visible_to(viewer)
    weight = ExpressionWrapper(
        F("quantity") * F("offer_line__item__unit_weight_kg"),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    kilograms = allocations.filter(status__in=Allocation.LIVE, offer_line__item__isnull=False).aggregate(
        kg=Coalesce(Sum(weight), Value(Decimal(0)), output_field=DecimalField(max_digits=20, decimal_places=4))
    )["kg"]
    return Figures(
        open_requests=requests.filter(open_requests_q()).count(),
        open_offers=offers_visible_to(viewer, open_only=True).count(),
        by_item=needs_met(lines),
        tonnes_allocated=_tonnes(kilograms),
        delivered_allocations=allocations.filter(status=Allocation.Status.DELIVERED).count(),
    )


@dataclass(frozen=True)
class PointLine:
    """What a map point holds of one item or capability: still needed at a delivery site, or still on offer from an
    origin; `kg` where the item's weight is known (a capability has none)."""

    item: Item | None
    capability: CapabilityType | None
    quantity: int
    kg: Decimal | None

    @property
    def code(self) -> str:
        record = self.item or self.capability
        assert record is not None  # a line names an item or a capability
        return record.code

    @property
    def name(self) -> str:
        return str(self.item or self.capability)


def _point_lines(
    wanted: list[dict[str, Any]], taken: list[dict[str, Any]], prefix: str = ""
) -> dict[str, list[PointLine]]:
    """Per site code: each item's (or capability's) quantity in `wanted` less what `taken` holds of it, largest weight
    first, then largest quantity; nothing of what is all taken. Rows carry `site`, `{prefix}item`,
    `{prefix}capability` and `n`."""
    left: dict[tuple[str, int | None, int | None], int] = defaultdict(int)
    for row in wanted:
        left[(row["site"], row["item"], row["capability"])] += row["n"]
    for row in taken:
        key = (row["site"], row[f"{prefix}item"], row[f"{prefix}capability"])
        if key in left:
            left[key] -= row["n"]
    items = Item.objects.in_bulk([item for _site, item, _capability in left if item])
    capabilities = CapabilityType.objects.in_bulk([capability for _s, _i, capability in left if capability])
    per_site: dict[str, list[PointLine]] = defaultdict(list)
    for (site, item_id, capability_id), quantity in left.items():
        if quantity <= 0:
            continue
        item = items.get(item_id) if item_id else None
        per_site[site].append(
            PointLine(
                item=item,
                capability=capabilities.get(capability_id) if capability_id else None,
                quantity=quantity,
                kg=quantity * item.unit_weight_kg if item is not None else None,
            )
        )
    for lines in per_site.values():
        lines.sort(key=lambda line: (-(line.kg or 0), -line.quantity, line.name))
    return per_site


def map_points(who: Any) -> list[dict[str, Any]]:
    """Open requests (at their delivery site) and open offers (at their lines' origin, else their nation's home
    airfield) per site: how many, the site's nation, and `lines` (PointLine): what is still needed there (requested
    less what is committed, as the request's own page counts it) or still on offer from there (each line still
    available, less its live allocations). Only records the viewer may see count."""
    viewer = as_viewer(who)
    points: dict[tuple[str, str], dict[str, Any]] = {}
    requests = requests_visible_to(viewer, open_only=True)
    for row in (
        requests.order_by()  # no ordering column in the GROUP BY
        .values(
            "delivery_site__code",
            "delivery_site__name",
            "delivery_site__nation",
            "delivery_site__latitude",
            "delivery_site__longitude",
        )
        .annotate(n=Count("id", distinct=True))
    ):
        points[("request", row["delivery_site__code"])] = {
            "kind": "request",
            "code": row["delivery_site__code"],
            "site": row["delivery_site__name"],
            "nation": row["delivery_site__nation"],
            "count": row["n"],
            "lat": float(row["delivery_site__latitude"]),
            "lon": float(row["delivery_site__longitude"]),
        }
    request_lines = RequestLine.objects.filter(request__in=requests.values("pk"))
    needed = _point_lines(
        list(
            request_lines.order_by()
            .values("item", "capability", site=F("request__delivery_site__code"))
            .annotate(n=Sum("quantity"))
        ),
        list(
            Allocation.objects.filter(request_line__in=request_lines.values("pk"), status__in=Allocation.COMMITTED)
            .order_by()
            .values(
                "request_line__item", "request_line__capability", site=F("request_line__request__delivery_site__code")
            )
            .annotate(n=Sum("quantity"))
        ),
        "request_line__",
    )
    # a line without an origin leaves from its nation's home airfield (OfferLine.origin)
    origin = {
        f"origin_{part}": Coalesce(f"origin_site__{part}", f"offer__owner_nation__home_site__{part}")
        for part in ("code", "name", "nation", "latitude", "longitude")
    }
    offer_lines = (
        OfferLine.objects.filter(offer__in=offers_visible_to(viewer, open_only=True).values("pk"))
        .annotate(**origin)
        .filter(origin_code__isnull=False)  # type: ignore[misc]  # an annotation
    )
    for row in offer_lines.values(*origin).annotate(n=Count("offer", distinct=True)):
        points[("offer", row["origin_code"])] = {
            "kind": "offer",
            "code": row["origin_code"],
            "site": row["origin_name"],
            "nation": row["origin_nation"],
            "count": row["n"],
            "lat": float(row["origin_latitude"]),
            "lon": float(row["origin_longitude"]),
        }
    current = offer_lines.filter(current_lines_q())
    on_offer = _point_lines(
        list(current.order_by().values("item", "capability", site=F("origin_code")).annotate(n=Sum("quantity"))),
        list(
            Allocation.objects.filter(offer_line__in=current.values("pk"), status__in=Allocation.LIVE)
            .order_by()
            .values(
                "offer_line__item",
                "offer_line__capability",
                site=Coalesce("offer_line__origin_site__code", "offer_line__offer__owner_nation__home_site__code"),
            )
            .annotate(n=Sum("quantity"))
        ),
        "offer_line__",
    )
    for (kind, code), point in points.items():
        point["lines"] = (needed if kind == "request" else on_offer).get(code, [])
    return list(points.values())
