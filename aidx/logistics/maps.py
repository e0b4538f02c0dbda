"""The words of the airlift's maps: what a leg's tooltip says, written for the reader on the server (numbers in its
locale, names in its language), so that the scripts only place text. The figures come from the selectors, which
count only the loads the viewer may see (the manifest rule, issue #11)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from aidx.core import formatting
from aidx.logistics.models import Leg
from aidx.nations.models import Site, country_name

# The route styles of every airlift map, in the order of the legend: the same names are the arcs' statuses
# and their CSS classes (web/aidx.css: .route-planned ...).
ROUTE_STYLES = ("planned", "airborne", "landed", "dropped")


def status_words(status: str) -> str:
    """'Status: airborne', in the reader's language."""
    words = dict(Leg.Status.choices).get(status) or (_("dropped") if status == "dropped" else status)
    return _("Status: %(status)s") % {"status": words}


def load_words(kg: int, patients: int = 0) -> str:
    """What a viewer may see on board a leg: 'Load: 2.9 t · patients: 3', or that it may see nothing."""
    if not kg and not patients:
        return _("No load you may see.")
    parts = [formatting.weight(kg)] if kg else []
    if patients:
        parts.append(_("patients: %(n)s") % {"n": formatting.number(patients)})
    return _("Load: %(load)s") % {"load": " · ".join(parts)}


def others_words(count: int, kg: int, patients: int) -> str:
    """The loads on board the viewer may not see, summed as the manifest sums them ('Other loads: 2 · 1.2 t')."""
    if not count:
        return ""
    parts = [_("Other loads: %(n)s") % {"n": formatting.number(count)}]
    if kg:
        parts.append(formatting.weight(kg))
    if patients:
        parts.append(_("patients: %(n)s") % {"n": formatting.number(patients)})
    return " · ".join(parts)


def site_end(site: Site | None, name: str = "") -> dict[str, str]:
    """An end of a leg for its tooltip: the site's name and its nation's, in the reader's language."""
    if site is None:
        return {"name": name, "nation": ""}
    return {"name": site.name, "nation": country_name(site.nation_id)}


def mission_map(legs: list[Leg], aircraft: Any) -> list[dict[str, Any]]:
    """A mission's legs for its map (from selectors.mission_legs: `manifest`, the loads the viewer may see on board,
    and `others`, the rest summed)."""
    return [
        {
            "from": [float(leg.origin.latitude), float(leg.origin.longitude)],
            "to": [float(leg.destination.latitude), float(leg.destination.longitude)],
            "route": f"{leg.origin} → {leg.destination}",
            "status": leg.status,
            "aircraft": str(aircraft),
            "status_words": status_words(leg.status),
            "load": load_words(sum(load.kg for load in leg.manifest), sum(load.patients for load in leg.manifest)),
            "others": others_words(leg.others.count, leg.others.kg, leg.others.patients),
            "from_site": site_end(leg.origin),
            "to_site": site_end(leg.destination),
        }
        for leg in legs
    ]


def proposal_map(proposal: dict[str, Any]) -> list[dict[str, Any]]:
    """A planner run's proposed legs for its map: what each carries of the loads still kept (a load rides legs
    `board` to `unload`, numbered from 1); the run's page lists every load to whoever sees the run."""
    missions = proposal.get("missions", [])
    codes = {code for m in missions for leg in m["legs"] for code in (leg["origin"], leg["destination"])}
    sites = Site.objects.in_bulk(codes, field_name="code")
    arcs = []
    for mission in missions:
        for number, leg in enumerate(mission["legs"], start=1):
            kg = sum(
                load["kg"]
                for load in mission["loads"]
                if not load["dropped"] and load["board"] <= number <= load["unload"]
            )
            status = "dropped" if mission["dropped"] else "planned"
            arcs.append(
                {
                    "from": leg["from"],
                    "to": leg["to"],
                    "route": f"{leg['from_name']} → {leg['to_name']}",
                    "status": status,
                    "aircraft": mission["aircraft_label"],
                    "status_words": status_words(status),
                    "load": load_words(kg),
                    "others": "",
                    "from_site": site_end(sites.get(leg["origin"]), leg["from_name"]),
                    "to_site": site_end(sites.get(leg["destination"]), leg["to_name"]),
                }
            )
    return arcs
