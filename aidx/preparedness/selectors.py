"""Reads of preparedness, each filtered in the query by the need-to-know policy for the viewer."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from aidx.nations.policy import get_visible_or_404, visible
from aidx.preparedness.models import ConsumptionRate, OwnStock, Plan, Pledge, SimulationRun, WaveScenario


def plans(user: Any) -> QuerySet[Plan]:
    """The plans the user may see, each with the number of its pledges the user may see (never a hidden one)."""
    seen = (
        visible(Pledge.objects.filter(plan=OuterRef("pk")), user)
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        visible(Plan.objects.all(), user)
        .annotate(pledge_count=Coalesce(Subquery(seen, output_field=IntegerField()), 0))
        .order_by("incident", "-version")
    )


def plan(user: Any, pk: int) -> Plan:
    return get_visible_or_404(Plan.objects.all(), user, pk=pk)


def agreed_plan(user: Any, incident: str) -> Plan | None:
    return visible(Plan.objects.filter(incident=incident, status=Plan.Status.AGREED), user).first()


def consumption_rates(plan: Plan) -> list[dict[str, Any]]:
    """The plan's rates as plain figures (for the resilience app's days of cover, and the plan page): the caller
    has the plan through `plan()`, so it may see them. Rates are per occupied bed-day, or per bed for a durable."""
    return [
        {
            "item": rate.item.code,
            "name": str(rate.item),
            "basis": rate.basis,
            "rate": float(rate.rate),
            "durable": rate.durable,
            "priority": rate.priority,
            "unit_price_minor": rate.unit_price_minor,
            "lead_days": rate.lead_days if rate.lead_days is not None else plan.fund_lead_days,
            "illustrative": rate.illustrative,
            "source": rate.source,
        }
        for rate in ConsumptionRate.objects.filter(plan=plan).select_related("item").order_by("priority", "item__code")
    ]


def _pledges_seen(user: Any) -> QuerySet[Pledge]:
    """Pledges the user may see, of plans the user may see: a pledge shows its plan (its name, its link)."""
    return visible(Pledge.objects.filter(plan__in=visible(Plan.objects.all(), user).values("pk")), user)


def pledges(
    user: Any,
    *,
    plan: Plan | None = None,
    nation: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    item: str | None = None,
) -> QuerySet[Pledge]:
    rows = _pledges_seen(user).select_related(
        "plan", "item", "capability", "origin_site", "owner_nation", "owner_organisation"
    )
    if plan is not None:
        rows = rows.filter(plan=plan)
    if nation:
        rows = rows.filter(owner_nation_id=nation)
    if kind == "item":
        rows = rows.filter(item__isnull=False)
    elif kind == "capability":
        rows = rows.filter(capability__isnull=False)
    if status:
        rows = rows.filter(status=status)
    if item:
        rows = rows.filter(Q(item__code=item) | Q(capability__code=item))
    return rows.order_by("owner_nation_id", "id")


def pledge(user: Any, pk: int) -> Pledge:
    return get_visible_or_404(
        _pledges_seen(user).select_related("plan", "item", "capability", "origin_site", "owner_nation"), user, pk=pk
    )


def pledge_totals(user: Any, plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """What is pledged on standby for the plan, summed in the query over the pledges the user may see: by item or
    capability, and by nation."""
    rows = visible(Pledge.objects.filter(plan=plan, status=Pledge.Status.STANDBY), user)
    by_what = list(
        rows.values("item__code", "capability__code", "item__name_en", "item__name_nb", "item__name_nn")
        .annotate(remaining=Sum("remaining"), pledges=Count("id"), nations=Count("owner_nation", distinct=True))
        .order_by("item__code", "capability__code")
    )
    by_nation = list(
        rows.values("owner_nation_id", "owner_organisation__code")
        .annotate(
            pledges=Count("id"), items=Count("item", distinct=True), capabilities=Count("capability", distinct=True)
        )
        .order_by("owner_nation_id", "owner_organisation__code")
    )
    return {"by_what": by_what, "by_nation": by_nation}


def own_stock(user: Any) -> QuerySet[OwnStock]:
    return visible(OwnStock.objects.select_related("item", "owner_nation"), user).order_by(
        "owner_nation_id", "item__code"
    )


def scenarios(user: Any, *, incident: str | None = None) -> QuerySet[WaveScenario]:
    rows = visible(WaveScenario.objects.all(), user)
    return rows.filter(incident=incident) if incident else rows


def scenario(user: Any, pk: int) -> WaveScenario:
    return get_visible_or_404(WaveScenario.objects.all(), user, pk=pk)


def runs(user: Any, *, plan: Plan | None = None) -> QuerySet[SimulationRun]:
    rows = (
        visible(SimulationRun.objects.all(), user)
        .select_related("plan", "scenario", "created_by")
        .defer("problem", "result")
    )
    return rows.filter(plan=plan) if plan is not None else rows


def run(user: Any, pk: int, *, with_result: bool = True) -> SimulationRun:
    rows = SimulationRun.objects.select_related("plan", "scenario", "created_by")
    if not with_result:
        rows = rows.defer("problem", "result")
    return get_visible_or_404(rows, user, pk=pk)
