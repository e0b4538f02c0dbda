"""REST API of the stockpile (mounted at /api/v1/stockpile): stock, lots, the ledger, expiry alerts, and the
writes a stockpile manager makes. Everything is refused (403) to anyone but the centre and stockpile managers;
nations see the stockpile through its exchange offer."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from aidx.accounts.api import api_user, require_write
from aidx.core.bounds import MAX_INT32, MAX_MINOR_UNITS, Id
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.nations.models import Nation
from aidx.stockpile import selectors, services
from aidx.stockpile.models import Lot, Movement
from aidx.stockpile.workflow import LOT

router = Router(tags=["stockpile"])


def _reader(request: HttpRequest) -> Any:
    user = request.auth if getattr(request, "auth", None) is not None else request.user  # type: ignore[attr-defined]
    if not services.may_view(user):
        raise PermissionDenied(_("Only the coordination centre and stockpile managers see the stock."))
    return user


def _writer(request: HttpRequest) -> Any:
    user = _reader(request)
    require_write(request)
    return user


class WarehouseOut(Schema):
    code: str
    name: str
    nation: str = Field(..., alias="nation_id")
    on_hand: int
    reserved: int
    lots: int


class LotOut(Schema):
    id: int
    item: str
    lot_number: str
    expiry_date: dt.date | None
    status: str
    owner_nation: str | None = Field(None, alias="owner_nation_id")
    donor: str | None = Field(None, alias="donor_id")
    source: str
    unit_value_minor: int
    currency: str
    received_on: dt.date
    on_hand: int
    reserved: int
    actions: list[str] = Field(default_factory=list, description="What the caller may do to the lot now")

    @staticmethod
    def resolve_item(lot: Lot) -> str:
        return lot.item.code

    @staticmethod
    def resolve_actions(lot: Lot, context: dict[str, Any]) -> list[str]:
        return LOT.action_names(api_user(context["request"]), lot)


class EntryOut(Schema):
    id: int
    movement: int = Field(..., alias="movement_id")
    kind: str
    occurred_on: dt.date
    warehouse: str
    item: str
    lot: int = Field(..., alias="lot_id")
    lot_number: str
    on_hand_delta: int
    reserved_delta: int
    allocation: int | None
    reason: str

    @staticmethod
    def resolve_occurred_on(entry: Any) -> dt.date:
        return entry.movement.occurred_on

    @staticmethod
    def resolve_warehouse(entry: Any) -> str:
        return entry.warehouse.code

    @staticmethod
    def resolve_item(entry: Any) -> str:
        return entry.lot.item.code

    @staticmethod
    def resolve_lot_number(entry: Any) -> str:
        return entry.lot.lot_number

    @staticmethod
    def resolve_allocation(entry: Any) -> int | None:
        return entry.movement.allocation_id

    @staticmethod
    def resolve_reason(entry: Any) -> str:
        return entry.movement.reason


class AlertOut(Schema):
    lot: int
    lot_number: str
    item: str
    expiry_date: dt.date
    days: int
    band: int
    on_hand: int


class MovementOut(Schema):
    id: int
    kind: str
    occurred_on: dt.date
    allocation: int | None = Field(None, alias="allocation_id")
    entries: list[dict[str, int]]

    @staticmethod
    def resolve_entries(movement: Movement) -> list[dict[str, int]]:
        return [
            {"lot": e.lot_id, "warehouse": e.warehouse_id, "on_hand": e.on_hand_delta, "reserved": e.reserved_delta}
            for e in movement.entries.all()
        ]


class ReceiptIn(Schema):
    warehouse: str = Field(..., max_length=40)
    item: str = Field(..., max_length=40)
    lot_number: str = Field(..., min_length=1, max_length=60)
    quantity: int = Field(..., gt=0, le=2_000_000_000)
    expiry_date: dt.date | None = None
    donor: str | None = Field(None, max_length=3)
    source: Literal[tuple(Lot.Source.values)] = Lot.Source.DONATION  # type: ignore[valid-type]
    unit_value_minor: int = Field(0, ge=0, le=MAX_MINOR_UNITS)
    currency: str = Field("EUR", min_length=3, max_length=3)
    occurred_on: dt.date | None = None


class StatusIn(Schema):
    status: Literal[tuple(Lot.Status.values)]  # type: ignore[valid-type]
    reason: str = Field("", max_length=500)


class TransferIn(Schema):
    source: str = Field(..., max_length=40)
    destination: str = Field(..., max_length=40)
    quantity: int = Field(..., gt=0, le=MAX_INT32)
    reason: str = Field("", max_length=500)


class CountIn(Schema):
    warehouse: str = Field(..., max_length=40)
    counted: int = Field(..., ge=0, le=MAX_INT32)
    reason: str = Field(..., min_length=1, max_length=500)


class DisposalIn(Schema):
    warehouse: str = Field(..., max_length=40)
    quantity: int = Field(..., gt=0, le=MAX_INT32)
    reason: str = Field(..., min_length=1, max_length=500)


@router.get("/warehouses", response=list[WarehouseOut], summary="Warehouses and their stock")
def warehouses(request: HttpRequest) -> Any:
    return list(selectors.warehouses(_reader(request)))


@router.get("/lots", response=list[LotOut], summary="Lots, soonest expiry first")
@paginate
def lots(
    request: HttpRequest,
    status: Literal[tuple(Lot.Status.values)] | None = None,  # type: ignore[valid-type]
    item: str | None = Query(None, max_length=40),
    q: str | None = Query(None, max_length=100),
    in_stock: bool = False,
) -> Any:
    return selectors.lots(_reader(request), status=status, item=item, search=q, in_stock=in_stock)


@router.get("/lots/{int:lot_id}", response=LotOut)
def lot(request: HttpRequest, lot_id: Id) -> Any:
    found = selectors.lots(_reader(request)).filter(pk=lot_id).first()
    if found is None:
        raise BusinessError(_("Not found."), code="not_found", status=404)
    return found


@router.get("/ledger", response=list[EntryOut], summary="The stock ledger, newest first")
@paginate
def ledger(
    request: HttpRequest,
    kind: Literal[tuple(Movement.Kind.values)] | None = None,  # type: ignore[valid-type]
    item: str | None = Query(None, max_length=40),
    lot: Id | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    return selectors.ledger(_reader(request), kind=kind, item=item, lot=lot, since=since, until=until)


@router.get("/alerts", response=list[AlertOut], summary="Lots expiring within 30/60/90 days (band 0: expired)")
def alerts(request: HttpRequest) -> Any:
    return [
        {
            "lot": a.lot.pk,
            "lot_number": a.lot.lot_number,
            "item": a.lot.item.code,
            "expiry_date": a.lot.expiry_date,
            "days": a.days,
            "band": a.band,
            "on_hand": a.on_hand,
        }
        for a in selectors.expiry_alerts(_reader(request))
    ]


@router.post("/receipts", response={201: LotOut}, summary="Receive a donation or a delivery")
def receipt(request: HttpRequest, payload: ReceiptIn) -> Any:
    actor = _writer(request)
    donor = Nation.objects.filter(pk=(payload.donor or "").upper()).first() if payload.donor else None
    if payload.donor and donor is None:
        raise BusinessError(_("Unknown nation."), field="donor")
    created = services.receive(
        actor=actor,
        warehouse=payload.warehouse,
        item=payload.item,
        lot_number=payload.lot_number,
        quantity=payload.quantity,
        expiry_date=payload.expiry_date,
        donor=donor,
        source=payload.source,
        unit_value_minor=payload.unit_value_minor,
        currency=payload.currency,
        occurred_on=payload.occurred_on,
    )
    return Status(201, selectors.lots(actor).get(pk=created.pk))


@router.post("/lots/{int:lot_id}/status", response=LotOut, summary="Quarantine, recall (final), or free a lot")
def lot_status(request: HttpRequest, lot_id: Id, payload: StatusIn) -> Any:
    actor = _writer(request)
    services.lot_set_status(actor=actor, lot=lot_id, status=payload.status, reason=payload.reason)
    return selectors.lots(actor).get(pk=lot_id)


@router.post("/lots/{int:lot_id}/transfer", response={201: MovementOut})
def lot_transfer(request: HttpRequest, lot_id: Id, payload: TransferIn) -> Any:
    actor = _writer(request)
    moved = services.transfer(
        actor=actor,
        lot=lot_id,
        source=payload.source,
        destination=payload.destination,
        quantity=payload.quantity,
        reason=payload.reason,
    )
    return Status(201, moved)


@router.post("/lots/{int:lot_id}/count", response={200: MovementOut, 204: None}, summary="Book a count")
def lot_count(request: HttpRequest, lot_id: Id, payload: CountIn) -> Any:
    actor = _writer(request)
    moved = services.adjust(
        actor=actor, lot=lot_id, warehouse=payload.warehouse, counted=payload.counted, reason=payload.reason
    )
    return moved if moved is not None else Status(204, None)


@router.post("/lots/{int:lot_id}/disposal", response={201: MovementOut})
def lot_disposal(request: HttpRequest, lot_id: Id, payload: DisposalIn) -> Any:
    actor = _writer(request)
    moved = services.dispose(
        actor=actor, lot=lot_id, warehouse=payload.warehouse, quantity=payload.quantity, reason=payload.reason
    )
    return Status(201, moved)


@router.post("/allocations/{int:allocation_id}/reserve", response={201: MovementOut})
def allocation_reserve(request: HttpRequest, allocation_id: Id) -> Any:
    return Status(201, services.reserve(actor=_writer(request), allocation=allocation_id))


@router.post("/allocations/{int:allocation_id}/release", response={201: MovementOut}, summary="Release FEFO and ship")
def allocation_release(request: HttpRequest, allocation_id: Id) -> Any:
    return Status(201, services.release(actor=_writer(request), allocation=allocation_id))


@router.post("/allocations/{int:allocation_id}/cancel", response={200: MovementOut, 204: None})
def allocation_cancel(request: HttpRequest, allocation_id: Id) -> Any:
    moved = services.cancel_reservation(actor=_writer(request), allocation=allocation_id)
    return moved if moved is not None else Status(204, None)
