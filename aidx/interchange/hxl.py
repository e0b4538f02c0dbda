"""HXL (Humanitarian Exchange Language) tagged CSV out: request and offer lines as the exchange's own exports write
them (the import in aidx/assistance/transfer.py reads the same hashtags back), standby pledges of every plan with
the plan they are for (the pledge import of aidx/preparedness/transfer.py reads them back into a plan), and the 3W
view — who does what where — from the allocations the reader may see.

libhxl is not used: writing a hashtag row under the header is what the exports already do, and libhxl would bring
a dozen dependencies (and URL fetching) for it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase

from aidx.assistance import transfer
from aidx.assistance.models import Allocation
from aidx.assistance.selectors import allocations_visible_to
from aidx.core import exports
from aidx.core.exports import Column
from aidx.nations.models import country_name
from aidx.nations.policy import viewer_for
from aidx.preparedness import selectors as pledge_selectors
from aidx.preparedness import transfer as pledge_transfer


def _org(allocation: Allocation) -> str:
    offer = allocation.offer_line.offer
    return country_name(offer.owner_nation_id) if offer.owner_nation_id else str(offer.owner_organisation or "")


def _what(allocation: Allocation) -> Any:
    return allocation.offer_line.item or allocation.offer_line.capability


THREE_W = [
    Column("allocation", "id", "#activity +id"),  # which allocation a row is (a 3W row is an activity)
    Column("organisation", _org, "#org +name"),
    Column("organisation_code", lambda a: a.offer_line.offer.owner_nation_id or "", "#org +code"),
    Column("sector", lambda a: a.offer_line.item.category if a.offer_line.item_id else "capability", "#sector"),
    Column("item", lambda a: _what(a).code, "#item +code"),
    Column("item_name", lambda a: _what(a).name, "#item +name"),
    Column("quantity", "quantity", "#output +num"),
    Column("status", "status", "#status"),
    Column("site", "request_line__request__delivery_site__name", "#adm1 +name"),
    Column("country", lambda a: a.request_line.request.owner_nation_id or "", "#country +code"),
    Column("country_name", lambda a: country_name(a.request_line.request.owner_nation_id or ""), "#country +name"),
    Column("requested", lambda a: a.request_line.quantity, "#affected +targeted"),
]


def three_w(who: Any) -> QuerySet[Allocation]:
    """Committed help (accepted, shipped, delivered) the reader may see: its two parties, or the centre."""
    return (
        allocations_visible_to(who)
        .filter(status__in=Allocation.COMMITTED)
        .select_related(
            "offer_line__offer__owner_organisation",
            "offer_line__item",
            "offer_line__capability",
            "request_line__request__delivery_site",
        )
        .order_by("id")
    )


PLEDGES = [
    Column("pledge", "id", "#meta +pledge_id"),
    Column("incident", "plan__incident", "#event +code"),
    Column("plan", "plan__name", "#meta +plan"),
    Column("plan_version", "plan__version", "#meta +plan_version"),
    *pledge_transfer.PLEDGE_COLUMNS,
]


def export(kind: str, user: Any) -> HttpResponseBase:
    viewer = viewer_for(user)
    if kind == "3w":
        return exports.response("csv", THREE_W, three_w(viewer), stem="3w", hxl=True)
    if kind == "pledges":
        rows = pledge_selectors.pledges(viewer).order_by("plan__incident", "plan__version", "owner_nation_id", "id")
        return exports.response("csv", PLEDGES, rows, stem="standby-pledges", hxl=True)
    name = {"requests": "request-lines", "offers": "offer-lines"}[kind]
    rows = transfer.export_rows(name, viewer, {})
    return exports.response("csv", transfer.EXPORT_COLUMNS[name], rows, stem=name, hxl=True)
