"""The fleet: shared pools and their members' flight hours, and aircraft with their availability windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.catalogue.models import CapabilityType
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.logistics.models import Aircraft, Mission, Pool, PoolHours
from aidx.logistics.services.cargo import MEDEVAC
from aidx.logistics.services.missions import aware
from aidx.logistics.workflow import may_register, may_register_pool
from aidx.nations.models import Nation, Site


def book_pool_hours(mission: Mission) -> None:
    """A completed mission of a pool's aircraft uses the tasking nation's hours: booked by the system, as the
    landing's consequence."""
    aircraft = mission.aircraft
    if aircraft.pool_id is None or mission.tasked_by_id is None:
        return
    seconds = sum(
        ((leg.landed_at or leg.eta) - (leg.departed_at or leg.etd)).total_seconds() for leg in mission.legs.all()
    )
    entry = PoolHours.objects.create(
        pool_id=aircraft.pool_id,
        nation_id=mission.tasked_by_id,
        mission=mission,
        hours=Decimal(seconds / 3600).quantize(Decimal("0.01")),
    )
    record(actor=SYSTEM, action="pool.hours", target=entry, after=snapshot(entry))


@transaction.atomic
def pool_create(
    *, actor: Any, code: str, name: str, members: Iterable[str], kind: str = Pool.Kind.SHARED, source: str = ""
) -> Pool:
    if not may_register_pool(actor):
        raise PermissionDenied(_("Only a coordinator can register a pool."))
    if Pool.objects.filter(code=code).exists():
        raise BusinessError(_("The code %(code)s is taken.") % {"code": code}, field="code")
    codes = sorted({c.upper() for c in members})
    nations = list(Nation.objects.filter(code__in=codes))
    if len(nations) != len(codes):
        unknown = sorted(set(codes) - {n.code for n in nations})
        raise BusinessError(_("Unknown nation: %(codes)s.") % {"codes": ", ".join(unknown)}, field="members")
    pool = Pool.objects.create(code=code, name=name, kind=kind, source=source)
    pool.memberships.bulk_create([pool.memberships.model(pool=pool, nation=n) for n in nations])
    record(actor=actor, action="pool.create", target=pool, after={**snapshot(pool), "members": codes})
    return pool


@transaction.atomic
def aircraft_register(
    *,
    actor: Any,
    capability: str,
    tail: str,
    home: str,
    owner_nation: str | None = None,
    pool: str | None = None,
    owner_organisation: Any = None,
    windows: Iterable[tuple[dt.datetime, dt.datetime]] = (),
    scenario_key: str = "",
) -> Aircraft:
    kind = CapabilityType.objects.filter(code=capability).first()
    if kind is None or kind.kind not in (CapabilityType.Kind.AIRCRAFT, MEDEVAC):
        raise BusinessError(_("Unknown aircraft type %(code)s.") % {"code": capability}, field="capability")
    site = Site.objects.filter(code=home, kind=Site.Kind.AIRFIELD).first()
    if site is None:
        raise BusinessError(_("Unknown airfield %(code)s.") % {"code": home}, field="home")
    owners = {
        "owner_nation": Nation.objects.filter(code=(owner_nation or "").upper()).first() if owner_nation else None,
        "pool": Pool.objects.filter(code=pool).first() if pool else None,
        "owner_organisation": owner_organisation,
    }
    if sum(value is not None for value in owners.values()) != 1:
        raise BusinessError(_("Give exactly one owner: a nation, an organisation or a pool."), field="owner")
    if not may_register(actor, owners["owner_nation"].code if owners["owner_nation"] is not None else None):
        raise PermissionDenied(_("Only a coordinator or the owner's logistics officer can register aircraft."))
    tail = tail.strip()
    if not tail or len(tail) > 40:
        raise BusinessError(_("Give the tail number or call sign."), field="tail")
    if Aircraft.objects.filter(capability=kind, tail=tail).exists():
        raise BusinessError(_("This aircraft is already registered."), field="tail")
    windows = list(windows)
    for starts, ends in windows:
        if aware(ends, "windows") <= aware(starts, "windows"):
            raise BusinessError(_("An availability window ends before it starts."), field="windows")
    aircraft = Aircraft.objects.create(capability=kind, tail=tail, home=site, scenario_key=scenario_key, **owners)
    for starts, ends in windows:
        aircraft.windows.create(starts=starts, ends=ends)
    record(actor=actor, action="aircraft.register", target=aircraft, after=snapshot(aircraft))
    return aircraft
