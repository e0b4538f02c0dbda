"""Exchange part of a scenario: requests, offers and allocations, replayed through the services.

Historical records are created "as of" their dates (the services take `today`), then walked through
the workflow (submit, publish, propose, accept, ship, deliver) so that every figure is derived and audited
exactly as for live data, and then given the dates of their history (core.scenario.backdate): a request
submitted on 2020-03-20 shows that day, not the day the demo was loaded. An allocation's decision, shipment and
delivery take the dates its entry gives ("decided", "shipped", "delivered"); a step with no date of its own took
place on the day of the step before. Records whose author is absent (production: no demo accounts) are skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from aidx.accounts.models import User
from aidx.assistance import services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.assistance.services import LineInput
from aidx.core.scenario import backdate, on_day


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
    history: dict[int, list[dt.datetime]] = {}  # each new request's dates, first its submission
    offer_history: dict[int, list[dt.datetime]] = {}
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
        history[request.pk] = [on_day(as_of)]
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
        published = _date(entry, "published", "published_days_from_load") or available_from or timezone.localdate()
        offer_history[offer.pk] = [on_day(published)]
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
        proposed = _date(entry, "proposed", "proposed_days_from_load") or timezone.localdate()
        steps = _steps(entry, proposed)
        backdate(Allocation, allocation.pk, proposed_at=on_day(proposed), **steps)
        history[requested.pk].extend(steps.values())
        offer_history[offered.pk].extend(steps.values())
        changed += 1
    _backdate_records(AssistanceRequest, history, "submitted_at")
    _backdate_records(Offer, offer_history, "published_at")
    return changed


def _steps(entry: dict[str, Any], proposed: dt.date) -> dict[str, dt.datetime]:
    """The dates of the steps an allocation's status says it went through, each defaulting to the one before."""
    reached = {
        "proposed": [],
        "declined": ["decided"],
        "accepted": ["decided"],
        "shipped": ["decided", "shipped"],
        "delivered": ["decided", "shipped", "delivered"],
    }[entry["status"]]
    steps: dict[str, dt.datetime] = {}
    day = proposed
    for step in reached:
        day = _date(entry, step, f"{step}_days_from_load") or day
        steps[f"{step}_at"] = on_day(day)
    return steps


def _backdate_records(
    model: type[AssistanceRequest] | type[Offer], history: dict[int, list[dt.datetime]], first: str
) -> None:
    """Created and submitted (or published) on the record's first date, last changed on its latest; closed then too
    if the walk closed it."""
    closed = set(model.objects.filter(pk__in=list(history), closed_at__isnull=False).values_list("pk", flat=True))
    for pk, dates in history.items():
        start, end = dates[0], max(dates)
        backdate(model, pk, created_at=start, updated_at=end, closed_at=end if pk in closed else None, **{first: start})
