"""REST API of the trust fund (mounted at /api/v1/fund). Amounts are integers of minor units with an ISO 4217
currency; EUR figures are cents. A nation reads its own pledges and statement (and, as an ally or partner, the
totals); fund managers and the centre's coordinators read everything and book."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import require_write
from aidx.core.bounds import MAX_INT32, MAX_MINOR_UNITS, Id
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.fund import selectors, services
from aidx.fund.models import Pledge, ProcurementOrder
from aidx.fund.workflow import ORDER, may_manage
from aidx.nations.models import Nation

router = Router(tags=["fund"])


def _user(request: HttpRequest) -> Any:
    return request.auth if getattr(request, "auth", None) is not None else request.user  # type: ignore[attr-defined]


def _manager(request: HttpRequest) -> Any:
    user = _user(request)
    if not may_manage(user):
        raise PermissionDenied(_("Only a fund manager or a coordinator can do this."))
    require_write(request)
    return user


def _nation(code: str | None) -> Nation | None:
    if not code:
        return None
    found = Nation.objects.filter(pk=code.upper()).first()
    if found is None:
        raise BusinessError(_("Unknown nation."), field="nation")
    return found


class TotalsOut(Schema):
    currency: str = "EUR"
    pledged: int
    paid: int
    outstanding: int
    cash: int
    committed: int
    spent: int
    exchange_differences: int
    contributors: int


class PledgeOut(Schema):
    id: int
    nation: str = Field(..., alias="nation_id")
    amount_minor: int
    currency: str
    pledged_on: dt.date
    earmark: str
    rate: Decimal
    eur_minor: int
    paid_minor: int
    illustrative: bool


class PledgeIn(Schema):
    nation: str = Field(..., min_length=3, max_length=3)
    amount_minor: int = Field(..., gt=0, le=MAX_MINOR_UNITS)
    currency: str = Field(..., min_length=3, max_length=3)
    pledged_on: dt.date | None = None
    earmark: str = Field("", max_length=200)


class ContributionIn(Schema):
    amount_minor: int = Field(..., gt=0, le=MAX_MINOR_UNITS)
    received_on: dt.date | None = None


class ContributionOut(Schema):
    id: int
    pledge: int = Field(..., alias="pledge_id")
    amount_minor: int
    received_on: dt.date
    rate: Decimal
    eur_minor: int


class StatementOut(Schema):
    nation: str
    currency: str = "EUR"
    pledged: int
    paid: int
    outstanding: int
    exchange_differences: int
    share_percent: str


class OrderLineIn(Schema):
    item: str = Field(..., max_length=40)
    quantity: int = Field(..., gt=0, le=MAX_INT32)
    unit_price_minor: int = Field(..., ge=0, le=MAX_MINOR_UNITS)


class OrderIn(Schema):
    supplier: str = Field(..., min_length=1, max_length=200)
    currency: str = Field(..., min_length=3, max_length=3)
    warehouse: str = Field(..., max_length=40)
    lines: list[OrderLineIn] = Field(..., min_length=1, max_length=100)
    ordered_on: dt.date | None = None
    recipient: str | None = Field(None, max_length=3)
    reference: str = Field("", max_length=100)


class OrderOut(Schema):
    id: int
    reference: str
    supplier: str
    status: str
    currency: str
    total_minor: int
    eur_minor: int | None
    warehouse: str
    recipient: str | None = Field(None, alias="recipient_id")

    @staticmethod
    def resolve_warehouse(order: ProcurementOrder) -> str:
        return order.warehouse.code


class OrderDetailOut(OrderOut):
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the order now")

    @staticmethod
    def resolve_actions(order: ProcurementOrder, context: dict[str, Any]) -> list[str]:
        return ORDER.action_names(_user(context["request"]), order)


class TransportIn(Schema):
    description: str = Field(..., min_length=1, max_length=300)
    amount_minor: int = Field(..., gt=0, le=MAX_MINOR_UNITS)
    currency: str = Field(..., min_length=3, max_length=3)
    paid_on: dt.date | None = None
    recipient: str | None = Field(None, max_length=3)


class TransportOut(Schema):
    id: int
    description: str
    amount_minor: int
    currency: str
    eur_minor: int
    recipient: str | None = Field(None, alias="recipient_id")


class RateIn(Schema):
    currency: str = Field(..., min_length=3, max_length=3)
    on: dt.date
    eur_per_unit: Decimal = Field(..., gt=0, max_digits=20, decimal_places=10)


@router.get("/totals", response={200: TotalsOut}, summary="The fund's totals (allies, partners, managers)")
def totals(request: HttpRequest) -> Any:
    found = selectors.totals(_user(request))
    if found is None:
        raise PermissionDenied(_("The fund's figures are shared with allies and partners."))
    return found


@router.get("/pledges", response=list[PledgeOut], summary="Pledges you may see: your nation's, or all")
@paginate
def pledges(request: HttpRequest, nation: str | None = None) -> Any:
    return selectors.pledges(_user(request), nation=nation.upper() if nation else None)


@router.get("/pledges/{int:pledge_id}", response=PledgeOut)
def pledge(request: HttpRequest, pledge_id: Id) -> Any:
    return selectors.pledge(_user(request), pledge_id)


@router.post("/pledges", response={201: PledgeOut})
def pledge_create(request: HttpRequest, payload: PledgeIn) -> Any:
    actor = _manager(request)
    created = services.pledge_create(
        actor=actor,
        nation=_nation(payload.nation),  # type: ignore[arg-type]
        amount_minor=payload.amount_minor,
        currency=payload.currency,
        pledged_on=payload.pledged_on,
        earmark=payload.earmark,
    )
    return Status(201, selectors.pledge(actor, created.pk))


@router.post("/pledges/{int:pledge_id}/contributions", response={201: ContributionOut})
def contribution_create(request: HttpRequest, pledge_id: Id, payload: ContributionIn) -> Any:
    actor = _manager(request)
    if not Pledge.objects.filter(pk=pledge_id).exists():
        raise Http404
    created = services.contribution_receive(
        actor=actor, pledge=pledge_id, amount_minor=payload.amount_minor, received_on=payload.received_on
    )
    return Status(201, created)


@router.get("/statements/{code}", response=StatementOut, summary="A nation's statement (its own, or any for managers)")
def statement(request: HttpRequest, code: str) -> Any:
    found = selectors.statement(_user(request), code)
    return {
        "nation": found.nation.code,
        "pledged": found.pledged,
        "paid": found.paid,
        "outstanding": found.outstanding,
        "exchange_differences": found.exchange_differences,
        "share_percent": found.share_percent,
    }


@router.get("/balance-sheet", response=list[dict[str, Any]], summary="Accounts and balances (managers)")
def balance_sheet(request: HttpRequest) -> Any:
    user = _user(request)
    if not may_manage(user):
        raise PermissionDenied(_("Only a fund manager or a coordinator can do this."))
    return [{**row, "kind": str(row["kind"])} for row in selectors.balance_sheet(user)]


@router.get("/orders", response=list[OrderOut])
@paginate
def orders(request: HttpRequest) -> Any:
    user = _user(request)
    if not may_manage(user):
        raise PermissionDenied(_("Only a fund manager or a coordinator can do this."))
    return selectors.orders(user)


@router.post("/orders", response={201: OrderOut}, summary="A draft procurement order")
def order_create(request: HttpRequest, payload: OrderIn) -> Any:
    actor = _manager(request)
    created = services.order_create(
        actor=actor,
        supplier=payload.supplier,
        currency=payload.currency,
        warehouse=payload.warehouse,
        lines=[services.OrderLineInput(line.item, line.quantity, line.unit_price_minor) for line in payload.lines],
        ordered_on=payload.ordered_on,
        recipient=_nation(payload.recipient),
        reference=payload.reference,
    )
    return Status(201, created)


@router.get("/orders/{int:order_id}", response=OrderDetailOut)
def order(request: HttpRequest, order_id: Id) -> Any:
    user = _user(request)
    if not may_manage(user):
        raise PermissionDenied(_("Only a fund manager or a coordinator can do this."))
    found = selectors.orders(user).filter(pk=order_id).first()
    if found is None:
        raise Http404
    return found


def _order_action(request: HttpRequest, order_id: int, call: Any) -> Any:
    actor = _manager(request)
    if not selectors.orders(actor).filter(pk=order_id).exists():
        raise Http404
    return call(actor=actor, order=order_id)


@router.post("/orders/{int:order_id}/approve", response=OrderDetailOut, summary="Approve: commit the funds")
def order_approve(request: HttpRequest, order_id: Id) -> Any:
    return _order_action(request, order_id, services.order_approve)


@router.post("/orders/{int:order_id}/cancel", response=OrderDetailOut, summary="Cancel: release committed funds")
def order_cancel(request: HttpRequest, order_id: Id) -> Any:
    return _order_action(request, order_id, services.order_cancel)


@router.post("/orders/{int:order_id}/receive", response=OrderDetailOut, summary="Received: lots into stock, and paid")
def order_receive(request: HttpRequest, order_id: Id) -> Any:
    return _order_action(request, order_id, services.order_receive)


@router.post("/transport", response={201: TransportOut}, summary="Pay for transport")
def transport(request: HttpRequest, payload: TransportIn) -> Any:
    actor = _manager(request)
    created = services.transport_pay(
        actor=actor,
        amount_minor=payload.amount_minor,
        currency=payload.currency,
        description=payload.description,
        paid_on=payload.paid_on,
        recipient=_nation(payload.recipient),
    )
    return Status(201, created)


@router.post("/rates", response={201: dict[str, str]}, summary="Set a dated exchange rate")
def rate(request: HttpRequest, payload: RateIn) -> Any:
    created = services.rate_set(
        actor=_manager(request), currency=payload.currency, on=payload.on, eur_per_unit=payload.eur_per_unit
    )
    return Status(
        201, {"currency": created.currency, "on": created.on.isoformat(), "eur_per_unit": str(created.eur_per_unit)}
    )
