"""Evidence from live data, shown beside a nation's own answer, and the flag when the two are far apart.

Every figure is computed for the viewer from records the viewer may see: a nation's requests and offers through
need-to-know (`visible`), stock only for whoever may read it. A figure the viewer may not see is left out
(`hidden=True`), never estimated, so an assessment released more widely reveals nothing more than its answers.

Consumption rates: days of cover use the rates of the agreed preparedness plan the viewer may see
(`aidx.preparedness.selectors.consumption_rates`) and the preparedness engine's `days_of_cover`; only when no
agreed plan exists (or none the viewer may see) does it fall back on this app's illustrative default table, and
the page says so. Of a plan's rates, items used per occupied hospital bed-day count: a durable item (a
ventilator) is held, not used up, and a nation's planning beds do not say how many are intensive-care beds.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.catalogue.models import CapabilityType, Item
from aidx.nations.policy import as_viewer, visible
from aidx.resilience import analysis
from aidx.resilience.models import Answer, Assessment, ConsumptionRate, Evidence, PlanningBeds
from aidx.stockpile.models import Balance, Lot
from aidx.stockpile.services import may_view as may_view_stock

OPEN_OFFER = (Offer.Status.OPEN, Offer.Status.PARTIALLY_ALLOCATED)
PAST_REQUEST = (
    AssistanceRequest.Status.SUBMITTED,
    AssistanceRequest.Status.PARTIALLY_MET,
    AssistanceRequest.Status.MET,
    AssistanceRequest.Status.EXPIRED,
)


@dataclass(frozen=True)
class Figure:
    label: str
    value: Any  # a number (formatted by the page) or None when unknown
    unit: str = ""


@dataclass
class Finding:
    kind: str
    figures: list[Figure] = field(default_factory=list)
    implied: int | None = None  # the level the figures support, where they say one
    gap: bool = False
    hidden: bool = False  # the viewer may not see what it would be computed from
    basis: str = ""  # where the rates behind the figures come from


HORIZON_DAYS = 365  # cover is counted up to a year: a stock lasting longer shows as a year


@dataclass(frozen=True)
class Rates:
    """Consumption per occupied bed and day of each critical item, and where the figures come from."""

    per_bed_day: dict[str, Decimal]
    plan: Any = None  # the agreed preparedness plan they come from; None: this app's illustrative table

    @property
    def basis(self) -> str:
        if self.plan is None:
            return _("At this app's illustrative default rates: there is no agreed preparedness plan you may see.")
        return _("At the consumption rates of the agreed plan %(plan)s.") % {"plan": self.plan}


def agreed_plan(who: Any) -> Any:
    """The most recently agreed preparedness plan the viewer may see, if any."""
    from aidx.preparedness import selectors as preparedness

    return preparedness.plans(who).filter(status="agreed").order_by("-agreed_at", "-pk").first()


def rates(who: Any = None) -> Rates:
    """The rates days of cover are computed at (see the module's note): the agreed plan's, else the default table."""
    from aidx.preparedness.selectors import consumption_rates

    plan = agreed_plan(who) if who is not None else None
    if plan is not None:
        used = {
            rate["item"]: Decimal(str(rate["rate"]))
            for rate in consumption_rates(plan)
            if rate["basis"] == "bed" and not rate["durable"] and rate["rate"] > 0
        }
        if used:
            return Rates(used, plan)
    return Rates(dict(ConsumptionRate.objects.filter(critical=True).values_list("item__code", "per_bed_day")))


def cover_days(stock_by_item: dict[str, int], rates_: Rates, bed_count: int) -> dict[str, Decimal | None]:
    """Days each item lasts at its daily use (rate × beds), by the preparedness engine's `days_of_cover`: whole
    days, a year at most; None where no beds are planned."""
    from aidx.optimize.preparedness import days_of_cover

    cover: dict[str, Decimal | None] = {}
    for code, rate in rates_.per_bed_day.items():
        daily = float(rate) * bed_count
        if not daily:
            cover[code] = None
            continue
        days = days_of_cover(float(stock_by_item.get(code, 0)), [daily] * HORIZON_DAYS)
        cover[code] = Decimal(HORIZON_DAYS if days is None else days)
    return cover


def beds(nation: str | None = None) -> int:
    """Beds a nation plans to fill in a wave; without a nation, the beds the common stockpile plans to supply."""
    found = PlanningBeds.objects.filter(nation_id=nation).values_list("beds", flat=True).first()
    return int(found or 0)


def stock(*, nation: str | None) -> dict[str, int]:
    """Available quantity per item of the lots a nation declared (None: the common stockpile)."""
    today = timezone.localdate()
    rows = Balance.objects.filter(blocked=False, lot__status=Lot.Status.AVAILABLE).exclude(lot__expiry_date__lt=today)
    rows = rows.filter(lot__owner_nation_id=nation) if nation else rows.filter(lot__owner_nation__isnull=True)
    return {
        code: int(total or 0)
        for code, total in rows.values("lot__item__code")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
        .values_list("lot__item__code", "n")
    }


def _cover(who: Any, nation: str, own: bool) -> Finding:
    kind = Evidence.NATIONAL_COVER if own else Evidence.STOCKPILE_COVER
    viewer = as_viewer(who)
    allowed = viewer.is_centre or may_view_stock(who) or (viewer.nation == nation if own else viewer.is_ally)
    if not allowed:
        return Finding(kind, hidden=True)
    at = rates(who)
    cover = cover_days(stock(nation=nation if own else None), at, beds(nation))
    first = analysis.shortest(cover)
    figures = [Figure(_("days until the first critical item runs out"), first, _("days"))]
    names = {item.code: item.name for item in Item.objects.filter(code__in=cover)}
    figures += [Figure(names.get(code, code), days, _("days")) for code, days in sorted(cover.items())]
    return Finding(kind, figures, implied=analysis.cover_level(first), basis=at.basis)


def _requests_met(who: Any, nation: str) -> Finding:
    requests = visible(AssistanceRequest.objects.filter(owner_nation_id=nation, status__in=PAST_REQUEST), who)
    lines = RequestLine.objects.filter(request__in=requests.values("pk"))
    asked = lines.aggregate(n=Sum("quantity"))["n"] or 0
    met = (
        Allocation.objects.filter(request_line__in=lines.values("pk"), status__in=Allocation.COMMITTED).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    first_delivery: dict[int, Any] = {}
    for request_id, submitted, delivered in (
        Allocation.objects.filter(request_line__in=lines.values("pk"), delivered_at__isnull=False)
        .values_list("request_line__request_id", "request_line__request__submitted_at", "delivered_at")
        .order_by("delivered_at")
    ):
        if submitted is not None and delivered is not None:
            first_delivery.setdefault(request_id, (delivered - submitted).total_seconds() / 86400)
    days = Decimal(str(round(statistics.median(first_delivery.values()), 1))) if first_delivery else None
    share = (Decimal(met) * 100 / Decimal(asked)).quantize(Decimal("0.1")) if asked else None
    return Finding(
        Evidence.REQUESTS_MET,
        [
            Figure(_("requests"), requests.count()),
            Figure(_("share of the requested quantity met"), share, "%"),
            Figure(_("median days from request to first delivery"), days, _("days")),
        ],
    )


def _offers(who: Any, nation: str) -> Any:
    return visible(Offer.objects.filter(owner_nation_id=nation, status__in=OPEN_OFFER), who)


def _pledges(who: Any, nation: str) -> Finding:
    offers = _offers(who, nation)
    lines = OfferLine.objects.filter(offer__in=offers.values("pk"))
    return Finding(
        Evidence.PLEDGES_HELD,
        [
            Figure(_("open offers for others"), offers.count()),
            Figure(_("offer lines"), lines.count()),
        ],
    )


def _medical(who: Any, nation: str) -> Finding:
    lines = OfferLine.objects.filter(
        offer__in=_offers(who, nation).values("pk"),
        capability__kind__in=[CapabilityType.Kind.MEDEVAC, CapabilityType.Kind.FIELD_HOSPITAL],
    ).values_list("capability__kind", "quantity", "capability__beds", "capability__icu_beds")
    units: dict[str, int] = defaultdict(int)
    bed_count = icu = 0
    for kind, quantity, capability_beds, capability_icu in lines:
        units[kind] += quantity
        bed_count += quantity * (capability_beds or 0)
        icu += quantity * (capability_icu or 0)
    return Finding(
        Evidence.MEDICAL_CAPACITY,
        [
            Figure(_("field hospitals offered"), units[CapabilityType.Kind.FIELD_HOSPITAL]),
            Figure(_("medical evacuation capabilities offered"), units[CapabilityType.Kind.MEDEVAC]),
            Figure(_("beds"), bed_count),
            Figure(_("intensive-care beds"), icu),
        ],
    )


def findings(who: Any, assessment: Assessment, answers: list[Answer] | None = None) -> dict[str, Finding]:
    """Per indicator code, the evidence aidx holds for it (only indicators that name a kind of evidence)."""
    nation = assessment.owner_nation_id
    if nation is None:
        return {}
    rows = answers if answers is not None else list(assessment.answers.select_related("indicator"))
    computed: dict[str, Finding] = {}
    makers = {
        Evidence.NATIONAL_COVER: lambda: _cover(who, nation, own=True),
        Evidence.STOCKPILE_COVER: lambda: _cover(who, nation, own=False),
        Evidence.REQUESTS_MET: lambda: _requests_met(who, nation),
        Evidence.PLEDGES_HELD: lambda: _pledges(who, nation),
        Evidence.MEDICAL_CAPACITY: lambda: _medical(who, nation),
    }
    result: dict[str, Finding] = {}
    for answer in rows:
        kind = answer.indicator.evidence
        if not kind:
            continue
        if kind not in computed:
            computed[kind] = makers[Evidence(kind)]()
        found = computed[kind]
        result[answer.indicator.code] = Finding(
            found.kind,
            found.figures,
            found.implied,
            analysis.is_gap(answer.level, found.implied),
            found.hidden,
            found.basis,
        )
    return result


def gaps(findings_by_code: Mapping[str, Finding]) -> list[str]:
    return sorted(code for code, found in findings_by_code.items() if found.gap)
