"""Interchange for the need-to-know sweep (aidx/core/sweep.py): EDXL-RM messages of requests, offers and
allocations (found exactly for who may see the record), HXL lists, the inbound queue and subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aidx.assistance.sweep import OPEN_OFFER, OPEN_REQUEST
from aidx.core.sweep import exempt, surface


def _xml(prefix: str) -> Callable[[Any], str]:
    return lambda record: f"{prefix}{record.pk}.xml"


for _kind, _subject, _api in (
    ("request", "assistance.request", "requests"),
    ("offer", "assistance.offer", "offers"),
    ("allocation", "assistance.allocation", "allocations"),
):
    surface(
        f"interchange.{_kind}_xml",
        "export",
        ["interchange:xml"],
        _xml(f"/interchange/{_kind}/"),
        per=_subject,
    )
    surface(
        f"interchange.api_{_kind}_xml",
        "export",
        [f"api:{_kind}_xml"],
        _xml(f"/api/v1/interchange/{_api}/"),
        per=_subject,
        api=True,
    )
surface(
    "interchange.hxl_requests",
    "export",
    ["interchange:hxl"],
    "/interchange/hxl/requests.csv",
    lists={"assistance.request": lambda r: r.status in OPEN_REQUEST},
)
surface(
    "interchange.hxl_offers",
    "export",
    [],
    "/interchange/hxl/offers.csv",
    lists={"assistance.offer": lambda o: o.status in OPEN_OFFER},
)
surface("interchange.hxl_3w", "export", [], "/interchange/hxl/3w.csv")
surface("interchange.index", "page", ["interchange:index"], "/interchange/")
surface("interchange.queue", "page", ["interchange:queue"], "/interchange/queue/")
surface("interchange.subscriptions", "page", ["interchange:subscriptions"], "/interchange/subscriptions/")
surface("interchange.api_messages", "api-list", ["api:messages"], "/api/v1/interchange/messages", api=True)
surface("interchange.api_queue", "api-list", ["api:queue"], "/api/v1/interchange/queue", api=True)
surface(
    "interchange.api_subscriptions", "api-list", ["api:subscriptions"], "/api/v1/interchange/subscriptions", api=True
)
exempt(
    "no inbound message or subscription in the sweep's world yet: its page is checked by interchange's own tests",
    "interchange:pending",
    "interchange:subscription",
    "api:pending_detail",
    "api:subscription_detail",
    "api:deliveries",
)
exempt(
    "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)",
    "interchange:pending_action",
    "interchange:subscription_action",
    "api:receive_message",
    "api:map_line",
    "api:pending_create",
    "api:pending_discard",
    "api:subscription_create",
    "api:subscription_pause",
    "api:subscription_resume",
)
