from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.accounts.models import Role
from aidx.audit.selectors import audit_entries
from aidx.core.paging import page_of, query_without_page


class _Filters(TypedDict):
    action: str | None
    target_type: str | None
    actor: str | None
    since: dt.date | None
    until: dt.date | None


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    filters: _Filters = {
        "action": request.GET.get("action", "").strip()[:60] or None,
        "target_type": request.GET.get("type", "").strip()[:60] or None,
        "actor": request.GET.get("actor", "").strip()[:150] or None,
        "since": _date(request.GET.get("since")),
        "until": _date(request.GET.get("until")),
    }
    page = page_of(request, audit_entries(**filters))
    return render(
        request, "audit/audit_list.html", {"page": page, "filters": filters, "query": query_without_page(request)}
    )
