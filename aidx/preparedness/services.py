"""Writes of preparedness: plans and their versions, consumption rates, standby pledges (made, imported,
withdrawn, expired, activated into offers), declared own stock, wave scenarios, and simulation runs.

Every function is atomic, checks who may act through the workflow tables, validates all of its input before it
writes anything and reports every problem at once (`Problems`), and records an audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aidx.accounts.models import User
from aidx.assistance import services as exchange
from aidx.assistance.models import AssistanceRequest, Offer
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import CapabilityType, Item
from aidx.core import formatting
from aidx.core.actors import SYSTEM, is_system
from aidx.core.errors import BusinessError, PermissionDenied, Problems
from aidx.nations.models import Nation, Organisation, Site
from aidx.nations.policy import Releasability, check_derived_releasability, may_see, validate_releasability
from aidx.optimize.preparedness.model import MAX_HORIZON, MAX_RUNS
from aidx.preparedness.models import (
    Activation,
    Basis,
    ConsumptionRate,
    OwnStock,
    Plan,
    Pledge,
    SimulationRun,
    WaveScenario,
)
from aidx.preparedness.workflow import PLAN, PLEDGE, RUN, may_plan, may_pledge, may_simulate

MAX_QUANTITY = 2_000_000_000


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def _centre() -> Organisation:
    return Organisation.objects.get(kind=Organisation.Kind.CENTRE)


def _owner(actor: Any, nation: Nation | None = None) -> dict[str, Any]:
    """The nation (or organisation) the actor speaks for, as owner fields; the system (loading a scenario)
    names the nation, or acts for the centre."""
    if is_system(actor):
        if nation is not None:
            return {"owner_nation_id": nation.pk, "owner_organisation": None}
        return {"owner_nation_id": None, "owner_organisation": _centre()}
    if actor.nation_id:
        return {"owner_nation_id": actor.nation_id, "owner_organisation": None}
    if actor.organisation is not None and actor.organisation.nation_id:
        return {"owner_nation_id": actor.organisation.nation_id, "owner_organisation": None}
    if actor.organisation is not None:
        return {"owner_nation_id": None, "owner_organisation": actor.organisation}
    raise PermissionDenied(_("Your account belongs to no nation or organisation."))


def _whole(problems: Problems, value: Any, field: str, label: str, *, minimum: int = 1) -> int | None:
    try:
        number = int(str(value).strip()) if not isinstance(value, int) or isinstance(value, bool) else value
    except (TypeError, ValueError):
        problems.add(_("%(label)s: enter a whole number.") % {"label": label}, field)
        return None
    if number < minimum:
        if minimum == 1:
            problems.add(_("%(label)s must be greater than zero.") % {"label": label}, field)
        else:
            problems.add(_("%(label)s must be %(n)s or more.") % {"label": label, "n": minimum}, field)
        return None
    if number > MAX_QUANTITY:
        problems.add(_("%(label)s is too large.") % {"label": label}, field)
        return None
    return number


def _number(problems: Problems, value: Any, field: str, label: str, *, positive: bool = False) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        problems.add(_("%(label)s: enter a number.") % {"label": label}, field)
        return None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        message = _("%(label)s must be greater than zero.") if positive else _("%(label)s must not be negative.")
        problems.add(message % {"label": label}, field)
        return None
    return number


def _releasability(problems: Problems, releasability: str, release_to: Iterable[str] | None) -> list[Nation]:
    codes = sorted({code.strip().upper() for code in (release_to or []) if code.strip()})
    nations = list(Nation.objects.filter(code__in=codes))
    if len(nations) != len(codes):
        unknown = sorted(set(codes) - {n.code for n in nations})
        problems.add(_("Unknown nation: %(codes)s.") % {"codes": ", ".join(unknown)}, "release_to")
    try:
        validate_releasability(releasability, nations)
    except BusinessError as error:
        problems.add(error.message, error.field)
    return nations


# --- plans -------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    name: str,
    incident: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    notes: str = "",
    fund_lead_days: int = 30,
    releasability: str = Releasability.ALLIES_AND_PARTNERS,
    release_to: Iterable[str] | None = None,
    scenario_key: str = "",
) -> Plan:
    """A first draft of an operational plan, owned by the centre."""
    _require(may_plan(actor) or is_system(actor))
    problems = Problems()
    name, incident = (name or "").strip(), (incident or "").strip()
    if not name or len(name) > 200:
        problems.add(_("Give the plan a name (at most 200 characters)."), "name")
    if not incident or len(incident) > 100:
        problems.add(_("Name the incident (at most 100 characters)."), "incident")
    if valid_until is not None and valid_until < valid_from:
        problems.add(_("The plan ends before it starts."), "valid_until")
    lead = _whole(problems, fund_lead_days, "fund_lead_days", _("Procurement lead time"), minimum=0)
    nations = _releasability(problems, releasability, release_to)
    if Plan.objects.filter(incident=incident).exists():
        problems.add(_("This incident has a plan already: start a new version of it."), "incident")
    problems.raise_any()
    plan = Plan.objects.create(
        owner_organisation=_centre() if is_system(actor) else actor.organisation,
        name=name,
        incident=incident,
        valid_from=valid_from,
        valid_until=valid_until,
        notes=(notes or "")[:5000],
        fund_lead_days=lead or 0,
        releasability=releasability,
        created_by=None if is_system(actor) else actor,
        scenario_key=scenario_key,
    )
    plan.release_to.set(nations)
    record(actor=actor, action="plan.create", target=plan, after=snapshot(plan))
    return plan


@transaction.atomic
def plan_agree(*, actor: Any, plan: Plan) -> Plan:
    """Agree a draft: the agreed version of the same incident (if any) is superseded in the same transaction."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    PLAN.check(actor, plan, "agree")
    current = Plan.objects.select_for_update().filter(incident=plan.incident, status=Plan.Status.AGREED).first()
    if current is not None:
        current.status = Plan.Status.SUPERSEDED
        current.save(update_fields=["status"])
        record(actor=actor, action="plan.supersede", target=current, after={"by": plan.pk})
    PLAN.advance(plan, "agree")
    plan.agreed_at = timezone.now()
    plan.save(update_fields=["status", "agreed_at"])
    record(actor=actor, action="plan.agree", target=plan, after={"status": plan.status})
    return plan


@transaction.atomic
def plan_new_version(*, actor: User, plan: Plan) -> Plan:
    """A draft copy of a plan: its rates, and its pledges still on standby (with what remains of them)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    PLAN.check(actor, plan, "new_version")
    latest = Plan.objects.filter(incident=plan.incident).order_by("-version").first()
    assert latest is not None
    copy = Plan.objects.create(
        owner_organisation=plan.owner_organisation,
        owner_nation=plan.owner_nation,
        name=plan.name,
        incident=plan.incident,
        version=latest.version + 1,
        valid_from=plan.valid_from,
        valid_until=plan.valid_until,
        notes=plan.notes,
        fund_lead_days=plan.fund_lead_days,
        releasability=plan.releasability,
        previous=plan,
        created_by=actor,
    )
    copy.release_to.set(plan.release_to.all())
    for rate in plan.rates.all():
        rate.pk, rate.plan = None, copy
        rate.save()
    for pledge in plan.pledges.filter(status=Pledge.Status.STANDBY):
        named = list(pledge.release_to.all())
        pledge.pk, pledge.plan, pledge.quantity, pledge.scenario_key = None, copy, pledge.remaining, ""
        pledge.save()
        pledge.release_to.set(named)
    record(actor=actor, action="plan.new_version", target=copy, after={"previous": plan.pk, "version": copy.version})
    return copy


@dataclass(frozen=True)
class RateInput:
    item: str
    basis: str
    rate: Any
    durable: bool = False
    priority: Any = 2
    unit_price_minor: Any = 0
    lead_days: Any = None
    illustrative: bool = True
    source: str = ""
    number: int | None = None  # the rate's number as the person sees it (its row on the form); else its position


@transaction.atomic
def rates_set(*, actor: Any, plan: Plan, rates: Sequence[RateInput]) -> int:
    """Replace the plan's consumption rates (a draft's; an agreed plan changes through a new version: the plan's
    workflow rule `rates`)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    PLAN.check(actor, plan, "rates")
    problems = Problems()
    items = {i.code: i for i in Item.objects.filter(code__in=[r.item for r in rates])}
    rows = []
    seen: set[str] = set()
    for position, given in enumerate(rates, start=1):
        where = f"rates.{position}"  # where the problem goes: the position in what was sent
        number = given.number or position  # what the person reads: the row it typed the rate in
        if not given.item:
            problems.add(_("Rate %(n)s: choose an item.") % {"n": number}, where)
        elif given.item not in items:
            problems.add(_("Rate %(n)s: unknown item %(code)s.") % {"n": number, "code": given.item}, where)
        elif given.item in seen:
            problems.add(_("Rate %(n)s: %(code)s is given twice.") % {"n": number, "code": given.item}, where)
        seen.add(given.item)
        if given.basis not in Basis.values:
            problems.add(_("Rate %(n)s: the basis must be bed or icu.") % {"n": number}, where)
        value = _number(problems, given.rate, where, _("Rate %(n)s: the rate") % {"n": number})
        priority = _whole(problems, given.priority, where, _("Rate %(n)s: the priority") % {"n": number})
        if priority is not None and priority > 4:
            problems.add(_("Rate %(n)s: the priority must be 1 to 4.") % {"n": number}, where)
        price = _whole(
            problems, given.unit_price_minor, where, _("Rate %(n)s: the unit price") % {"n": number}, minimum=0
        )
        lead = (
            None
            if given.lead_days in (None, "")
            else _whole(problems, given.lead_days, where, _("Rate %(n)s: the lead time") % {"n": number}, minimum=0)
        )
        rows.append((given, value, priority, price, lead))
    problems.raise_any()
    plan.rates.all().delete()
    ConsumptionRate.objects.bulk_create(
        [
            ConsumptionRate(
                plan=plan,
                item=items[given.item],
                basis=given.basis,
                rate=value or Decimal(0),  # None only with a problem raised above
                durable=bool(given.durable),
                priority=priority or 0,
                unit_price_minor=price or 0,
                lead_days=lead,
                illustrative=bool(given.illustrative),
                source=(given.source or "")[:300],
            )
            for given, value, priority, price, lead in rows
        ]
    )
    record(actor=actor, action="plan.rates", target=plan, after={"rates": [r.item for r in rates]})
    return len(rows)


# --- pledges ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PledgeInput:
    """One pledge as parsed by a form, the API or an import row."""

    quantity: Any
    notice_days: Any
    origin_site: str
    valid_from: dt.date | None
    item: str | None = None
    capability: str | None = None
    valid_until: dt.date | None = None
    terms: str = Offer.Terms.DONATION
    notes: str = ""
    illustrative: bool = False


def _check_pledges(problems: Problems, given: Sequence[PledgeInput], *, prefix: str = "") -> list[dict[str, Any]]:
    items = {i.code: i for i in Item.objects.filter(code__in={g.item for g in given if g.item})}
    capabilities = {
        c.code: c for c in CapabilityType.objects.filter(code__in={g.capability for g in given if g.capability})
    }
    sites = {s.code: s for s in Site.objects.filter(code__in={g.origin_site for g in given if g.origin_site})}
    out = []
    for number, pledge in enumerate(given, start=1):
        where = f"{prefix}{number}" if prefix else "item"
        say = (lambda text, n=number: _("Row %(n)s: %(problem)s") % {"n": n, "problem": text}) if prefix else str
        if bool(pledge.item) == bool(pledge.capability):
            problems.add(say(_("choose an item or a capability.")), where)
        elif pledge.item and pledge.item not in items:
            problems.add(say(_("unknown item %(code)s.") % {"code": pledge.item}), where)
        elif pledge.capability and pledge.capability not in capabilities:
            problems.add(say(_("unknown capability %(code)s.") % {"code": pledge.capability}), where)
        quantity = _whole(problems, pledge.quantity, (prefix and where) or "quantity", say(_("The quantity")))
        notice = _whole(
            problems, pledge.notice_days, (prefix and where) or "notice_days", say(_("The notice to move")), minimum=0
        )
        if not pledge.origin_site or pledge.origin_site not in sites:
            problems.add(say(_("unknown origin site %(code)s.") % {"code": pledge.origin_site or "—"}), where)
        if pledge.valid_from is None:
            problems.add(say(_("give the date it is valid from.")), (prefix and where) or "valid_from")
        elif pledge.valid_until is not None and pledge.valid_until < pledge.valid_from:
            problems.add(say(_("valid until is before valid from.")), (prefix and where) or "valid_until")
        if pledge.terms not in Offer.Terms.values:
            problems.add(say(_("unknown terms %(value)s.") % {"value": pledge.terms}), where)
        out.append(
            {
                "item": items.get(pledge.item or ""),
                "capability": capabilities.get(pledge.capability or ""),
                "quantity": quantity,
                "remaining": quantity,
                "notice_days": notice,
                "origin_site": sites.get(pledge.origin_site),
                "valid_from": pledge.valid_from,
                "valid_until": pledge.valid_until,
                "terms": pledge.terms,
                "notes": (pledge.notes or "")[:500],
                "illustrative": bool(pledge.illustrative),
            }
        )
    return out


def _checked_pledges(
    *,
    actor: Any,
    plan: Plan,
    pledges: Sequence[PledgeInput],
    releasability: str,
    release_to: Iterable[str] | None,
    rows: bool,
    nation: Nation | None,
) -> tuple[dict[str, Any], list[Nation], list[dict[str, Any]]]:
    """Every check of `pledges_create`, writing nothing: the owner, the named nations and the rows' values, or
    the BusinessError listing every problem."""
    _require(may_pledge(actor) or is_system(actor))
    owner = _owner(actor, nation)
    problems = Problems()
    if not is_system(actor) and not may_see(actor, plan):
        raise BusinessError(_("Not found."), code="not_found", status=404)
    if plan.status == Plan.Status.SUPERSEDED:
        problems.add(_("This plan version is superseded: pledge to the agreed one."), "plan")
    if not pledges:
        problems.add(_("Add at least one pledge."), "rows")
    nations = _releasability(problems, releasability, release_to)
    try:  # a pledge shows its plan: it is never released more widely than the plan
        check_derived_releasability(plan, releasability, nations)
    except BusinessError as error:
        problems.add(error.message, error.field, code=error.code)
    values = _check_pledges(problems, pledges, prefix="rows." if rows else "")
    problems.raise_any()
    return owner, nations, values


def pledges_preview(
    *,
    actor: Any,
    plan: Plan,
    pledges: Sequence[PledgeInput],
    releasability: str = Releasability.ALLIES_AND_PARTNERS,
    release_to: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """An import's preview: every row checked as `pledges_create` will check it, every problem at once, nothing
    written. Returns the rows as they would be recorded (item or capability, quantity, site, dates...)."""
    return _checked_pledges(
        actor=actor,
        plan=plan,
        pledges=pledges,
        releasability=releasability,
        release_to=release_to,
        rows=True,
        nation=None,
    )[2]


@transaction.atomic
def pledges_create(
    *,
    actor: Any,
    plan: Plan,
    pledges: Sequence[PledgeInput],
    releasability: str = Releasability.ALLIES_AND_PARTNERS,
    release_to: Iterable[str] | None = None,
    rows: bool = False,
    scenario_keys: Sequence[str] = (),
    nation: Nation | None = None,
    illustrative: bool = False,
) -> list[Pledge]:
    """Pledges for a plan by the nation the actor speaks for: one, or every row of an import (all or none).
    `rows`: name problems by row (an import), else by field (a form). The system (a scenario) names the `nation`."""
    owner, nations, values = _checked_pledges(
        actor=actor,
        plan=plan,
        pledges=pledges,
        releasability=releasability,
        release_to=release_to,
        rows=rows,
        nation=nation,
    )
    made = []
    for number, row in enumerate(values):
        key = scenario_keys[number] if number < len(scenario_keys) else ""
        row["illustrative"] = row["illustrative"] or illustrative
        pledge = Pledge.objects.create(
            plan=plan,
            **owner,
            **row,
            releasability=releasability,
            created_by=None if is_system(actor) else actor,
            scenario_key=key,
        )
        pledge.release_to.set(nations)
        record(actor=actor, action="pledge.create", target=pledge, after=snapshot(pledge))
        made.append(pledge)
    return made


@transaction.atomic
def pledge_withdraw(*, actor: User, pledge: Pledge, reason: str = "") -> Pledge:
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    PLEDGE.check(actor, pledge, "withdraw")
    PLEDGE.advance(pledge, "withdraw")
    pledge.save(update_fields=["status"])
    record(actor=actor, action="pledge.withdraw", target=pledge, after={"status": pledge.status, "reason": reason})
    return pledge


@transaction.atomic
def pledges_expire(*, today: dt.date | None = None) -> int:
    """Pledges on standby past their validity expire (the system, on the worker's schedule)."""
    today = today or timezone.localdate()
    expired = 0
    for pledge in Pledge.objects.select_for_update().filter(status=Pledge.Status.STANDBY, valid_until__lt=today):
        PLEDGE.check(SYSTEM, pledge, "expire")
        PLEDGE.advance(pledge, "expire")
        pledge.save(update_fields=["status"])
        record(actor=SYSTEM, action="pledge.expire", target=pledge, after={"status": pledge.status})
        expired += 1
    return expired


@transaction.atomic
def pledge_activate(
    *,
    actor: User,
    pledge: Pledge,
    quantity: Any,
    request: AssistanceRequest | None = None,
    price_minor: int | None = None,
    currency: str = "",
) -> Activation:
    """Turn (part of) a standby pledge into an open offer of the exchange, through its services, in reply to a
    request if given. The pledge's row is locked first, so two activations at once cannot take the same units.

    A pledge has no price: a sale pledge's offer takes the `price_minor` and `currency` given here (the price of the
    whole offer, in minor units, as an offer's price is), which a sale needs and other terms refuse. The exchange
    judges them (`offer_price`, as `offer_create` does), among the problems of the quantity, before anything is
    written."""
    pledge = Pledge.objects.select_for_update().select_related("plan", "origin_site").get(pk=pledge.pk)
    PLEDGE.check(actor, pledge, "activate")
    problems = Problems()
    amount = _whole(problems, quantity, "quantity", _("The quantity"))
    if amount is not None and amount > pledge.remaining:
        problems.add(_("Only %(n)s of this pledge remain.") % {"n": pledge.remaining}, "quantity")
    problems.collect(lambda: exchange.offer_price(terms=pledge.terms, price_minor=price_minor, currency=currency))
    problems.raise_any()
    assert amount is not None
    today = timezone.localdate()
    ready = max(today, pledge.valid_from) + dt.timedelta(days=pledge.notice_days)
    line = exchange.LineInput(
        quantity=amount,
        item=pledge.item.code if pledge.item else None,
        capability=pledge.capability.code if pledge.capability else None,
        available_from=ready,
        available_until=pledge.valid_until if pledge.valid_until and pledge.valid_until >= ready else None,
        origin_site=pledge.origin_site.code,
        notes=_("From standby pledge %(n)s; notice to move %(days)s days.")
        % {"n": pledge.pk, "days": pledge.notice_days},
    )
    on_behalf = pledge.owner_nation if actor.is_centre and pledge.owner_nation_id else None
    offer = exchange.offer_create(
        actor=actor,
        title=_("Standby pledge activated: %(what)s") % {"what": pledge.what},
        lines=[line],
        in_reply_to=request,
        terms=pledge.terms,
        price_minor=price_minor,
        currency=currency,
        releasability=pledge.releasability,
        release_to=[n.code for n in pledge.release_to.all()],
        on_behalf_of=on_behalf,
        publish=True,
    )
    pledge.remaining -= amount
    if pledge.remaining == 0:
        pledge.status = Pledge.Status.USED
    pledge.save(update_fields=["remaining", "status"])
    activation = Activation.objects.create(pledge=pledge, offer=offer, quantity=amount, activated_by=actor)
    record(
        actor=actor,
        action="pledge.activate",
        target=pledge,
        after={"quantity": amount, "offer": offer.pk, "remaining": pledge.remaining, "status": pledge.status},
    )
    return activation


# --- own stock -------------------------------------------------------------------------------------------


@transaction.atomic
def own_stock_declare(
    *, actor: Any, item: str, quantity: Any, as_of: dt.date | None = None, nation: Nation | None = None
) -> OwnStock:
    """A nation's own stock of an item, for the simulation: releasable to the centre only."""
    _require(may_pledge(actor) or is_system(actor))
    owner = _owner(actor, nation)
    if not owner["owner_nation_id"]:
        raise PermissionDenied(_("Only a nation declares its own stock."))
    problems = Problems()
    found = Item.objects.filter(code=item).first()
    if found is None:
        problems.add(_("Unknown item %(code)s.") % {"code": item}, "item")
    amount = _whole(problems, quantity, "quantity", _("The quantity"), minimum=0)
    problems.raise_any()
    stock, _created = OwnStock.objects.update_or_create(
        owner_nation_id=owner["owner_nation_id"],
        item=found,
        defaults={"quantity": amount, "as_of": as_of or timezone.localdate(), "releasability": Releasability.NAMED},
    )
    record(actor=actor, action="ownstock.declare", target=stock, after={"item": item, "quantity": amount})
    return stock


# --- scenarios -----------------------------------------------------------------------------------------


SEIR_KEYS = {
    "rt": None,
    "hospital_rate": (0, 1),
    "icu_rate": (0, 1),
    "hospital_days": (0, 365),
    "icu_days": (0, 365),
    "incubation_days": (0, 60),
    "infectious_days": (0, 60),
    "infected_share": (0, 1),
}
# What each figure of a scenario is, in a planner's words: the services' messages and the scenario form's labels.
PARAMETER_LABELS = {
    "rt": gettext_lazy("Reproduction number (Rt)"),
    "infected_share": gettext_lazy("Infectious on the first day (share of the population)"),
    "hospital_rate": gettext_lazy("Admitted to hospital (share of infections)"),
    "icu_rate": gettext_lazy("Need intensive care (share of infections)"),
    "hospital_days": gettext_lazy("Days in hospital"),
    "icu_days": gettext_lazy("Days in intensive care"),
    "incubation_days": gettext_lazy("Incubation period (days)"),
    "infectious_days": gettext_lazy("Infectious period (days)"),
    "rt_spread": gettext_lazy("Uncertainty of Rt (± share)"),
    "rate_spread": gettext_lazy("Uncertainty of the hospital and intensive care shares (± share)"),
    "shift_days": gettext_lazy("Uncertainty of the peak's timing (± days)"),
}
# Without these the engine has no admissions to count (the other SEIR figures have defaults).
SEIR_NEEDED = ("hospital_rate", "icu_rate")


def check_parameters(problems: Problems, parameters: dict[str, Any], *, kind: str, horizon: int) -> None:
    """Every fault of a scenario's parameters: its nations, its SEIR figures and its uncertainty ranges."""
    nations = parameters.get("nations") or []
    if not isinstance(nations, list) or not nations:
        problems.add(_("Name at least one affected nation."), "nations")
        nations = []
    codes = [str(n.get("code", "")).upper() for n in nations if isinstance(n, dict)]
    known = set(Nation.objects.filter(code__in=codes).values_list("code", flat=True))
    for code in codes:
        if code not in known:
            problems.add(_("Unknown nation %(code)s.") % {"code": code or "—"}, "nations")
    for entry in nations:
        code = entry.get("code", "")
        for key in ("lat", "lon"):
            try:
                float(entry[key])
            except (KeyError, TypeError, ValueError):
                what = _("latitude") if key == "lat" else _("longitude")
                problems.add(_("Nation %(code)s: give its %(what)s.") % {"code": code, "what": what}, "nations")
        if kind == WaveScenario.Kind.SEIR:
            population = entry.get("population")
            if not isinstance(population, (int, float)) or population <= 0:
                problems.add(
                    _("Nation %(code)s: the population must be greater than zero.") % {"code": code}, "nations"
                )
            _check_rt(problems, entry.get("rt"), code)
    if kind == WaveScenario.Kind.SEIR:
        seir = parameters.get("seir") or {}
        _check_rt(problems, seir.get("rt"), "", required=True)
        for key in SEIR_NEEDED:
            if key not in seir and any(isinstance(n, dict) and key not in n for n in nations):
                problems.add(_("%(name)s is needed.") % {"name": PARAMETER_LABELS[key]}, key)
        for key, bounds in SEIR_KEYS.items():
            if bounds is None or key not in seir:
                continue
            value = seir[key]
            low, high = bounds
            label = PARAMETER_LABELS[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
                problems.add(
                    _("%(name)s must be between %(low)s and %(high)s.")
                    % {"name": label, "low": formatting.number(low), "high": formatting.number(high)},
                    key,
                )
            elif key.endswith("_days") and value <= 0:
                problems.add(_("%(name)s must be greater than zero.") % {"name": label}, key)
    spread = parameters.get("uncertainty") or {}
    limits: tuple[tuple[str, float], ...] = (("rt_spread", 0.99), ("rate_spread", 0.99), ("shift_days", 90))
    for name, most in limits:
        given = spread.get(name, 0)
        if not isinstance(given, (int, float)) or isinstance(given, bool) or not 0 <= given <= most:
            problems.add(
                _("%(name)s must be between 0 and %(high)s.")
                % {"name": PARAMETER_LABELS[name], "high": formatting.number(most)},
                name,
            )
    if not 1 <= horizon <= MAX_HORIZON:
        problems.add(_("The horizon must be 1 to %(n)s days.") % {"n": MAX_HORIZON}, "horizon_days")


def _check_rt(problems: Problems, rt: Any, code: str, *, required: bool = False) -> None:
    if rt is None and not required:
        return
    where = _("Nation %(code)s: ") % {"code": code} if code else ""
    if not isinstance(rt, list) or not rt:
        problems.add(where + _("give Rt from day 0, as [[day, Rt], ...]."), "rt")
        return
    days = []
    for pair in rt:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            problems.add(where + _("give Rt from day 0, as [[day, Rt], ...]."), "rt")
            return
        day, value = pair
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            problems.add(where + _("Rt must be greater than zero."), "rt")
        days.append(day)
    if days[0] != 0 or days != sorted(set(days)):
        problems.add(where + _("Rt changes start on day 0 and come in order of day."), "rt")


def parse_curve(problems: Problems, text: str, nations: Iterable[str]) -> dict[str, dict[str, list[float]]]:
    """An uploaded occupancy curve: CSV rows of `nation,day,hospital,icu` (day 0 first), every problem listed."""
    import csv
    import io

    expected = {"nation", "day", "hospital", "icu"}
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if set(header) != expected:
        problems.add(_("The curve needs the columns nation, day, hospital, icu."), "curve")
        return {}
    at = {name: header.index(name) for name in expected}
    curve: dict[str, dict[int, tuple[float, float]]] = {}
    allowed = set(nations)
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            code = row[at["nation"]].strip().upper()
            day = int(row[at["day"]])
            hosp, icu = float(row[at["hospital"]]), float(row[at["icu"]])
        except (IndexError, ValueError):
            problems.add(
                _("Curve row %(n)s: give a nation code, a whole day and two numbers.") % {"n": number}, "curve"
            )
            continue
        if code not in allowed:
            problems.add(_("Curve row %(n)s: unknown nation %(code)s.") % {"n": number, "code": code}, "curve")
        if day < 0 or day > MAX_HORIZON or hosp < 0 or icu < 0 or hosp != hosp or icu != icu:
            problems.add(_("Curve row %(n)s: day or occupancy out of range.") % {"n": number}, "curve")
            continue
        curve.setdefault(code, {})[day] = (hosp, icu)
    out = {}
    for code, days in curve.items():
        last = max(days)
        if sorted(days) != list(range(last + 1)):
            problems.add(
                _("Curve of %(code)s: every day from 0 to %(last)s is needed.") % {"code": code, "last": last}, "curve"
            )
        out[code] = {
            "hospital": [days.get(d, (0.0, 0.0))[0] for d in range(last + 1)],
            "icu": [days.get(d, (0.0, 0.0))[1] for d in range(last + 1)],
        }
    return out


@transaction.atomic
def scenario_create(
    *,
    actor: Any,
    name: str,
    incident: str,
    start: dt.date,
    parameters: dict[str, Any],
    kind: str = WaveScenario.Kind.SEIR,
    horizon_days: int = 180,
    curve_csv: str = "",
    source: str = "",
    illustrative: bool = True,
    releasability: str = Releasability.ALLIES_AND_PARTNERS,
    scenario_key: str = "",
) -> WaveScenario:
    _require(may_plan(actor) or is_system(actor))
    problems = Problems()
    if not (name or "").strip():
        problems.add(_("Give the scenario a name."), "name")
    if kind not in WaveScenario.Kind.values:
        problems.add(_("Unknown kind: %(value)s.") % {"value": kind}, "kind")
    check_parameters(problems, parameters, kind=kind, horizon=horizon_days)
    curve: dict[str, Any] = {}
    if kind == WaveScenario.Kind.CURVE:
        codes = [str(n.get("code", "")).upper() for n in parameters.get("nations") or [] if isinstance(n, dict)]
        curve = parse_curve(problems, curve_csv, codes)
        if not curve and not problems:
            problems.add(_("The curve has no rows."), "curve")
    _releasability(problems, releasability, None)
    problems.raise_any()
    scenario = WaveScenario.objects.create(
        **_owner(actor),
        name=name.strip()[:200],
        incident=(incident or "").strip()[:100],
        kind=kind,
        start=start,
        horizon_days=horizon_days,
        parameters=parameters,
        curve=curve,
        source=(source or "")[:500],
        illustrative=illustrative,
        releasability=releasability,
        created_by=None if is_system(actor) else actor,
        scenario_key=scenario_key,
    )
    record(actor=actor, action="wave.create", target=scenario, after=snapshot(scenario, exclude=("curve",)))
    return scenario


# --- runs ------------------------------------------------------------------------------------------------


@transaction.atomic
def run_start(
    *,
    actor: Any,
    plan: Plan,
    scenario: WaveScenario,
    runs: Any = 200,
    seed: Any = 0,
    rerun_of: SimulationRun | None = None,
    exact: bool = False,
) -> SimulationRun:
    """Queue a simulation; the worker builds its input from what the actor may see, and runs it (runs.py).
    A re-run takes the plan as it is now, or (`exact`) simulates the same stored input again."""
    from aidx.preparedness.tasks import execute_simulation

    _require(may_simulate(actor))
    if rerun_of is not None:
        RUN.check(actor, rerun_of, "rerun")
    problems = Problems()
    if not may_see(actor, plan):
        problems.add(_("Unknown plan."), "plan")
    if not may_see(actor, scenario):
        problems.add(_("Unknown scenario."), "scenario")
    count = _whole(problems, runs, "runs", _("The number of runs"))
    if count is not None and count > MAX_RUNS:
        problems.add(_("At most %(n)s runs.") % {"n": MAX_RUNS}, "runs")
    try:
        seed_value = int(seed)
    except (TypeError, ValueError):
        problems.add(_("The seed must be a whole number."), "seed")
        seed_value = 0
    problems.raise_any()
    run = SimulationRun.objects.create(
        **_owner(actor),
        releasability=Releasability.NAMED,  # to no one: its owner and the centre
        plan=plan,
        scenario=scenario,
        runs=count or 0,
        seed=seed_value,
        created_by=actor,
        rerun_of=rerun_of,
        problem=rerun_of.problem if rerun_of is not None and exact else None,
    )
    record(actor=actor, action="simrun.start", target=run, after=snapshot(run, exclude=("problem", "result")))
    transaction.on_commit(lambda: execute_simulation.enqueue(run.pk))
    return run


@transaction.atomic
def run_cancel(*, actor: User, run: SimulationRun) -> SimulationRun:
    run = SimulationRun.objects.select_for_update().get(pk=run.pk)
    RUN.check(actor, run, "cancel")
    if run.status == SimulationRun.Status.RUNNING:
        run.cancel_requested = True  # the worker stops at its next progress report
    else:
        run.status, run.finished_at = SimulationRun.Status.CANCELLED, timezone.now()
    run.save(update_fields=["status", "finished_at", "cancel_requested"])
    record(actor=actor, action="simrun.cancel", target=run, after={"status": run.status})
    return run
