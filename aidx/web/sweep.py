"""The home page and the situational picture for the need-to-know sweep (aidx/core/sweep.py).

The picture's figures and map are counts: the sweep compares them with the same counts computed from the rules
over the world's records, so a count that includes a record the viewer may not see is found even though no mark of
that record is on the page.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from aidx.assistance.sweep import OPEN_OFFER, OPEN_REQUEST
from aidx.core.sweep import Who, exempt, surface
from aidx.logistics.models import Mission

FIGURE = re.compile(r'data-testid="(open-requests|open-offers|missions)">([\d,]+)<')
SCRIPT = re.compile(r'<script id="(points|arcs)" type="application/json">(.*?)</script>', re.S)


def _picture(body: bytes) -> dict[str, Any]:
    page = body.decode()
    numbers: dict[str, Any] = {name: int(value.replace(",", "")) for name, value in FIGURE.findall(page)}
    data = {name: json.loads(value) for name, value in SCRIPT.findall(page)}
    numbers["points"] = sorted((p["kind"], p["site"], p["count"]) for p in data["points"])
    numbers["arcs"] = len(data["arcs"])
    return numbers


def picture_expected(visible: Any, who: Who) -> dict[str, Any]:
    requests = [r for r in visible("assistance.request") if r.status in OPEN_REQUEST]
    offers = [o for o in visible("assistance.offer") if o.status in OPEN_OFFER]
    at_site = Counter(r.delivery_site.name for r in requests)
    from_site = Counter(
        name for o in offers for name in {line.origin_site.name for line in o.lines.all() if line.origin_site_id}
    )
    missions = [m for m in visible("logistics.mission") if m.status != Mission.Status.CANCELLED]
    return {
        "open-requests": len(requests),
        "open-offers": len(offers),
        "missions": len(missions),
        "points": sorted(
            [("request", site, n) for site, n in at_site.items()]
            + [("offer", site, n) for site, n in from_site.items()]
        ),
        "arcs": sum(m.legs.count() for m in missions),
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
