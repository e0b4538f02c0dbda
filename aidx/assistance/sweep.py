"""The exchange's records and every surface that shows them, for the need-to-know sweep (aidx/core/sweep.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.core.sweep import Who, exempt, json_of, subject, surface, token, xlsx_text
from aidx.nations.policy import may_see, owned_by

OPEN_REQUEST = {AssistanceRequest.Status.SUBMITTED, AssistanceRequest.Status.PARTIALLY_MET}
OPEN_OFFER = {Offer.Status.OPEN, Offer.Status.PARTIALLY_ALLOCATED}


def _circulated(who: Who, record: AssistanceRequest | Offer) -> bool:
    """A draft has not been circulated: its owner and the centre see it, nobody else."""
    return record.status != "draft" or who.viewer.is_centre or owned_by(who.viewer, record)


def sees_request(who: Who, request: AssistanceRequest) -> bool:
    return may_see(who.viewer, request) and _circulated(who, request)


def sees_offer(who: Who, offer: Offer) -> bool:
    """An offer in reply reveals its request (its title, its id): it is never seen more widely (issue #11)."""
    if not (may_see(who.viewer, offer) and _circulated(who, offer)):
        return False
    if offer.in_reply_to is None or who.viewer.is_centre or owned_by(who.viewer, offer):
        return True
    return sees_request(who, offer.in_reply_to)


def sees_allocation(who: Who, allocation: Allocation) -> bool:
    """Allocations are seen by their two parties (the requesting and the offering nation) and the centre."""
    viewer = who.viewer
    return (
        viewer.is_centre
        or owned_by(viewer, allocation.request_line.request)
        or owned_by(viewer, allocation.offer_line.offer)
    )


subject("assistance.request", AssistanceRequest, sees_request)
subject("assistance.offer", Offer, sees_offer)
subject("assistance.allocation", Allocation, sees_allocation)


def _by_id(prefix: str, suffix: str = "") -> Callable[[Any], str]:
    return lambda record: f"{prefix}{record.pk}{suffix}"


def _search(prefix: str) -> Callable[[Any], str]:
    return lambda record: f"{prefix}{token(record.title)}"


# --- pages -----------------------------------------------------------------------------------------------------

surface("assistance.requests", "page", ["exchange:requests"], "/exchange/requests/", lists={"assistance.request": None})
surface("assistance.request_search", "search", [], _search("/exchange/requests/?q="), per="assistance.request")
surface(
    "assistance.request", "detail", ["exchange:request"], _by_id("/exchange/requests/", "/"), per="assistance.request"
)
surface("assistance.request_form", "form", ["exchange:request_create"], "/exchange/requests/new/")
surface("assistance.offers", "page", ["exchange:offers"], "/exchange/offers/", lists={"assistance.offer": None})
surface("assistance.offer_search", "search", [], _search("/exchange/offers/?q="), per="assistance.offer")
surface("assistance.offer", "detail", ["exchange:offer"], _by_id("/exchange/offers/", "/"), per="assistance.offer")
surface("assistance.offer_form", "form", ["exchange:offer_create"], "/exchange/offers/new/")
# The offer form in reply to a request, filled in from it: only for someone who may see the request.
surface("assistance.reply_form", "form", [], _by_id("/exchange/offers/new/?in_reply_to="), per="assistance.request")
surface(
    "assistance.allocations",
    "page",
    ["exchange:allocations"],
    "/exchange/allocations/",
    lists={"assistance.allocation": None},
)
surface(
    "assistance.allocation",
    "detail",
    ["exchange:allocation"],
    _by_id("/exchange/allocations/", "/"),
    per="assistance.allocation",
)
surface("assistance.inbox", "inbox", ["exchange:inbox"], "/exchange/inbox/")

# --- import and export -------------------------------------------------------------------------------------------

surface(
    "assistance.request_imported",
    "detail",
    ["transfer:import_done"],
    _by_id("/exchange/transfer/import/request/done/", "/"),
    per="assistance.request",
)
surface(
    "assistance.offer_imported",
    "detail",
    [],
    _by_id("/exchange/transfer/import/offer/done/", "/"),
    per="assistance.offer",
)
surface("assistance.import_form", "form", ["transfer:import"], "/exchange/transfer/import/request/")
surface(
    "assistance.import_template", "export", ["transfer:import_template"], "/exchange/transfer/import/offer/template.csv"
)
EXPORTS = {
    "requests": "assistance.request",
    "request-lines": "assistance.request",
    "offers": "assistance.offer",
    "offer-lines": "assistance.offer",
    "allocations": "assistance.allocation",
}
for _kind, _subject in EXPORTS.items():
    surface(
        f"assistance.export_{_kind}_csv",
        "export",
        ["transfer:export"],
        f"/exchange/transfer/export/{_kind}.csv?hxl=1",
        lists={_subject: None},
    )
    surface(
        f"assistance.export_{_kind}_xlsx",
        "export",
        ["transfer:export"],
        f"/exchange/transfer/export/{_kind}.xlsx",
        lists={_subject: None},
        read=xlsx_text,
    )

# The list pages as files (core.exports.for_list): the same rows as the transfer exports above.
for _path, _kind in (
    ("requests", "assistance.request"),
    ("offers", "assistance.offer"),
    ("allocations", "assistance.allocation"),
):
    surface(f"assistance.{_path}_hxl", "export", [], f"/exchange/{_path}/?format=hxl", lists={_kind: None})

# --- API ------------------------------------------------------------------------------------------------------

surface(
    "assistance.api_requests",
    "api-list",
    ["api:request_list"],
    "/api/v1/requests?page_size=100",
    api=True,
    counted=True,
    lists={"assistance.request": None},
)
surface(
    "assistance.api_request_search", "search", [], _search("/api/v1/requests?q="), per="assistance.request", api=True
)
surface(
    "assistance.api_request",
    "api-detail",
    ["api:request_detail"],
    _by_id("/api/v1/requests/"),
    per="assistance.request",
    api=True,
)
surface(
    "assistance.api_offers",
    "api-list",
    ["api:offer_list"],
    "/api/v1/offers?page_size=100",
    api=True,
    counted=True,
    lists={"assistance.offer": None},
)
surface("assistance.api_offer_search", "search", [], _search("/api/v1/offers?q="), per="assistance.offer", api=True)
surface(
    "assistance.api_offer",
    "api-detail",
    ["api:offer_detail"],
    _by_id("/api/v1/offers/"),
    per="assistance.offer",
    api=True,
)
# Replies to a request, by its id: the filter must not tell that a hidden request has replies.
surface(
    "assistance.api_replies",
    "search",
    [],
    _by_id("/api/v1/offers?in_reply_to="),
    per="assistance.request",
    api=True,
    marked=False,
)
surface(
    "assistance.api_allocations",
    "api-list",
    ["api:allocation_list"],
    "/api/v1/allocations?page_size=100",
    api=True,
    counted=True,
    lists={"assistance.allocation": None},
)
surface(
    "assistance.api_allocation",
    "api-detail",
    ["api:allocation_detail"],
    _by_id("/api/v1/allocations/"),
    per="assistance.allocation",
    api=True,
)


def _figures(body: bytes) -> dict[str, Any]:
    answer = json_of(body)
    figures = {key: answer[key] for key in ("open_requests", "open_offers", "delivered_allocations")}
    figures["by_item"] = sorted(
        (row["item"] or row["capability"], row["requested"], row["met"]) for row in answer["by_item"]
    )
    return figures


def figures_expected(visible: Callable[..., list[Any]], who: Who) -> dict[str, Any]:
    """The situational picture's figures, computed from the rule over the world's records: per item, what the
    requests the user may see ask for, and what is met of them as their lists show it (their committed
    allocations, whoever is party to them)."""
    live = {*OPEN_REQUEST, AssistanceRequest.Status.MET}
    requests = [r for r in visible("assistance.request") if r.status in live]
    lines = {line.pk: line for r in requests for line in r.lines.all()}
    allocations = visible("assistance.allocation")
    requested: Counter[str] = Counter()
    met: Counter[str] = Counter()
    for line in lines.values():
        requested[(line.item or line.capability).code] += line.quantity
    for allocation in Allocation.objects.filter(request_line_id__in=lines, status__in=Allocation.COMMITTED):
        line = lines[allocation.request_line_id]
        met[(line.item or line.capability).code] += allocation.quantity
    return {
        "open_requests": sum(r.status in OPEN_REQUEST for r in requests),
        "open_offers": sum(o.status in OPEN_OFFER for o in visible("assistance.offer")),
        "by_item": sorted((code, n, min(met[code], n)) for code, n in requested.items()),
        "delivered_allocations": sum(a.status == Allocation.Status.DELIVERED for a in allocations),
    }


surface(
    "assistance.api_figures",
    "figures",
    ["api:figures"],
    "/api/v1/figures",
    api=True,
    tally=_figures,
    expect=figures_expected,
)

WRITES = "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)"
exempt(
    WRITES,
    "exchange:request_action",
    "exchange:offer_action",
    "exchange:allocation_action",
    "transfer:import_apply",
    "api:request_create",
    "api:request_update",
    "api:request_submit",
    "api:request_withdraw",
    "api:offer_create",
    "api:offer_publish",
    "api:offer_withdraw",
    "api:allocation_propose",
    "api:allocation_accept",
    "api:allocation_decline",
    "api:allocation_cancel",
    "api:allocation_ship",
    "api:allocation_deliver",
)
