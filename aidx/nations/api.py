import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from aidx.nations import selectors

if TYPE_CHECKING:
    from aidx.nations.selectors import NationWithStanding

router = Router(tags=["registry"])


class MembershipOut(Schema):
    kind: str
    valid_from: dt.date
    valid_until: dt.date | None


class NationOut(Schema):
    code: str
    name: str
    standing: str | None = Field(None, description="ally, partner or null on the date asked (default today)")


class NationDetailOut(NationOut):
    memberships: list[MembershipOut]


class OrganisationOut(Schema):
    code: str
    name: str
    kind: str
    nation: str | None = Field(None, alias="nation_id")


class SiteOut(Schema):
    code: str
    name: str
    kind: str
    nation: str = Field(..., alias="nation_id")
    latitude: float
    longitude: float
    icao: str
    iata: str


@router.get("/nations", response=list[NationOut], summary="Nations and their standing on a date")
@paginate
def nations(request: HttpRequest, on: dt.date | None = None, standing: Literal["ally", "partner"] | None = None) -> Any:
    """Without `on`: every nation in the registry with its standing today.
    With `on=YYYY-MM-DD`: the allies and partners on that day (narrow with `standing=ally`)."""
    if on is None and standing is None:
        return selectors.nations_with_standing(timezone.localdate())
    return selectors.nations_on(on or timezone.localdate(), kind=standing)


@router.get("/nations/{code}", response=NationDetailOut, summary="One nation with its membership history")
def nation(request: HttpRequest, code: str, on: dt.date | None = None) -> Any:
    found: NationWithStanding = get_object_or_404(
        selectors.nations_with_standing(on or timezone.localdate()), code=code.upper()
    )
    memberships = list(selectors.memberships_of(found))
    return {"code": found.code, "name": found.name, "standing": found.standing, "memberships": memberships}


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations")
@paginate
def organisations(request: HttpRequest) -> Any:
    return selectors.organisations()


@router.get("/sites", response=list[SiteOut], summary="Sites: airfields, warehouses, hospitals, cities")
@paginate
def sites(
    request: HttpRequest,
    kind: Literal["airfield", "warehouse", "hospital", "city"] | None = None,
    nation: str | None = Query(None, max_length=3),
    q: str | None = Query(None, max_length=100),
) -> Any:
    return selectors.sites(kind=kind, nation=nation, search=q)
