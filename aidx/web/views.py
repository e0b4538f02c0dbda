from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.accounts.models import Role
from aidx.audit.selectors import audit_entries
from aidx.documents.selectors import documents_visible_to
from aidx.nations import selectors as registry
from aidx.nations.models import Membership
from aidx.nations.policy import viewer_for
from aidx.notifications.selectors import unread_count
from aidx.web import now


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One page per role: what this person needs first."""
    user = request.user
    viewer = viewer_for(user)
    today = timezone.localdate()
    members = registry.nations_on(today)
    documents = documents_visible_to(viewer)
    context = {
        "viewer": viewer,
        "allies_today": members.filter(standing=Membership.Kind.ALLY).count(),
        "partners_today": members.filter(standing=Membership.Kind.PARTNER).count(),
        "documents_count": documents.count(),
        "recent_documents": documents[:5],
        "is_coordinator": user.has_role(Role.COORDINATOR),
        "is_poc": user.has_role(Role.POINT_OF_CONTACT),
        "is_logistics": user.has_role(Role.LOGISTICS),
        "is_stockpile": user.has_role(Role.STOCKPILE),
        "airfields_count": registry.sites(kind="airfield").count(),
        "warehouses_count": registry.sites(kind="warehouse").count(),
    }
    if context["is_coordinator"]:
        context["recent_audit"] = audit_entries()[:8]
    context["groups"] = now.now(user)
    return render(request, "web/home.html", context)


@login_required
def now_panel(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The home page's "what needs you now" panel alone, polled by htmx (a read: GET writes nothing)."""
    return render(request, "web/_now.html", {"groups": now.now(request.user)})


@login_required
def unread(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The inbox's unread count in the menu, polled by htmx."""
    return render(request, "web/_unread.html", {"unread": unread_count(request.user)})


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to the static icon (cached from there)."""
    return redirect(static("web/favicon.ico"), permanent=True)
