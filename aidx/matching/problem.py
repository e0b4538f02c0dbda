"""The engine's input for a match run, read from the exchange as of the run's day (docs/allocation-format.md).

What each party may see is decided here for whole sets at once, by the same rule as `nations.policy`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from aidx.assistance.models import Allocation, AssistanceRequest, OfferLine, RequestLine
from aidx.catalogue.models import Substitution
from aidx.matching.models import MatchRun
from aidx.nations.models import Membership
from aidx.nations.policy import Releasability


def _party(record: Any) -> str:
    """The engine's name for a record's owner: a nation code, or org:<code> for an organisation."""
    return record.owner_nation_id or f"org:{record.owner_organisation.code}"


def _standings(on: dt.date) -> dict[str, str]:
    live = Membership.objects.filter(valid_from__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=on))
    result = {m.nation_id: m.kind for m in live.filter(nation__isnull=False) if m.nation_id is not None}
    result.update(
        {
            f"org:{m.organisation.code}": m.kind
            for m in live.filter(organisation__isnull=False).select_related("organisation")
            if m.organisation is not None
        }
    )
    return result


def _readers(record: Any, standings: dict[str, str]) -> set[str]:
    """Parties that may see `record` on the run's day (the same rule as nations.policy, for whole sets)."""
    if record.releasability == Releasability.NAMED:
        readers = {n.code for n in record.release_to.all()}
    elif record.releasability == Releasability.ALLIES:
        readers = {p for p, kind in standings.items() if kind == Membership.Kind.ALLY}
    else:
        readers = set(standings)
    return readers | {_party(record)}


def remaining(lines: Any) -> Any:
    """Request or offer lines with `live`: what their live allocations take."""
    live = Coalesce(Sum("allocations__quantity", filter=Q(allocations__status__in=Allocation.LIVE)), 0)
    return lines.annotate(live=live)


def offer_lines_in_scope(run: MatchRun) -> Any:
    """Open offer lines of an item still available on the run's day (every run takes every offer)."""
    today = run.as_of
    return OfferLine.objects.filter(offer__status__in=("open", "partially_allocated"), item__isnull=False).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=today)
    )


# A line leaves from its origin, else from its nation's home airfield (OfferLine.origin); with neither, transport
# cannot be planned from it: reasons.complete reports it as unused, "no_origin".
HAS_ORIGIN = Q(origin_site__isnull=False) | Q(offer__owner_nation__home_site__isnull=False)
NO_ORIGIN = Q(origin_site__isnull=True) & (
    Q(offer__owner_nation__isnull=True) | Q(offer__owner_nation__home_site__isnull=True)
)


def build_problem(run: MatchRun) -> dict[str, Any]:
    """The engine's input for the run's scope, as of its day: what is still needed and still offered (a line
    without an origin from its nation's home airfield)."""
    scope, today = run.scope or {}, run.as_of
    standings = _standings(today)
    requests = AssistanceRequest.objects.filter(status__in=("submitted", "partially_met"), needed_by__gte=today)
    if scope.get("incident"):
        requests = requests.filter(incident=scope["incident"])
    if scope.get("nations"):
        requests = requests.filter(owner_nation_id__in=scope["nations"])
    request_lines = remaining(
        RequestLine.objects.filter(request__in=requests, item__isnull=False).select_related(
            "request__owner_organisation", "request__delivery_site", "item"
        )
    )
    if scope.get("items"):
        request_lines = request_lines.filter(item__code__in=scope["items"])
    offer_lines = remaining(
        offer_lines_in_scope(run)
        .filter(HAS_ORIGIN)
        .select_related("offer__owner_organisation", "offer__owner_nation__home_site", "origin_site", "item")
    )
    sites: dict[str, dict[str, Any]] = {}
    items: dict[str, dict[str, Any]] = {}

    def site(s: Any) -> str:
        sites.setdefault(s.code, {"id": s.code, "lat": float(s.latitude), "lon": float(s.longitude)})
        return s.code

    def item(i: Any) -> str:
        items.setdefault(i.code, {"id": i.code, "unit_weight_kg": float(i.unit_weight_kg)})
        return i.code

    request_rows, strict, restricted = [], [], []
    request_cache: dict[int, Any] = {}
    for line in request_lines:
        left = line.quantity - line.live
        if left <= 0:
            continue
        request = line.request
        request_rows.append(
            {
                "id": line.pk,
                "nation": _party(request),
                "item": item(line.item),
                "quantity": left,
                "priority": request.priority,
                "needed_by": request.needed_by.isoformat(),
                "site": site(request.delivery_site),
            }
        )
        if not line.substitutes_ok:
            strict.append(line)
        if request.releasability != Releasability.ALLIES_AND_PARTNERS:
            if request.pk not in request_cache:
                request_cache[request.pk] = _readers(request, standings)
            restricted.append((line, request_cache[request.pk]))
    offer_rows, offer_party, offer_item = [], {}, {}
    offer_cache: dict[int, list[str]] = {}
    for line in offer_lines:
        left = line.quantity - line.live
        if left <= 0:
            continue
        offer = line.offer
        if offer.pk not in offer_cache:
            offer_cache[offer.pk] = sorted(_readers(offer, standings))
        offer_rows.append(
            {
                "id": line.pk,
                "nation": _party(offer),
                "item": item(line.item),
                "quantity": left,
                "available_from": max(line.available_from, today).isoformat(),
                "available_until": (line.available_until or today + dt.timedelta(days=3650)).isoformat(),
                "site": site(line.origin),
                "releasable_to": offer_cache[offer.pk],
            }
        )
        offer_party[line.pk], offer_item[line.pk] = _party(offer), line.item.code
    substitutions: list[dict[str, Any]] = [
        {"offered": s.substitute.code, "requested": s.item.code, "penalty": s.penalty}
        for s in Substitution.objects.select_related("item", "substitute")
        if s.item.code in items or s.substitute.code in items
    ]
    for entry in substitutions:
        items.setdefault(entry["offered"], {"id": entry["offered"], "unit_weight_kg": 1.0})
        items.setdefault(entry["requested"], {"id": entry["requested"], "unit_weight_kg": 1.0})
    by_item: dict[str, list[int]] = defaultdict(list)
    for pk, code in offer_item.items():
        by_item[code].append(pk)
    serves: dict[str, set[str]] = defaultdict(set)
    for entry in substitutions:
        serves[entry["requested"]].add(entry["offered"])
    # Pairs the engine cannot see as infeasible, with the cause (the engine's explain.py names it): a request line
    # that takes no substitutes, and a request not releasable to the offering party (the engine only knows an
    # offer's releasability). The first cause found stands.
    excluded: dict[tuple[int, int], str] = {}
    for line in strict:
        for code in serves[line.item.code]:
            for offer_pk in by_item[code]:
                excluded.setdefault((offer_pk, line.pk), "substitutes_refused")
    for line, readers in restricted:
        for code in {line.item.code, *serves[line.item.code]}:
            for pk in by_item[code]:
                if offer_party[pk] not in readers:
                    excluded.setdefault((pk, line.pk), "not_releasable")
    # Pairs declined before are not proposed again.
    for pair in Allocation.objects.filter(
        status=Allocation.Status.DECLINED,
        request_line_id__in=[r["id"] for r in request_rows],
        offer_line_id__in=list(offer_party),
    ).values_list("offer_line_id", "request_line_id"):
        excluded.setdefault(pair, "declined")
    return {
        "params": {"base_days": 1, "km_per_day": 2000, "today": today.isoformat()},
        "sites": list(sites.values()),
        "items": list(items.values()),
        "substitutions": substitutions,
        "requests": request_rows,
        "offers": offer_rows,
        "excluded": [{"offer": o, "request": r, "why": why} for (o, r), why in sorted(excluded.items())],
    }
