"""Writes to the registry: nations, dated memberships, organisations, sites."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import airportsdata
import pycountry
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.core.errors import BusinessError
from aidx.nations.models import Membership, Nation, Organisation, Site


@lru_cache(maxsize=1)
def _airports_icao() -> dict[str, airportsdata.Airport]:
    return airportsdata.load("ICAO")


@lru_cache(maxsize=1)
def _airports_iata() -> dict[str, airportsdata.Airport]:
    return airportsdata.load("IATA")


def _alpha3_of_alpha2(alpha2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=alpha2)
    return country.alpha_3 if country else None


def airfield_lookup(code: str) -> airportsdata.Airport:
    """An airfield from the airportsdata package by ICAO (4 letters) or IATA (3 letters) code."""
    code = (code or "").strip().upper()
    airport = _airports_icao().get(code) if len(code) == 4 else _airports_iata().get(code) if len(code) == 3 else None
    if airport is None:
        raise BusinessError(_("No airfield has the code %(code)s.") % {"code": code or "—"}, code="unknown_airfield")
    return airport


@transaction.atomic
def nation_create(*, actor: Any, code: str) -> Nation:
    code = (code or "").strip().upper()
    if pycountry.countries.get(alpha_3=code) is None:
        raise BusinessError(_("%(code)s is not an ISO 3166 country code.") % {"code": code or "—"}, field="code")
    nation, created = Nation.objects.get_or_create(code=code)
    if created:
        record(actor=actor, action="nation.create", target=nation, after={"code": code})
    return nation


def _overlapping(party: Q, valid_from: dt.date, valid_until: dt.date | None, exclude: int | None) -> bool:
    others = Membership.objects.filter(party).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=valid_from))
    if valid_until is not None:
        others = others.filter(valid_from__lt=valid_until)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    kind: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    nation: Nation | None = None,
    organisation: Organisation | None = None,
) -> Membership:
    """Add a dated membership. A party holds at most one standing on any day."""
    if (nation is None) == (organisation is None):
        raise BusinessError(_("A membership is for one nation or one organisation."))
    if kind not in Membership.Kind.values:
        raise BusinessError(_("Unknown kind of membership: %(kind)s.") % {"kind": kind}, field="kind")
    if valid_until is not None and valid_until <= valid_from:
        raise BusinessError(_("The end date must be after the start date."), field="valid_until")
    # Lock the party's row so two concurrent additions cannot both pass the overlap check.
    if nation is not None:
        Nation.objects.select_for_update().get(pk=nation.pk)
        party = Q(nation=nation)
    else:
        Organisation.objects.select_for_update().get(pk=organisation.pk)  # type: ignore[union-attr]
        party = Q(organisation=organisation)
    if _overlapping(party, valid_from, valid_until, exclude=None):
        raise BusinessError(
            _("%(party)s already has a membership that overlaps these dates.") % {"party": nation or organisation},
            code="overlap",
            field="valid_from",
        )
    membership = Membership.objects.create(
        nation=nation, organisation=organisation, kind=kind, valid_from=valid_from, valid_until=valid_until
    )
    record(actor=actor, action="membership.add", target=membership, after=snapshot(membership))
    return membership


@transaction.atomic
def membership_end(*, actor: Any, membership: Membership, valid_until: dt.date) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    before = snapshot(membership)
    if valid_until <= membership.valid_from:
        raise BusinessError(_("The end date must be after the start date."), field="valid_until")
    membership.valid_until = valid_until
    membership.save(update_fields=["valid_until"])
    record(actor=actor, action="membership.end", target=membership, before=before, after=snapshot(membership))
    return membership


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    code: str,
    kind: str,
    name_en: str,
    name_nb: str = "",
    name_nn: str = "",
    nation: Nation | None = None,
) -> Organisation:
    if kind not in Organisation.Kind.values:
        raise BusinessError(_("Unknown kind of organisation: %(kind)s.") % {"kind": kind}, field="kind")
    if Organisation.objects.filter(code=code).exists():
        raise BusinessError(_("The code %(code)s is taken.") % {"code": code}, field="code")
    organisation = Organisation.objects.create(
        code=code, kind=kind, name_en=name_en, name_nb=name_nb, name_nn=name_nn, nation=nation
    )
    record(actor=actor, action="organisation.create", target=organisation, after=snapshot(organisation))
    return organisation


def _coordinate(value: Any, low: int, high: int, field: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.00001"))
    except (InvalidOperation, ValueError):
        raise BusinessError(_("%(value)s is not a number.") % {"value": value}, field=field) from None
    if not (low <= number <= high):
        raise BusinessError(
            _("%(value)s is outside %(low)s to %(high)s.") % {"value": value, "low": low, "high": high}, field=field
        )
    return number


@transaction.atomic
def site_create(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    nation: Nation,
    latitude: Any,
    longitude: Any,
    organisation: Organisation | None = None,
    icao: str = "",
    iata: str = "",
) -> Site:
    if kind not in Site.Kind.values:
        raise BusinessError(_("Unknown kind of site: %(kind)s.") % {"kind": kind}, field="kind")
    if Site.objects.filter(code=code).exists():
        raise BusinessError(_("The code %(code)s is taken.") % {"code": code}, field="code")
    site = Site.objects.create(
        code=code,
        name=name,
        kind=kind,
        nation=nation,
        organisation=organisation,
        latitude=_coordinate(latitude, -90, 90, "latitude"),
        longitude=_coordinate(longitude, -180, 180, "longitude"),
        icao=icao,
        iata=iata,
    )
    record(actor=actor, action="site.create", target=site, after=snapshot(site))
    return site


@transaction.atomic
def nation_set_home_site(*, actor: Any, nation: Nation | str, site: Site | str | None) -> Nation:
    """The airfield a nation's goods leave from when an offer line names no origin (None: no default)."""
    nation = Nation.objects.select_for_update().get(pk=getattr(nation, "pk", nation))
    if site is not None and not isinstance(site, Site):
        found = Site.objects.filter(code=site).first()
        if found is None:
            raise BusinessError(_("Unknown site %(code)s.") % {"code": site}, field="home_site")
        site = found
    if site is not None and site.kind != Site.Kind.AIRFIELD:
        raise BusinessError(_("A home site must be an airfield."), field="home_site")
    before = {"home_site": nation.home_site_id}
    nation.home_site = site
    nation.save(update_fields=["home_site"])
    record(
        actor=actor, action="nation.home_site", target=nation, before=before, after={"home_site": nation.home_site_id}
    )
    return nation


def airfield_create(*, actor: Any, code: str, site_code: str | None = None, name: str | None = None) -> Site:
    """Register an airfield from its ICAO or IATA code, with name and coordinates from airportsdata."""
    airport = airfield_lookup(code)
    alpha3 = _alpha3_of_alpha2(airport["country"])
    if alpha3 is None:
        raise BusinessError(_("The airfield's country is unknown."), code="unknown_country")
    nation = Nation.objects.filter(pk=alpha3).first() or nation_create(actor=actor, code=alpha3)
    existing = Site.objects.filter(icao=airport["icao"]).first()
    if existing is not None:
        return existing
    return site_create(
        actor=actor,
        code=site_code or airport["icao"].lower(),
        name=name or airport["name"],
        kind=Site.Kind.AIRFIELD,
        nation=nation,
        latitude=airport["lat"],
        longitude=airport["lon"],
        icao=airport["icao"],
        iata=airport.get("iata") or "",
    )
