"""What a load is: where it is picked up and unloaded, what it weighs, how much of an allocation is on board."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation
from aidx.catalogue.models import CapabilityType
from aidx.core.errors import BusinessError
from aidx.logistics.models import Load
from aidx.logistics.workflow import LIVE
from aidx.nations.models import Site
from aidx.optimize.geo import haversine_km

MEDEVAC = CapabilityType.Kind.MEDEVAC


def distance_km(a: Site, b: Site) -> float:
    return haversine_km(float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude))


def airfield_of(site: Site | None, airfields: Sequence[Site] | None = None) -> Site | None:
    """The site itself if it is an airfield, else the nearest registered airfield."""
    if site is None:
        return None
    if site.kind == Site.Kind.AIRFIELD:
        return site
    candidates = airfields if airfields is not None else list(Site.objects.filter(kind=Site.Kind.AIRFIELD))
    return min(candidates, key=lambda field: distance_km(site, field), default=None)


def is_medevac(allocation: Allocation) -> bool:
    capability = allocation.offer_line.capability
    return capability is not None and capability.kind == MEDEVAC


def route_of(allocation: Allocation, airfields: Sequence[Site] | None = None) -> tuple[Site | None, Site | None]:
    """(pickup airfield, delivery airfield) of an allocation: from the offer line's origin (or the offering nation's
    home airfield) to the request's delivery site. Patients travel from the requester to the offerer."""
    origin = airfield_of(allocation.offer_line.origin, airfields)
    destination = airfield_of(allocation.request_line.request.delivery_site, airfields)
    return (destination, origin) if is_medevac(allocation) else (origin, destination)


def measure(allocation: Allocation, quantity: int) -> tuple[int, Decimal, int]:
    """(kg, m³, patients) of `quantity` units of an allocation."""
    if is_medevac(allocation):
        return 0, Decimal(0), quantity
    item = allocation.offer_line.item
    if item is None:
        raise BusinessError(
            _("%(what)s is not cargo: deploy it instead of loading it.") % {"what": allocation.offer_line.what},
            code="not_cargo",
        )
    kg = int((item.unit_weight_kg * quantity).to_integral_value(rounding=ROUND_CEILING))
    return kg, (item.unit_volume_m3 * quantity).quantize(Decimal("0.001"), rounding=ROUND_CEILING), 0


def loaded_quantity(allocation: Allocation, *, exclude_mission: int | None = None) -> int:
    loads = Load.objects.filter(allocation=allocation, mission__status__in=LIVE)
    if exclude_mission is not None:
        loads = loads.exclude(mission_id=exclude_mission)
    return loads.aggregate(n=Sum("quantity"))["n"] or 0
