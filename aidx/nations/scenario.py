"""Registry part of a scenario: nations, memberships, organisations, airfields and other sites."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aidx.nations import services
from aidx.nations.models import Membership, Nation, Organisation, Site


def _nation(code: str) -> Nation:
    return Nation.objects.filter(pk=code).first() or services.nation_create(actor=None, code=code)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _required_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _membership(kind: str, valid_from: dt.date, valid_until: dt.date | None, **party: Any) -> int:
    existing = Membership.objects.filter(kind=kind, valid_from=valid_from, **party).first()
    if existing is None:
        services.membership_add(actor=None, kind=kind, valid_from=valid_from, valid_until=valid_until, **party)
        return 1
    if existing.valid_until != valid_until and valid_until is not None:
        services.membership_end(actor=None, membership=existing, valid_until=valid_until)
        return 1
    return 0


def load(data: dict[str, Any]) -> int:
    changed = 0
    before = Nation.objects.count()
    for entry in data.get("partners", []):
        changed += _membership(
            "partner", _required_date(entry["from"]), _date(entry.get("until")), nation=_nation(entry["nation"])
        )
    for code, joined in data.get("allies", []):
        changed += _membership("ally", _required_date(joined), None, nation=_nation(code))
    for entry in data.get("organisations", []):
        organisation = Organisation.objects.filter(code=entry["code"]).first()
        if organisation is None:
            organisation = services.organisation_create(
                actor=None,
                code=entry["code"],
                kind=entry["kind"],
                name_en=entry["name_en"],
                name_nb=entry.get("name_nb", ""),
                name_nn=entry.get("name_nn", ""),
                nation=_nation(entry["nation"]) if entry.get("nation") else None,
            )
            changed += 1
        if entry.get("membership"):
            membership = entry["membership"]
            changed += _membership(
                membership["kind"], _required_date(membership["from"]), None, organisation=organisation
            )
    for code in data.get("airfields", []):
        if not Site.objects.filter(icao=code).exists():
            services.airfield_create(actor=None, code=code)
            changed += 1
    for entry in data.get("sites", []):
        if Site.objects.filter(code=entry["code"]).exists():
            continue
        organisation = Organisation.objects.get(code=entry["organisation"]) if entry.get("organisation") else None
        services.site_create(
            actor=None,
            code=entry["code"],
            name=entry["name"],
            kind=entry["kind"],
            nation=_nation(entry["nation"]),
            organisation=organisation,
            latitude=entry["latitude"],
            longitude=entry["longitude"],
        )
        changed += 1
    for code, site in data.get("home_sites", {}).items():
        if Nation.objects.filter(pk=code).exclude(home_site__code=site).exists():
            services.nation_set_home_site(actor=None, nation=code, site=site)
            changed += 1
    return changed + Nation.objects.count() - before
