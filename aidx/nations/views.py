from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.core import exports
from aidx.core.exports import Column
from aidx.core.paging import page_of, query_without_page
from aidx.nations import selectors
from aidx.nations.models import Membership, Site


def _date_param(request: HttpRequest) -> tuple[dt.date, str | None]:
    raw = request.GET.get("on", "").strip()
    if not raw:
        return timezone.localdate(), None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return timezone.localdate(), _("Enter a valid date (YYYY-MM-DD).")


NATION_COLUMNS = [
    Column("code", "code", "#country +code"),
    Column("name", lambda nation: nation.name, "#country +name"),
    Column("standing", lambda nation: nation.standing or "", "#status +standing"),
]
SITE_COLUMNS = [
    Column("code", "code", "#loc +code"),
    Column("name", "name", "#loc +name"),
    Column("kind", "kind", "#loc +type"),
    Column("nation", "nation_id", "#country +code"),
    Column("latitude", "latitude", "#geo +lat"),
    Column("longitude", "longitude", "#geo +lon"),
]
ORGANISATION_COLUMNS = [
    Column("code", "code", "#org +code"),
    Column("name", lambda organisation: str(organisation.name), "#org +name"),
    Column("kind", "kind", "#org +type"),
    Column("nation", "nation_id", "#country +code"),
]


@login_required
def nation_list(request: HttpRequest) -> HttpResponseBase:
    on, date_error = _date_param(request)
    standing = request.GET.get("standing") if request.GET.get("standing") in Membership.Kind.values else None
    nations = selectors.nations_on(on, kind=standing)
    if file := exports.for_list(request, NATION_COLUMNS, nations, stem="nations"):
        return file
    return render(
        request,
        "nations/nation_list.html",
        {
            "on": on,
            "date_error": date_error,
            "standing": standing,
            "nations": nations,
            "allies": nations.filter(standing=Membership.Kind.ALLY).count() if not standing else None,
            "kinds": Membership.Kind.choices,
        },
    )


@login_required
def nation_detail(request: HttpRequest, code: str) -> HttpResponse:
    nation = get_object_or_404(selectors.nations_with_standing(timezone.localdate()), code=code.upper())
    return render(
        request,
        "nations/nation_detail.html",
        {
            "nation": nation,
            "memberships": selectors.memberships_of(nation),
            "sites": selectors.sites(nation=nation.code),
            "organisations": selectors.organisations().filter(nation=nation),
        },
    )


@login_required
def site_list(request: HttpRequest) -> HttpResponseBase:
    kind = request.GET.get("kind") if request.GET.get("kind") in Site.Kind.values else None
    search = request.GET.get("q", "").strip()[:100] or None
    nation = request.GET.get("nation", "").strip()[:3] or None
    sites = selectors.sites(kind=kind, nation=nation, search=search)
    if file := exports.for_list(request, SITE_COLUMNS, sites, stem="sites"):
        return file
    page = page_of(request, sites)
    return render(
        request,
        "nations/site_list.html",
        {
            "page": page,
            "kind": kind,
            "q": search or "",
            "nation": nation or "",
            "kinds": Site.Kind.choices,
            "query": query_without_page(request),
        },
    )


@login_required
def organisation_list(request: HttpRequest) -> HttpResponseBase:
    if file := exports.for_list(request, ORGANISATION_COLUMNS, selectors.organisations(), stem="organisations"):
        return file
    return render(request, "nations/organisation_list.html", {"organisations": selectors.organisations()})
