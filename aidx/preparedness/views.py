"""Pages of preparedness: plans, a plan with its pledges and totals, a pledge and its activation, a simulation
run with its fan chart, heat map and largest gaps, a comparison of two runs, exports, and a printable view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.assistance.models import AssistanceRequest, Offer
from aidx.catalogue.models import CapabilityType, Item
from aidx.core import formatting
from aidx.core.errors import BusinessError
from aidx.core.exports import FORMATS, Column, response
from aidx.core.forms import show_problems
from aidx.nations.models import country_name
from aidx.nations.policy import get_visible_or_404
from aidx.preparedness import selectors, services, transfer
from aidx.preparedness.forms import (
    ActivateForm,
    PlanForm,
    PledgeForm,
    RunForm,
    ScenarioForm,
    nation_formset,
    rate_formset,
    typed,
)
from aidx.preparedness.models import Plan, Pledge
from aidx.preparedness.workflow import PLAN, PLEDGE, RUN, may_plan, may_pledge, may_simulate


@login_required
def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "preparedness/plan_list.html",
        {
            "plans": selectors.plans(user),
            "scenarios": selectors.scenarios(user),
            "runs": selectors.runs(user)[:20],
            "may_plan": may_plan(user),  # the workflow's rule: who drafts plans and writes scenarios
        },
    )


def _place(error: BusinessError, rows: Any, sent: list[Any], name: str, form: Any = None) -> None:
    """Each problem of a service's error where it belongs: `<name>.N` on the N-th row sent, `<name>` above the
    rows, a field of `form` on it (unless the form found it wrong already), anything else above the form (or the
    rows, when there is no form)."""
    judged = set(form.errors) if form is not None else set()  # what the form found wrong keeps the form's word
    for problem in error.problems:
        field, message = problem.field or "", str(problem.message)
        if field.startswith(name + "."):
            number = field.split(".", 1)[1]
            if number.isdigit() and 0 < int(number) <= len(sent):
                sent[int(number) - 1].add_error(None, message)
                continue
        if field == name or form is None:
            rows.non_form_errors().append(message)
        elif field in form.fields:
            if field not in judged:
                form.add_error(field, message)
        else:
            form.add_error(None, message)


@login_required
def plan_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A first draft of an operational plan, for those the plan's workflow admits (the centre's coordinators)."""
    user = request.user
    if not may_plan(user):
        raise Forbidden
    form = PlanForm(request.POST or None)
    if request.method == "POST":
        valid = form.is_valid()
        try:
            # The service judges what parsed even when something did not, so every problem shows at once; then
            # nothing it wrote is kept.
            with transaction.atomic():
                plan = services.plan_create(actor=user, **form.service_input())
                if not valid:
                    transaction.set_rollback(True)
        except BusinessError as error:
            show_problems(form, error)
        else:
            if valid:
                messages.success(request, _("The plan is drafted. Now give its consumption rates."))
                return redirect("preparedness:plan", pk=plan.pk)
    return render(request, "preparedness/plan_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def scenario_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A wave scenario: a SEIR model's figures or a pasted occupancy curve. From a plan's page (`?plan=`) it
    starts from the plan's incident and leads back there, where the scenario can be run against the plan."""
    user = request.user
    if not may_plan(user):
        raise Forbidden
    number = request.GET.get("plan", "")
    plan = selectors.plan(user, int(number)) if number.isdigit() else None
    form = ScenarioForm(request.POST or None, initial={"incident": plan.incident} if plan else None)
    nations = nation_formset(request.POST or None)
    status = 200
    if request.method == "POST" and "more" in request.POST:
        # Draw what was typed again with more blank rows: judging a half-written form would only show noise.
        form = ScenarioForm(initial=typed(form))
        nations = nation_formset(initial=[typed(row) for row in nations.forms])
    elif request.method == "POST":
        valid = form.is_valid()
        valid = nations.is_valid() and valid
        sent = [row for row in nations.forms if not row.errors and not row.is_blank]
        try:
            with transaction.atomic():
                scenario = services.scenario_create(actor=user, **form.service_input(sent))
                if not valid:
                    transaction.set_rollback(True)
        except BusinessError as error:
            _place(error, nations, sent, "nations", form)
        else:
            if valid:
                messages.success(request, _("The wave scenario “%(name)s” is recorded.") % {"name": scenario.name})
                if plan is not None:
                    return redirect("preparedness:plan", pk=plan.pk)
                return redirect("preparedness:plans")
        status = 400
    return render(
        request,
        "preparedness/scenario_form.html",
        {"form": form, "nations": nations, "plan": plan, "example": CURVE_EXAMPLE},
        status=status,
    )


# What a pasted curve looks like (the format `services.parse_curve` reads), shown on the scenario form.
CURVE_EXAMPLE = "nation,day,hospital,icu\nITA,0,1200,150\nITA,1,1260,158\nITA,2,1330,166\nESP,0,900,110\nESP,1,950,116"


@login_required
def plan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = selectors.plan(user, pk)
    filters = {key: request.GET.get(key) or None for key in ("nation", "kind", "status", "item")}
    pledge_form = PledgeForm(prefix="pledge")
    run_form = RunForm(user=user, incident=plan.incident)
    may_set_rates = PLAN.allows(user, plan, "rates")  # a draft's rates, by whom the plan's workflow admits
    rates = rate_formset(plan) if may_set_rates else None
    status = 200
    if request.method == "POST":
        if "rates-TOTAL_FORMS" in request.POST:
            rates, status = _rates_post(request, plan, may_set_rates)
            if rates is None:
                messages.success(request, _("The consumption rates are saved."))
                return redirect("preparedness:plan", pk=plan.pk)
        elif "pledge-quantity" in request.POST:
            pledge_form = PledgeForm(request.POST, prefix="pledge")
            if pledge_form.is_valid():
                try:
                    services.pledges_create(actor=user, plan=plan, **pledge_form.service_input())
                except BusinessError as error:
                    pledge_form.add_errors(error)
                else:
                    messages.success(request, _("The pledge is recorded."))
                    return redirect("preparedness:plan", pk=plan.pk)
            status = 400
        else:
            run_form = RunForm(request.POST, user=user, incident=plan.incident)
            if run_form.is_valid():
                try:
                    run = services.run_start(actor=user, plan=plan, **run_form.service_input())
                except BusinessError as error:
                    show_problems(run_form, error)
                else:
                    return redirect("preparedness:run", pk=run.pk)
            status = 400
    pledges = selectors.pledges(user, plan=plan, **filters)
    return render(
        request,
        "preparedness/plan_detail.html",
        {
            "plan": plan,
            "rates": selectors.consumption_rates(plan),
            "rates_form": rates if may_set_rates else None,
            "may_plan": may_plan(user),
            "totals": _named_totals(selectors.pledge_totals(user, plan)),
            "pledges": pledges,
            "filters": filters,
            "pledge_form": pledge_form if may_pledge(user) else None,
            "run_form": run_form if may_simulate(user) else None,
            "runs": selectors.runs(user, plan=plan)[:10],
            "buttons": PLAN.buttons(
                user, plan, lambda name: reverse("preparedness:plan_action", args=[plan.pk, name]), exclude=["rates"]
            ),
            "formats": FORMATS,
        },
        status=status,
    )


def _rates_post(request: AuthenticatedHttpRequest, plan: Plan, allowed: bool) -> tuple[Any, int]:
    """The posted rates form: (None, 200) when the rates are saved, else the form to draw again and the answer's
    status. Blank rows are left out; each problem shows on the row it was typed in."""
    rates = rate_formset(plan, request.POST)
    if "more" in request.POST:  # more blank rows, nothing judged
        return rate_formset(plan, initial=[typed(row) for row in rates.forms]), 200
    valid = rates.is_valid()
    sent = [(number, row) for number, row in enumerate(rates.forms, start=1) if not row.errors and not row.is_blank]
    try:
        with transaction.atomic():
            services.rates_set(actor=request.user, plan=plan, rates=[row.rate_input(number) for number, row in sent])
            if not valid:
                transaction.set_rollback(True)
    except BusinessError as error:
        if error.status in (403, 409) or not allowed:  # refused as a whole: who may, or not in this state
            messages.error(request, str(error.message))
            return rates, error.status
        _place(error, rates, [row for _number, row in sent], "rates")
        return rates, 400
    return (None, 200) if valid else (rates, 400)


def _named_totals(totals: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    capabilities = {c.code: str(c) for c in CapabilityType.objects.all()}
    for row in totals["by_what"]:
        if row["item__code"]:
            row["name"] = str(
                Item(
                    code=row["item__code"],
                    name_en=row["item__name_en"],
                    name_nb=row["item__name_nb"],
                    name_nn=row["item__name_nn"],
                )
            )
        else:
            row["name"] = capabilities.get(row["capability__code"], row["capability__code"])
    for row in totals["by_nation"]:
        row["name"] = (
            country_name(row["owner_nation_id"]) if row["owner_nation_id"] else row["owner_organisation__code"]
        )
    return totals


@login_required
@require_POST
def plan_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    plan = selectors.plan(user, pk)
    try:
        if action == "agree":
            services.plan_agree(actor=user, plan=plan)
            messages.success(request, _("The plan is agreed."))
        elif action == "new_version":
            plan = services.plan_new_version(actor=user, plan=plan)
            messages.success(request, _("A new draft version is started."))
        else:
            raise Http404
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("preparedness:plan", pk=plan.pk)


@login_required
def pledge_export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> Any:
    user = request.user
    plan = selectors.plan(user, pk)
    if fmt not in FORMATS:
        raise Http404
    rows = selectors.pledges(user, plan=plan, **{k: request.GET.get(k) or None for k in ("nation", "kind", "status")})
    return response(fmt, transfer.PLEDGE_COLUMNS, rows, stem=f"pledges-{plan.incident}-v{plan.version}", hxl=True)


@login_required
def pledge_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload pledges (CSV or XLSX) in two steps, as the exchange's import: a preview of every row, with every
    problem listed and nothing written; then "Record" writes them all (checked again) or none."""
    user = request.user
    plan = selectors.plan(user, pk)
    problems: list[str] = []
    preview: list[dict[str, Any]] | None = None
    token = ""
    releasability = request.POST.get("releasability") or "allies_partners"
    if request.method == "POST":
        try:
            if "preview" in request.POST:
                taken = transfer.take_preview(request.session, plan.pk, request.POST["preview"])
                if taken is None:
                    raise BusinessError(_("This preview is no longer available: upload the file again."))
                rows, releasability = taken
                made = services.pledges_create(
                    actor=user, plan=plan, pledges=rows, rows=True, releasability=releasability
                )
                messages.success(request, _("%(n)s pledges imported.") % {"n": len(made)})
                return redirect("preparedness:plan", pk=plan.pk)
            upload = request.FILES.get("file")
            if upload is None:
                raise BusinessError(_("Choose a file."), field="file")
            rows = transfer.read_pledges(upload)
            preview = services.pledges_preview(actor=user, plan=plan, pledges=rows, releasability=releasability)
            token = transfer.store_preview(request.session, plan.pk, rows, releasability)
        except BusinessError as error:
            problems = [str(problem.message) for problem in error.problems]
            preview = None
    return render(
        request,
        "preparedness/pledge_import.html",
        {"plan": plan, "problems": problems, "preview": preview, "token": token, "releasability": releasability},
        status=400 if problems else 200,
    )


@login_required
def pledge_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _pledge_page(request, selectors.pledge(request.user, pk))


def _pledge_page(
    request: AuthenticatedHttpRequest, pledge: Pledge, activate: ActivateForm | None = None, status: int = 200
) -> HttpResponse:
    """The pledge, its activations, and the actions its workflow allows the user: the activation is drawn as its
    form (with the price and currency of the offer for a sale pledge), the others as buttons."""
    user = request.user
    activations = pledge.activations.select_related("offer").order_by("-activated_at")
    may_activate = PLEDGE.allows(user, pledge, "activate")
    if activate is None and may_activate:
        activate = ActivateForm(sale=pledge.terms == Offer.Terms.SALE)
    return render(
        request,
        "preparedness/pledge_detail.html",
        {
            "pledge": pledge,
            "activations": activations,
            "activate_form": activate if may_activate else None,
            "activate_url": reverse("preparedness:pledge_action", args=[pledge.pk, "activate"]),
            "buttons": PLEDGE.buttons(
                user,
                pledge,
                lambda name: reverse("preparedness:pledge_action", args=[pledge.pk, name]),
                exclude=["activate"],
            ),
        },
        status=status,
    )


@login_required
@require_POST
def pledge_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    pledge = selectors.pledge(user, pk)
    if action == "activate":
        return _pledge_activate(request, pledge)
    if action != "withdraw":
        raise Http404
    try:
        services.pledge_withdraw(actor=user, pledge=pledge, reason=request.POST.get("reason", ""))
        messages.success(request, _("The pledge is withdrawn."))
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("preparedness:pledge", pk=pledge.pk)


def _pledge_activate(request: AuthenticatedHttpRequest, pledge: Pledge) -> HttpResponse:
    """The activation form posted: an open offer, or the pledge's page again with every problem on the form."""
    user = request.user
    form = ActivateForm(request.POST, sale=pledge.terms == Offer.Terms.SALE)
    valid = form.is_valid()
    number = form.cleaned_data.get("request")
    answered = get_visible_or_404(AssistanceRequest.objects.all(), user, pk=number) if number else None
    try:
        # The service judges what parsed even when something did not, so every problem shows at once; then
        # nothing it wrote is kept.
        with transaction.atomic():
            activation = services.pledge_activate(actor=user, pledge=pledge, request=answered, **form.service_input())
            if not valid:
                transaction.set_rollback(True)
    except BusinessError as error:
        if error.status in (403, 409):  # refused as a whole: who may, or not in this state
            messages.error(request, str(error.message))
            return redirect("preparedness:pledge", pk=pledge.pk)
        show_problems(form, error)
    if form.errors:
        return _pledge_page(request, pledge, form, status=400)
    messages.success(request, _("Offer %(n)s is open.") % {"n": activation.offer_id})
    return redirect("preparedness:pledge", pk=pledge.pk)


# --- runs ------------------------------------------------------------------------------------------------


def _weeks(result: dict[str, Any]) -> list[dt.date]:
    start = dt.date.fromisoformat(result["start"])
    return [start + dt.timedelta(days=w * result["step_days"]) for w in range(result["weeks"])]


def _view_of(result: dict[str, Any]) -> dict[str, Any]:
    """What the run page draws: names, the heat map's rows, the gaps in words, the fan chart's series."""
    items = {i.code: str(i) for i in Item.objects.filter(code__in=result["items"])}
    start = dt.date.fromisoformat(result["start"])
    weeks = _weeks(result)
    heat = [
        {
            "nation": country_name(code),
            "cells": [
                {"week": weeks[w], "value": value, "band": None if value is None else min(4, int(value * 5))}
                for w, value in enumerate(result["coverage"][n])
            ],
        }
        for n, code in enumerate(result["nations"])
    ]
    gap_rows = []
    for gap in result["gaps"]:
        day = start + dt.timedelta(days=gap["by_day"])
        if gap["item"] is None:
            text = _("Pledge %(q)s more tonnes a week of airlift by %(day)s.")
            what = _("airlift")
        else:
            text = _("Pledge %(q)s more %(what)s, ready by day %(n)s (%(day)s).")
            what = items.get(gap["item"], gap["item"])
        gap_rows.append(
            {
                **gap,
                "what": what,
                "nations": [country_name(c) for c in gap["nations"][:5]],
                "day": day,
                "close": text
                % {
                    "q": formatting.number(gap["quantity"]),
                    "what": what,
                    "n": gap["by_day"],
                    "day": formatting.day(day),
                },
            }
        )
    fan = {
        "labels": [w.isoformat() for w in weeks],
        "items": [
            {"code": code, "name": items.get(code, code), "p10": bands[0], "p50": bands[1], "p90": bands[2]}
            for code, *bands in (
                (code, *(result["item_shortfall"][k][j] for k in range(3))) for j, code in enumerate(result["items"])
            )
        ],
        "labels_text": {"p10": "P10", "p50": _("median (P50)"), "p90": "P90"},
    }
    return {"items": items, "weeks": weeks, "heat": heat, "gaps": gap_rows, "fan": fan}


@login_required
def run_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    run = selectors.run(user, pk)
    context: dict[str, Any] = {
        "run": run,
        "buttons": RUN.buttons(user, run, lambda name: reverse("preparedness:run_action", args=[run.pk, name])),
        "formats": FORMATS,
    }
    if run.result:
        context.update(_view_of(run.result))
    template = "preparedness/run_print.html" if request.GET.get("print") else "preparedness/run_detail.html"
    return render(request, template, context)


@login_required
def run_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    run = selectors.run(request.user, pk, with_result=False)
    reply = render(request, "preparedness/progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        reply["HX-Refresh"] = "true"
    return reply


@login_required
@require_POST
def run_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    run = selectors.run(user, pk, with_result=False)
    try:
        if action == "cancel":
            services.run_cancel(actor=user, run=run)
            messages.success(request, _("The run is cancelled."))
        elif action == "rerun":
            again = services.run_start(
                actor=user, plan=run.plan, scenario=run.scenario, runs=run.runs, seed=run.seed, rerun_of=run
            )
            return redirect("preparedness:run", pk=again.pk)
        else:
            raise Http404
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("preparedness:run", pk=run.pk)


RUN_COLUMNS = [
    Column("nation", lambda r: r[0], "#country +code +v_iso3"),
    Column("item", lambda r: r[1], "#item +code"),
    Column("week_starting", lambda r: r[2], "#date +start"),
    Column("demand", lambda r: r[3], "#need"),
    Column("covered", lambda r: r[4], "#capacity +covered"),
    Column("shortfall", lambda r: r[5], "#need +unmet"),
]


@login_required
def run_export(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> Any:
    run = selectors.run(request.user, pk)
    if fmt not in FORMATS or not run.result:
        raise Http404
    result = run.result
    weeks = _weeks(result)
    rows = (
        (nation, item, weeks[w], result["demand"][n][j][w], result["covered"][n][j][w], result["shortfall"][n][j][w])
        for n, nation in enumerate(result["nations"])
        for j, item in enumerate(result["items"])
        for w in range(result["weeks"])
        if result["demand"][n][j][w]
    )
    return response(fmt, RUN_COLUMNS, rows, stem=f"simulation-{run.pk}", hxl=True)


@login_required
def run_compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two runs side by side (of the same plan, or of two versions): the headline, and the gap of each item."""
    user = request.user
    ids = [request.GET.get("a", ""), request.GET.get("b", "")]
    if not all(i.isdigit() for i in ids):
        raise Http404
    a, b = (selectors.run(user, int(i)) for i in ids)
    rows = []
    if a.result and b.result:
        items = {i.code: str(i) for i in Item.objects.filter(code__in=set(a.result["items"]) | set(b.result["items"]))}

        def totals(result: dict[str, Any]) -> dict[str, int]:
            return {
                code: sum(sum(weeks) for weeks in (nation[j] for nation in result["shortfall"]))
                for j, code in enumerate(result["items"])
            }

        ta, tb = totals(a.result), totals(b.result)
        rows = [
            {"name": items.get(code, code), "a": ta.get(code), "b": tb.get(code)} for code in sorted(set(ta) | set(tb))
        ]
    return render(request, "preparedness/run_compare.html", {"a": a, "b": b, "rows": rows})
