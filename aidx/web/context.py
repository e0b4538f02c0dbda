from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import Role
from aidx.notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu for the signed-in user's roles."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    unread = unread_count(user)
    # The count refreshes itself (htmx polls web.views.unread), so a new proposal shows without a reload.
    inbox = format_html(
        '{} <span class="live" hx-get="{}" hx-trigger="every 30s" data-testid="unread-live">{}</span>',
        _("Inbox"),
        reverse("unread"),
        render_to_string("web/_unread.html", {"unread": unread}),
    )
    entries = [
        ("home", _("Home")),
        ("exchange:requests", _("Requests")),
        ("exchange:offers", _("Offers")),
        ("exchange:inbox", inbox),
        *([("import", _("Import"))] if user.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR) else []),
        ("picture", _("Picture")),
        ("logistics:missions", _("Airlift")),
        ("logistics:deployments", _("Deployments")),
        ("documents:list", _("Documents")),
        ("nations:list", _("Nations")),
        ("nations:sites", _("Sites")),
        ("catalogue:items", _("Catalogue")),
        ("interchange:index", _("Interchange")),
    ]
    if user.is_centre or user.has_role(Role.STOCKPILE):
        entries.append(("stockpile:overview", _("Stockpile")))
    entries.append(("fund:overview", _("Trust fund")))
    entries.append(("preparedness:plans", _("Preparedness")))
    entries.append(("resilience:overview", _("Resilience")))
    if user.has_role(Role.COORDINATOR):
        entries.append(("matching:list", _("Matching")))
        entries.append(("audit:list", _("Audit log")))
    entries.append(("accounts:tokens", _("API tokens")))
    path = request.path
    nav = []
    for name, label in entries:
        if name == "import":  # the import page of requests, and offers from there: both are this entry
            url, prefix = reverse("transfer:import", kwargs={"kind": "request"}), "/exchange/transfer/import/"
        else:
            url = prefix = reverse(name)
        active = path == url if url == "/" else path.startswith(prefix)
        nav.append({"url": url, "label": label, "active": active})
    return {"nav": nav}
