"""The situational picture: headline figures and a map of open requests and offers, both need-to-know."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from aidx.assistance import selectors
from aidx.catalogue import units
from aidx.core import formatting
from aidx.fund import selectors as fund_selectors
from aidx.logistics import maps
from aidx.logistics.selectors import logistics_figures, mission_arcs
from aidx.nations.models import country_name
from aidx.nations.policy import viewer_for
from aidx.stockpile import selectors as stock_selectors

MAIN_ITEMS = 3  # a site's tooltip names this many items, the largest by weight (then by quantity), and counts the rest


def map_point(point: dict[str, Any]) -> dict[str, Any]:
    """A point of the map as the page embeds it: the selector's figures, every text written for the reader here
    (numbers in its locale, names in its language) so that the script only places them."""
    request = point["kind"] == "request"
    lines: list[selectors.PointLine] = point["lines"]
    weighed = [line.kg for line in lines if line.kg is not None]
    more = len(lines) - MAIN_ITEMS
    return {
        "kind": point["kind"],
        "code": point["code"],
        "site": point["site"],
        "nation": country_name(point["nation"]) if point["nation"] else "",
        "count": point["count"],
        "lat": point["lat"],
        "lon": point["lon"],
        "figure": (_("Open requests: %(n)s") if request else _("Open offers: %(n)s"))
        % {"n": formatting.number(point["count"])},
        "caption": _("Still needed:") if request else _("Still on offer:"),
        "items": [
            {
                "code": line.code,
                "name": line.name,
                "quantity": units.quantity(line.quantity, line.item),
                "weight": formatting.weight(line.kg),
            }
            for line in lines[:MAIN_ITEMS]
        ],
        "more": _("%(n)s more") % {"n": formatting.number(more)} if more > 0 else "",
        "weight": _("Weight where known: %(weight)s") % {"weight": formatting.weight(sum(weighed, Decimal(0)))}
        if weighed
        else "",
    }


def map_arc(arc: dict[str, Any]) -> dict[str, Any]:
    """A mission's leg as the page embeds it, with its texts written for the reader."""
    return {
        "mission": arc["mission"],
        "leg": arc["leg"],
        "aircraft": arc["aircraft"],
        "from": {**arc["from"], "nation": country_name(arc["from"]["nation"])},
        "to": {**arc["to"], "nation": country_name(arc["to"]["nation"])},
        "route": f"{arc['from']['name']} → {arc['to']['name']}",
        "status": arc["status"],
        "status_words": maps.status_words(arc["status"]),
        "load": maps.load_words(arc["kg"], arc["patients"]),
    }


@login_required
def picture(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    figures = selectors.figures(viewer)
    points = selectors.map_points(viewer)
    return render(
        request,
        "web/picture.html",
        {
            "logistics": logistics_figures(viewer),
            "arcs": [map_arc(arc) for arc in mission_arcs(viewer)],
            "figures": figures,
            "share_met_percent": round(figures.share_met * 100),
            "points": [map_point(point) for point in points],
            # a cluster's words, with its count of sites written in by the script
            "map_words": {"sites": _("Sites here: %(n)s"), "more": _("%(n)s more")},
            "request_points": [p for p in points if p["kind"] == "request"],
            "offer_points": [p for p in points if p["kind"] == "offer"],
            # stock figures for the centre and stockpile managers, fund totals for allies, partners and
            # managers; nothing at all for anyone else (each app's selector decides)
            "panel": {"stock": stock_selectors.panel(request.user), **fund_selectors.panel(request.user)},
        },
    )
