"""Why a run left a need unmet or an offer unused, in words.

The engine gives each line left over a reason code (aidx/optimize/allocation/explain.py); the exchange adds the
offer lines it could not give the engine at all (no origin, and their nation has no home airfield) and tells an
offer no request wants apart from one whose requests are already met. Stored with the run's output; shown on the
run's page and in the API.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import OfferLine, RequestLine
from aidx.catalogue.models import Substitution
from aidx.matching.models import MatchRun
from aidx.matching.problem import NO_ORIGIN, offer_lines_in_scope, remaining

UNMET = {
    "no_offer": _("No other nation offers this item or a substitute for it."),
    "substitutes_refused": _("Only substitutes are offered, and this request takes none."),
    "not_releasable": _("The offers that could serve it are not releasable to the requesting nation."),
    "declined": _("The requester declined the offers that could serve it."),
    "too_late": _("No offer can arrive by the needed-by date, given the transit time."),
    "short": _("Not enough on offer: what could serve it went to more urgent or nearer needs."),
}
UNUSED = {
    "no_request": _("No open request for this item or one it may replace."),
    "already_met": _("The requests for this item are already met."),
    "substitutes_refused": _("The requests it could replace take no substitutes."),
    "not_releasable": _("It is not releasable to the nations that need it, or their requests not to its nation."),
    "declined": _("Excluded after the requester declined it."),
    "too_late": _("It cannot arrive by any needed-by date, given the transit time."),
    "surplus": _("More is offered than the needs it can reach."),
    "no_origin": _(
        "The offer line names no origin and its nation has no home airfield, so no transport can be planned from it."
    ),
}


def complete(run: MatchRun, output: dict[str, Any]) -> dict[str, Any]:
    """The engine's `unused` rows completed by what only the exchange knows (see the module's text)."""
    unused = list(output.get("unused", []))
    without_origin = remaining(offer_lines_in_scope(run).filter(NO_ORIGIN))
    unused += [
        {"offer": line.pk, "quantity": line.quantity - line.live, "reason": "no_origin"}
        for line in without_origin
        if line.quantity > line.live
    ]
    wanting = [row for row in unused if row["reason"] == "no_request"]
    if wanting:
        items = dict(OfferLine.objects.filter(pk__in=[row["offer"] for row in wanting]).values_list("pk", "item_id"))
        serves: dict[int, set[int]] = {item: {item} for item in items.values()}
        for offered, requested in Substitution.objects.filter(substitute_id__in=serves).values_list(
            "substitute_id", "item_id"
        ):
            serves[offered].add(requested)
        candidates = RequestLine.objects.filter(
            item_id__in={i for group in serves.values() for i in group},
            request__status__in=("submitted", "partially_met", "met"),
            request__needed_by__gte=run.as_of,
        )
        met = set(remaining(candidates).filter(live__gte=F("quantity")).values_list("item_id", flat=True))
        for row in wanting:
            if serves[items[row["offer"]]] & met:
                row["reason"] = "already_met"
    return {**output, "unused": unused}


def unmet_message(code: str) -> str:
    return str(UNMET.get(code, code))


def unused_message(code: str) -> str:
    return str(UNUSED.get(code, code))
