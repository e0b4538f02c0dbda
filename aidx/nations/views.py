from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

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


@login_required
def nation_list(request: HttpRequest) -> HttpResponse:
    on, date_error = _date_param(request)
    standing = request.GET.get("standing") if request.GET.get("standing") in Membership.Kind.values else None
    nations = selectors.nations_on(on, kind=standing)
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
def site_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") if request.GET.get("kind") in Site.Kind.values else None
    search = request.GET.get("q", "").strip()[:100] or None
    nation = request.GET.get("nation", "").strip()[:3] or None
    page = page_of(request, selectors.sites(kind=kind, nation=nation, search=search))
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
def organisation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "nations/organisation_list.html", {"organisations": selectors.organisations()})
