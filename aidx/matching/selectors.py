"""Reads for the review of a match run. Runs are coordinators' work: the caller checks the role."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from aidx.assistance.models import Allocation, OfferLine, RequestLine
from aidx.matching import reasons
from aidx.matching.models import MatchRun, Proposal


def runs() -> QuerySet[MatchRun]:
    return MatchRun.objects.select_related("created_by").defer("problem", "result").order_by("-created_at", "-id")


def proposals(run: MatchRun) -> QuerySet[Proposal]:
    return run.proposals.select_related(
        "offer_line__offer__owner_nation",
        "offer_line__offer__owner_organisation",
        "offer_line__item",
        "request_line__request__owner_nation",
        "request_line__request__owner_organisation",
        "request_line__item",
    ).order_by("request_line__request__owner_nation_id", "request_line__request__priority", "id")


@dataclass(frozen=True)
class Review:
    by_nation: list[dict[str, Any]]
    unmet: list[dict[str, Any]]
    unused: list[dict[str, Any]]
    kept: int
    dropped: int
    ton_km: float
    already_live: int
    kg_by_priority: dict[int, Decimal]  # what the kept proposals carry, by the request's priority


def review(run: MatchRun) -> Review:
    """What each nation would get, what stays unmet, and how it compares with today's allocations."""
    rows = list(proposals(run))
    by_nation: dict[str, dict[str, Any]] = defaultdict(lambda: {"lines": [], "kg": Decimal(0), "ton_km": 0.0})
    by_priority: dict[int, Decimal] = {priority: Decimal(0) for priority in (1, 2, 3, 4)}
    for proposal in rows:
        request = proposal.request_line.request
        nation = request.owner_nation_id
        if not nation:
            assert request.owner_organisation is not None  # a request is owned by a nation or an organisation
            nation = request.owner_organisation.code
        entry = by_nation[nation]
        entry["nation"] = request.owner_nation or request.owner_organisation
        entry["lines"].append(proposal)
        if not proposal.dropped:
            item = proposal.offer_line.item  # a run proposes items only; weights, never units of unlike items
            kg = proposal.quantity * (item.unit_weight_kg if item is not None else Decimal(0))
            entry["kg"] += kg
            by_priority[request.priority] += kg
            entry["ton_km"] += proposal.ton_km
    unmet, unused = left_over(run, with_lines=True)
    line_ids = {p.request_line_id for p in rows}
    return Review(
        by_nation=sorted(by_nation.values(), key=lambda e: str(e["nation"])),
        unmet=unmet,
        unused=unused,
        kept=sum(1 for p in rows if not p.dropped),
        dropped=sum(1 for p in rows if p.dropped),
        ton_km=sum(p.ton_km for p in rows if not p.dropped),
        already_live=Allocation.objects.filter(request_line_id__in=line_ids, status__in=Allocation.LIVE).count(),
        kg_by_priority=by_priority,
    )


def left_over(run: MatchRun, *, with_lines: bool = False) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The request lines a run left unmet and the offer lines it left unused, each with its reason in words
    (`message`) and, `with_lines`, the line itself (`line`; one query per side)."""
    result = run.result or {}
    unmet = [{**row, "message": reasons.unmet_message(row.get("reason", ""))} for row in result.get("unmet", [])]
    unused = [{**row, "message": reasons.unused_message(row.get("reason", ""))} for row in result.get("unused", [])]
    if with_lines:
        requests = RequestLine.objects.select_related("request", "item").in_bulk([row["request"] for row in unmet])
        offers = OfferLine.objects.select_related("offer__owner_nation", "offer__owner_organisation", "item").in_bulk(
            [row["offer"] for row in unused]
        )
        unmet = [{**row, "line": requests[row["request"]]} for row in unmet if row["request"] in requests]
        unused = [{**row, "line": offers[row["offer"]]} for row in unused if row["offer"] in offers]
    return unmet, unused
