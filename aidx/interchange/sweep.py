"""The interchange for the need-to-know sweep (aidx/core/sweep.py): received messages, the mapping queue,
subscriptions and their delivery logs, the EDXL downloads and the HXL exports.

A received message and a message waiting for mapping are seen by the nation (or organisation) that received it and
by the centre; a subscription and its delivery log by their owner and the centre. A record as EDXL-RM is seen exactly by
who may see the record (an allocation: its two parties and the centre); HXL exports list what their reader may see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aidx.core.sweep import Who, exempt, subject, surface
from aidx.interchange.models import Delivery, InboundMessage, PendingMessage, Subscription
from aidx.nations.policy import owned_by


def sees_received(who: Who, record: InboundMessage | PendingMessage) -> bool:
    return who.viewer.is_centre or owned_by(who.viewer, record)  # type: ignore[arg-type]


def sees_subscription(who: Who, subscription: Subscription) -> bool:
    """Its owner and the centre (which runs the node, and whose audit log shows every subscription)."""
    return who.viewer.is_centre or owned_by(who.viewer, subscription)  # type: ignore[arg-type]


def sees_delivery(who: Who, delivery: Delivery) -> bool:
    return sees_subscription(who, delivery.subscription)


subject("interchange.message", InboundMessage, sees_received)
subject("interchange.pending", PendingMessage, sees_received)
subject("interchange.subscription", Subscription, sees_subscription)
subject("interchange.delivery", Delivery, sees_delivery)


def _by_id(prefix: str, suffix: str = "") -> Callable[[Any], str]:
    return lambda record: f"{prefix}{record.pk}{suffix}"


# --- pages ---------------------------------------------------------------------------------------------------------

surface(
    "interchange.index", "page", ["interchange:index"], "/interchange/", lists={"interchange.message": None}
)  # the upload form and the messages received
surface("interchange.queue", "page", ["interchange:queue"], "/interchange/queue/", lists={"interchange.pending": None})
surface(
    "interchange.pending",
    "detail",
    ["interchange:pending"],
    _by_id("/interchange/queue/", "/"),
    per="interchange.pending",
)
surface(
    "interchange.subscriptions",
    "page",
    ["interchange:subscriptions"],
    "/interchange/subscriptions/",
    lists={"interchange.subscription": None},
)
surface(
    "interchange.subscription",
    "detail",
    ["interchange:subscription"],
    _by_id("/interchange/subscriptions/", "/"),
    per="interchange.subscription",
)  # with its delivery log

# --- EDXL downloads and HXL exports ----------------------------------------------------------------------------------

for _kind, _subject in (("request", "assistance.request"), ("offer", "assistance.offer")):
    surface(
        f"interchange.{_kind}_xml",
        "export",
        ["interchange:xml"],
        _by_id(f"/interchange/{_kind}/", ".xml"),
        per=_subject,
    )
surface(
    "interchange.allocation_xml",
    "export",
    ["interchange:xml"],
    _by_id("/interchange/allocation/", ".xml"),
    per="assistance.allocation",
)
HXL = {
    "requests": {"assistance.request": None},
    "offers": {"assistance.offer": None},
    "3w": {"assistance.allocation": lambda a: a.status in ("accepted", "shipped", "delivered")},
    "pledges": {},  # standby pledges: no subject of the sweep's world yet (the preparedness app declares none)
}
for _name, _lists in HXL.items():
    surface(f"interchange.hxl_{_name}", "export", ["interchange:hxl"], f"/interchange/hxl/{_name}.csv", lists=_lists)

# --- API -------------------------------------------------------------------------------------------------------------

surface(
    "interchange.api_messages",
    "api-list",
    ["api:messages"],
    "/api/v1/interchange/messages?page_size=100",
    api=True,
    counted=True,
    lists={"interchange.message": None},
)
surface(
    "interchange.api_queue",
    "api-list",
    ["api:queue"],
    "/api/v1/interchange/queue?page_size=100",
    api=True,
    counted=True,
    lists={"interchange.pending": None},
)
surface(
    "interchange.api_pending",
    "api-detail",
    ["api:pending_detail"],
    _by_id("/api/v1/interchange/queue/"),
    per="interchange.pending",
    api=True,
)
surface(
    "interchange.api_subscriptions",
    "api-list",
    ["api:subscriptions"],
    "/api/v1/interchange/subscriptions?page_size=100",
    api=True,
    counted=True,
    lists={"interchange.subscription": None},
)
surface(
    "interchange.api_subscription",
    "api-detail",
    ["api:subscription_detail"],
    _by_id("/api/v1/interchange/subscriptions/"),
    per="interchange.subscription",
    api=True,
)
surface(
    "interchange.api_deliveries",
    "api-list",
    ["api:deliveries"],
    _by_id("/api/v1/interchange/subscriptions/", "/deliveries?page_size=100"),
    per="interchange.subscription",
    api=True,
    marked=False,  # the log's deliveries, not the subscription: each must be the reader's own
)
for _kind, _subject in (("request", "assistance.request"), ("offer", "assistance.offer")):
    surface(
        f"interchange.api_{_kind}_xml",
        "api-detail",
        [f"api:{_kind}_xml"],
        _by_id(f"/api/v1/interchange/{_kind}s/", ".xml"),
        per=_subject,
        api=True,
    )
surface(
    "interchange.api_allocation_xml",
    "api-detail",
    ["api:allocation_xml"],
    _by_id("/api/v1/interchange/allocations/", ".xml"),
    per="assistance.allocation",
    api=True,
)
exempt(
    "a write: it answers only with what the caller's message made, or with the caller's own problems",
    "api:receive_message",
)
exempt(
    "a write on a record the actor may act on (its workflow is driven by tests/workflows.py); it answers with it",
    "interchange:pending_action",
    "interchange:subscription_action",
    "api:map_line",
    "api:pending_create",
    "api:pending_discard",
    "api:subscription_create",
    "api:subscription_pause",
    "api:subscription_resume",
    "api:link_create",
)
