"""Exchange part of a scenario: requests, offers and allocations, replayed through the services.

Historical records are created "as of" their dates (the services take `today`), then walked through
the workflow (submit, publish, propose, accept, ship, deliver) so that every figure is derived and audited
exactly as for live data. Records whose author is absent (production: no demo accounts) are skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from aidx.accounts.models import User
from aidx.assistance import services
from aidx.assistance.models import AssistanceRequest, Offer
from aidx.assistance.services import LineInput


def _date(entry: dict[str, Any], field: str, relative: str) -> dt.date | None:
    if entry.get(field):
        return dt.date.fromisoformat(entry[field])
    if relative in entry:
        return timezone.localdate() + dt.timedelta(days=entry[relative])
    return None


def load(data: dict[str, Any]) -> int:
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    coordinator = users.get("coordinator")
    changed = 0
    new_requests: dict[str, AssistanceRequest] = {}
    for entry in data.get("requests", []):
        key = f"covid-2020/{entry['key']}"
        author = users.get(entry["author"])
        if author is None or AssistanceRequest.objects.filter(scenario_key=key).exists():
            continue
        as_of = _date(entry, "submitted", "submitted_days_from_load") or timezone.localdate()
        request = services.request_create(
            actor=author,
            title=entry["title"],
            description=entry.get("description", ""),
            incident=entry.get("incident", ""),
            priority=entry["priority"],
            needed_by=_date(entry, "needed_by", "days_from_load"),
            delivery_site=entry["delivery_site"],
            releasability=entry["releasability"],
            release_to=entry.get("release_to"),
            today=as_of,
            lines=[
                LineInput(
                    item=line.get("item"),
                    capability=line.get("capability"),
                    quantity=line["quantity"],
                    notes=line.get("notes", ""),
                )
                for line in entry["lines"]
            ],
            scenario_key=key,
        )
        new_requests[entry["key"]] = services.request_submit(actor=author, request=request, today=as_of)
        changed += 1
    new_offers: dict[str, Offer] = {}
    for entry in data.get("offers", []):
        key = f"covid-2020/{entry['key']}"
        author = users.get(entry["author"])
        if author is None or Offer.objects.filter(scenario_key=key).exists():
            continue
        reply = entry.get("in_reply_to")
        available_from = _date(entry, "available_from", "days_from_load")
        available_until = _date(entry, "available_until", "until_days_from_load")
        offer = services.offer_create(
            actor=author,
            title=entry["title"],
            description=entry.get("description", ""),
            in_reply_to=AssistanceRequest.objects.get(scenario_key=f"covid-2020/{reply}") if reply else None,
            transport_included=entry.get("transport_included", False),
            releasability=entry["releasability"],
            lines=[
                LineInput(
                    item=line.get("item"),
                    capability=line.get("capability"),
                    quantity=line["quantity"],
                    available_from=available_from,
                    available_until=available_until,
                    origin_site=entry.get("origin_site"),
                )
                for line in entry["lines"]
            ],
            scenario_key=key,
        )
        new_offers[entry["key"]] = services.offer_publish(actor=author, offer=offer)
        changed += 1
    for entry in data.get("allocations", []):
        offered, requested = new_offers.get(entry["offer"]), new_requests.get(entry["request"])
        if offered is None or requested is None or coordinator is None:
            continue  # already loaded (with its allocations) or its authors are absent
        allocation = services.allocation_propose(
            actor=coordinator,
            offer_line=list(offered.lines.order_by("id"))[entry["line"]],
            request_line=list(requested.lines.order_by("id"))[entry["request_line"]],
            quantity=entry["quantity"],
            today=_date(entry, "proposed", "proposed_days_from_load"),
        )
        requester, offerer = requested.created_by, offered.created_by
        assert requester is not None and offerer is not None  # both were created above by their authors
        if entry["status"] in {"accepted", "shipped", "delivered"}:
            services.allocation_accept(actor=requester, allocation=allocation)
        if entry["status"] in {"shipped", "delivered"}:
            services.allocation_ship(actor=offerer, allocation=allocation)
        if entry["status"] == "delivered":
            services.allocation_deliver(actor=requester, allocation=allocation)
        changed += 1
    return changed
