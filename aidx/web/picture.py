"""The situational picture: headline figures and a map of open requests and offers, both need-to-know."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aidx.assistance import selectors
from aidx.fund import selectors as fund_selectors
from aidx.logistics.selectors import logistics_figures, mission_arcs
from aidx.nations.policy import viewer_for
from aidx.stockpile import selectors as stock_selectors


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
            "arcs": mission_arcs(viewer),
            "figures": figures,
            "share_met_percent": round(figures.share_met * 100),
            "points": points,
            "request_points": [p for p in points if p["kind"] == "request"],
            "offer_points": [p for p in points if p["kind"] == "offer"],
            # stock figures for the centre and stockpile managers, fund totals for allies, partners and
            # managers; nothing at all for anyone else (each app's selector decides)
            "panel": {"stock": stock_selectors.panel(request.user), **fund_selectors.panel(request.user)},
        },
    )
