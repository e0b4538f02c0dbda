from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from aidx.catalogue import selectors
from aidx.catalogue.models import CapabilityType, Item

router = Router(tags=["catalogue"])


class SubstituteOut(Schema):
    code: str
    penalty: int


class ItemOut(Schema):
    code: str
    name: str
    category: str
    unit: str
    unit_weight_kg: Decimal
    unit_volume_m3: Decimal
    shelf_life_days: int | None
    substitutes: list[SubstituteOut]
    illustrative: bool

    @staticmethod
    def resolve_substitutes(item: Item) -> list[dict[str, Any]]:
        return [{"code": s.substitute.code, "penalty": s.penalty} for s in item.substitutions.all()]


class CapabilityTypeOut(Schema):
    code: str
    name: str
    kind: str
    payload_kg: int | None
    volume_m3: int | None
    pallet_positions: int | None
    cruise_speed_kmh: int | None
    range_km: int | None
    beds: int | None
    icu_beds: int | None
    stretchers: int | None
    staff: int | None
    illustrative: bool


@router.get("/items", response=list[ItemOut], summary="Catalogue items, with the items that may substitute for each")
@paginate
def items(
    request: HttpRequest,
    category: Literal[tuple(Item.Category.values)] | None = None,  # type: ignore[valid-type]
    q: str | None = Query(None, max_length=100),
) -> Any:
    return selectors.items(category=category, search=q)


@router.get("/items/{code}", response=ItemOut)
def item(request: HttpRequest, code: str) -> Any:
    return get_object_or_404(selectors.items(), code=code)


@router.get("/capability-types", response=list[CapabilityTypeOut], summary="Aircraft, field hospitals, teams, medevac")
@paginate
def capability_types(
    request: HttpRequest,
    kind: Literal[tuple(CapabilityType.Kind.values)] | None = None,  # type: ignore[valid-type]
) -> Any:
    return selectors.capability_types(kind=kind)
