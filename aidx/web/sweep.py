"""The home page and the situational picture for the need-to-know sweep (aidx/core/sweep.py).

The picture's figures and map are counts: the sweep compares them with the same counts computed from the rules
over the world's records, so a count that includes a record the viewer may not see is found even though no mark of
that record is on the page.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from aidx.assistance.models import Allocation
from aidx.assistance.sweep import OPEN_OFFER, OPEN_REQUEST
from aidx.catalogue import units
from aidx.core.sweep import Who, exempt, surface
from aidx.logistics import maps
from aidx.logistics.models import Mission
from aidx.web.picture import MAIN_ITEMS

FIGURE = re.compile(r'data-testid="(open-requests|open-offers|missions)">([\d,]+)<')
SCRIPT = re.compile(r'<script id="(points|arcs)" type="application/json">(.*?)</script>', re.S)


def _picture(body: bytes) -> dict[str, Any]:
    page = body.decode()
    numbers: dict[str, Any] = {name: int(value.replace(",", "")) for name, value in FIGURE.findall(page)}
    data = {name: json.loads(value) for name, value in SCRIPT.findall(page)}
    numbers["points"] = sorted((p["kind"], p["site"], p["count"]) for p in data["points"])
    # what a site's tooltip names (its main items, with what is still needed or on offer) and what a route's says
    # it carries: read from the page, checked against the same figures computed from the rules
    numbers["items"] = sorted(
        (p["kind"], p["site"], item["code"], item["quantity"]) for p in data["points"] for item in p["items"]
    )
    numbers["arcs"] = len(data["arcs"])
    numbers["loads"] = sorted((a["mission"], a["leg"], a["load"]) for a in data["arcs"])
    return numbers


def _main_items(left: dict[tuple[str, str, Any], int]) -> list[tuple[str, str, str, str]]:
    """Per (kind, site): the MAIN_ITEMS largest by weight, then by quantity, then by name, as the tooltip names them."""
    per_point: dict[tuple[str, str], list[tuple[Any, int]]] = defaultdict(list)
    for (kind, site, what), n in left.items():
        if n > 0:
            per_point[(kind, site)].append((what, n))
    shown = []
    for (kind, site), lines in per_point.items():

        def order(line: tuple[Any, int]) -> tuple[Decimal, int, str]:
            what, n = line
            kg = n * what.unit_weight_kg if hasattr(what, "unit_weight_kg") else Decimal(0)
            return (-kg, -n, str(what))

        for what, n in sorted(lines, key=order)[:MAIN_ITEMS]:
            shown.append((kind, site, what.code, units.quantity(n, what if hasattr(what, "unit") else None)))
    return sorted(shown)


def picture_expected(visible: Any, who: Who) -> dict[str, Any]:
    requests = [r for r in visible("assistance.request") if r.status in OPEN_REQUEST]
    offers = [o for o in visible("assistance.offer") if o.status in OPEN_OFFER]
    at_site = Counter(r.delivery_site.name for r in requests)
    from_site = Counter(
        name for o in offers for name in {line.origin_site.name for line in o.lines.all() if line.origin_site_id}
    )
    missions = [m for m in visible("logistics.mission") if m.status != Mission.Status.CANCELLED]
    left: dict[tuple[str, str, Any], int] = defaultdict(int)
    for request in requests:
        for line in request.lines.all():
            committed = sum(a.quantity for a in line.allocations.all() if a.status in Allocation.COMMITTED)
            left[("request", request.delivery_site.name, line.item or line.capability)] += line.quantity - committed
    today = timezone.localdate()
    for offer in offers:
        for line in offer.lines.all():
            origin = line.origin  # the line's origin, else its nation's home airfield, as the map places it
            if origin is not None and (line.available_until is None or line.available_until >= today):
                live = sum(a.quantity for a in line.allocations.all() if a.status in Allocation.LIVE)
                left[("offer", origin.name, line.item or line.capability)] += line.quantity - live
    seen = {allocation.pk for allocation in visible("assistance.allocation")}
    loads = []
    with translation.override("en"):
        items = _main_items(left)
        for mission in missions:
            on_board = [load for load in mission.loads.all() if load.allocation_id in seen]
            for leg in mission.legs.all():
                carried = [ld for ld in on_board if ld.board_leg.sequence <= leg.sequence <= ld.unload_leg.sequence]
                words = maps.load_words(sum(ld.kg for ld in carried), sum(ld.patients for ld in carried))
                loads.append((mission.pk, leg.sequence, words))
    return {
        "open-requests": len(requests),
        "open-offers": len(offers),
        "missions": len(missions),
        "points": sorted(
            [("request", site, n) for site, n in at_site.items()]
            + [("offer", site, n) for site, n in from_site.items()]
        ),
        "items": items,
        "arcs": sum(m.legs.count() for m in missions),
        "loads": sorted(loads),
    }


surface("web.home", "page", ["home"], "/")
surface("web.now", "page", ["now"], "/now/")  # the home page's "what needs you now", polled
surface("web.unread", "page", ["unread"], "/live/unread/")  # the menu's unread count, polled
surface("web.picture", "map", ["picture"], "/picture/", tally=_picture, expect=picture_expected)
exempt("no record: a liveness probe", "healthz")
exempt("no record: a redirect to the static icon", "favicon")
exempt("no record: the sign-in form (redirects a signed-in user)", "login")
exempt("no record: signs out (POST)", "logout")
exempt("no record: sets the language (POST)", "set_language")
exempt("no record: the API's schema and its docs page", "api:openapi-json", "api:openapi-view", "api:api-root")
exempt("the admin: staff only, outside need-to-know by design (nations and users, no releasable record)", "admin:*")
