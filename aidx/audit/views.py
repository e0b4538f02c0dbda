from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypedDict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.accounts.models import Role
from aidx.audit import describe
from aidx.audit.models import AuditEntry
from aidx.audit.selectors import audit_entries
from aidx.core import exports
from aidx.core.paging import page_of, query_without_page


class _Filters(TypedDict):
    action: str | None
    target_type: str | None
    target_id: str | None
    actor: str | None
    since: dt.date | None
    until: dt.date | None


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _with_people(entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """Whom each actor speaks for, loaded with the page (describe.actor_name)."""
    return entries.select_related("actor__nation", "actor__organisation").prefetch_related("actor__role_grants")


def _export(
    request: AuthenticatedHttpRequest, entries: QuerySet[AuditEntry]
) -> StreamingHttpResponse | FileResponse | None:
    # The codes for machines and the sentence for people, side by side.
    actors: dict[Any, str] = {}

    def actor_text(entry: AuditEntry) -> str:
        key = (entry.actor_id, entry.actor_name)
        if key not in actors:
            actors[key] = describe.actor_name(entry)
        return actors[key]

    columns = [
        exports.Column("at", "at", "#date +occurred"),
        exports.Column("account", "actor_name"),
        exports.Column("who", actor_text),
        exports.Column("what", lambda e: describe.sentence(e, actor_text(e))),
        exports.Column("action", "action"),
        exports.Column("record_type", "target_type"),
        exports.Column("record_id", "target_id"),
        exports.Column("record", "target_repr"),
        exports.Column("changes", lambda e: json.dumps(e.changes, ensure_ascii=False, sort_keys=True)),
    ]
    return exports.for_list(request, columns, _with_people(entries), stem="audit-log")


@login_required
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse | FileResponse:
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied
    filters: _Filters = {
        "action": request.GET.get("action", "").strip()[:60] or None,
        "target_type": request.GET.get("type", "").strip()[:60] or None,
        "target_id": request.GET.get("id", "").strip()[:64] or None,
        "actor": request.GET.get("actor", "").strip()[:150] or None,
        "since": _date(request.GET.get("since")),
        "until": _date(request.GET.get("until")),
    }
    entries = audit_entries(**filters)
    if file := _export(request, entries):
        return file
    page = page_of(request, _with_people(entries))
    page.object_list = describe.with_sentences(page.object_list)
    kind, number = filters["target_type"], filters["target_id"]
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query_without_page(request),
            "types": describe.record_types(),
            "record": describe.record_name(kind, number) if kind and number else None,
        },
    )
