"""Writes of requests: create, submit, update, withdraw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import User
from aidx.assistance.models import Allocation, AssistanceRequest, RequestLine
from aidx.assistance.services.allocations import _cancel_unshipped
from aidx.assistance.services.common import (
    LineInput,
    _line_summaries,
    _owner_fields,
    _releasability,
    _require_owner,
    _resolve_lines,
    _text,
)
from aidx.assistance.workflow import REQUEST
from aidx.audit.services import record, snapshot
from aidx.core.errors import BusinessError, Problems
from aidx.nations.models import Site
from aidx.nations.policy import Releasability
from aidx.notifications import services as notifications


@transaction.atomic
def request_create(
    *,
    actor: User,
    title: str,
    needed_by: dt.date | None,
    delivery_site: Site | str,
    lines: Iterable[LineInput],
    description: str = "",
    incident: str = "",
    priority: int = 2,
    contact: str = "",
    releasability: str = Releasability.ALLIES_AND_PARTNERS,
    release_to: Iterable[str] | None = None,
    today: dt.date | None = None,
    scenario_key: str = "",
) -> AssistanceRequest:
    """A new request for assistance, in draft until submitted."""
    owner = _owner_fields(actor)
    today = today or timezone.localdate()
    problems = Problems()
    header = {
        "title": problems.collect(lambda: _text(title, "title", max_length=200, required=True), ""),
        "description": problems.collect(lambda: _text(description, "description", max_length=10000), ""),
        "incident": problems.collect(lambda: _text(incident, "incident", max_length=100), ""),
        "contact": problems.collect(lambda: _text(contact, "contact", max_length=200), ""),
    }
    if not isinstance(needed_by, dt.date):
        problems.add(_("Enter a valid date (YYYY-MM-DD)."), field="needed_by")
    elif needed_by < today:
        problems.add(_("The needed-by date is in the past."), field="needed_by")
    if priority not in (1, 2, 3, 4):
        problems.add(_("The priority must be 1 (critical) to 4 (routine)."), field="priority")
    site = delivery_site if isinstance(delivery_site, Site) else Site.objects.filter(code=delivery_site).first()
    if site is None:
        problems.add(_("Unknown site %(code)s.") % {"code": delivery_site}, field="delivery_site")
    nations = problems.collect(lambda: _releasability(releasability, release_to), [])
    resolved = _resolve_lines(lines, offer=False, problems=problems)
    problems.raise_any()
    assert isinstance(needed_by, dt.date) and site is not None  # else a problem was raised above
    request = AssistanceRequest.objects.create(
        **owner,
        **header,
        priority=priority,
        needed_by=needed_by,
        delivery_site=site,
        releasability=releasability,
        created_by=actor,
        scenario_key=scenario_key,
    )
    request.release_to.set(nations)
    RequestLine.objects.bulk_create([RequestLine(request=request, **values) for values in resolved])
    record(
        actor=actor,
        action="request.create",
        target=request,
        after={**snapshot(request), "lines": _line_summaries(resolved)},
    )
    return request


def _locked_request(request: AssistanceRequest) -> AssistanceRequest:
    return (
        AssistanceRequest.objects.select_for_update(of=("self",))
        .select_related("owner_nation", "owner_organisation")
        .get(pk=request.pk)
    )


@transaction.atomic
def request_submit(*, actor: User, request: AssistanceRequest, today: dt.date | None = None) -> AssistanceRequest:
    """Circulate a draft to every nation it is releasable to. (`today` lets a scenario replay history.)"""
    request = _locked_request(request)
    REQUEST.check(actor, request, "submit")
    if request.needed_by < (today or timezone.localdate()):
        raise BusinessError(_("The needed-by date is in the past."), field="needed_by")
    before = snapshot(request)
    REQUEST.advance(request, "submit")
    request.submitted_at = timezone.now()
    request.save(update_fields=["status", "submitted_at", "updated_at"])
    record(actor=actor, action="request.submit", target=request, before=before, after=snapshot(request))
    notifications.request_circulated(request)
    return request


@transaction.atomic
def request_update(*, actor: User, request: AssistanceRequest, **fields: Any) -> AssistanceRequest:
    """Change the header of a request that is not closed: title, description, priority, needed-by, contact."""
    request = _locked_request(request)
    _require_owner(actor, request)
    if request.status not in REQUEST["withdraw"].source:  # changed while it may still be withdrawn
        raise BusinessError(_("This request is closed and cannot change."), code="bad_state")
    before = snapshot(request)
    allowed = {"title": 200, "description": 10000, "incident": 100, "contact": 200}
    for name, value in fields.items():
        if name in allowed:
            setattr(request, name, _text(value, name, max_length=allowed[name], required=name == "title"))
        elif name == "priority":
            if value not in (1, 2, 3, 4):
                raise BusinessError(_("The priority must be 1 (critical) to 4 (routine)."), field="priority")
            request.priority = value
        elif name == "needed_by":
            if not isinstance(value, dt.date) or value < timezone.localdate():
                raise BusinessError(_("The needed-by date is in the past."), field="needed_by")
            request.needed_by = value
        else:
            raise BusinessError(_("%(field)s cannot be changed.") % {"field": name}, field=name)
    request.save()
    record(actor=actor, action="request.update", target=request, before=before, after=snapshot(request))
    return request


@transaction.atomic
def request_withdraw(*, actor: User, request: AssistanceRequest, reason: str = "") -> AssistanceRequest:
    """Withdraw a request: its allocations not yet shipped are cancelled."""
    request = _locked_request(request)
    REQUEST.check(actor, request, "withdraw")
    before = snapshot(request)
    _cancel_unshipped(Allocation.objects.filter(request_line__request=request), actor, reason or "request withdrawn")
    REQUEST.advance(request, "withdraw")
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    record(
        actor=actor,
        action="request.withdraw",
        target=request,
        before=before,
        after={**snapshot(request), "reason": reason},
    )
    return request
