"""Reads of the registry. Reference data (nations, organisations, sites) is public to every signed-in user."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict

from django.db.models import OuterRef, Q, QuerySet, Subquery

from aidx.nations.models import Membership, Nation, Organisation, Site


class _Standing(TypedDict):
    standing: str | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    # A nation annotated with its membership kind on a day (None for none).
    NationWithStanding = WithAnnotations[Nation, _Standing]


def _memberships_on(on: dt.date) -> QuerySet[Membership]:
    return Membership.objects.filter(valid_from__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=on))


def nations_on(on: dt.date, *, kind: str | None = None) -> QuerySet[NationWithStanding]:
    """Nations that are members (allies or partners, or only `kind`) on `on`, each annotated with `standing`."""
    standing = _memberships_on(on).filter(nation=OuterRef("pk")).values("kind")[:1]
    nations = Nation.objects.annotate(standing=Subquery(standing)).filter(standing__isnull=False)
    if kind:
        nations = nations.filter(standing=kind)
    return nations.order_by("code")


def allies_on(on: dt.date) -> QuerySet[NationWithStanding]:
    return nations_on(on, kind=Membership.Kind.ALLY)


def nations_with_standing(on: dt.date) -> QuerySet[NationWithStanding]:
    """Every nation in the registry, annotated with its standing on `on` (None for none)."""
    standing = _memberships_on(on).filter(nation=OuterRef("pk")).values("kind")[:1]
    return Nation.objects.annotate(standing=Subquery(standing)).order_by("code")


def memberships_of(nation: Nation) -> QuerySet[Membership]:
    return nation.memberships.order_by("valid_from")


def organisations() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("nation").order_by("code")


def sites(*, kind: str | None = None, nation: str | None = None, search: str | None = None) -> QuerySet[Site]:
    result = Site.objects.select_related("nation", "organisation")
    if kind:
        result = result.filter(kind=kind)
    if nation:
        result = result.filter(nation_id=nation.upper())
    if search:
        result = result.filter(Q(name__icontains=search) | Q(icao__iexact=search) | Q(iata__iexact=search))
    return result.order_by("nation_id", "name")
