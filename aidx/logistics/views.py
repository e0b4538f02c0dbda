from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.accounts.models import Role
from aidx.assistance.models import Allocation
from aidx.core.errors import BusinessError
from aidx.core.paging import page_of, query_without_page
from aidx.logistics import planning, selectors, services
from aidx.logistics.models import Leg, Mission, PlanRun
from aidx.nations.policy import viewer_for


def _visible_mission(request: HttpRequest, mission_id: int) -> Mission:
    mission = selectors.missions_visible_to(viewer_for(request.user)).filter(pk=mission_id).first()
    if mission is None:
        raise Http404
    return mission


def _arcs(legs: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "from": [float(leg.origin.latitude), float(leg.origin.longitude)],
            "to": [float(leg.destination.latitude), float(leg.destination.longitude)],
            "label": f"{leg.origin} → {leg.destination}",
            "status": leg.status,
        }
        for leg in legs
    ]


@login_required
def mission_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") if request.GET.get("status") in Mission.Status.values else None
    viewer = viewer_for(request.user)
    page = page_of(
        request,
        selectors.missions_visible_to(viewer, status=status).prefetch_related("legs__origin", "legs__destination"),
    )
    return render(
        request,
        "logistics/mission_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Mission.Status.choices,
            "query": query_without_page(request),
            "may_plan": request.user.has_role(Role.LOGISTICS, Role.COORDINATOR),
        },
    )


@login_required
def mission_detail(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = _visible_mission(request, mission_id)
    legs = selectors.mission_legs(mission)
    nation = request.user.acting_nation_id
    awaiting = [
        load
        for leg in legs
        for load in leg.manifest
        if load.unload_leg_id == leg.pk
        and leg.status == Leg.Status.LANDED
        and load.allocation.status == Allocation.Status.SHIPPED
        and load.allocation.request_line.request.owner_nation_id == nation
    ]
    next_leg = next((leg for leg in legs if leg.status != Leg.Status.LANDED), None)
    return render(
        request,
        "logistics/mission_detail.html",
        {
            "mission": mission,
            "legs": legs,
            "next_leg": next_leg,
            "may_operate": services.may_operate(request.user, mission.aircraft),
            "awaiting_receipt": awaiting,
            "arcs": _arcs(legs),
        },
    )


@login_required
@require_POST
def mission_action(request: HttpRequest, mission_id: int) -> HttpResponse:
    mission = _visible_mission(request, mission_id)
    action = request.POST.get("action", "")
    actor = request.user
    try:
        if action == "approve":
            services.mission_approve(actor=actor, mission=mission)
            messages.success(request, _("The mission is approved."))
        elif action == "cancel":
            services.mission_cancel(actor=actor, mission=mission, reason=request.POST.get("reason", ""))
            messages.success(request, _("The mission is cancelled."))
        elif action in ("depart", "land"):
            leg = mission.legs.filter(pk=request.POST.get("leg") or 0).first()
            if leg is None:
                raise Http404
            if action == "depart":
                services.leg_depart(actor=actor, leg=leg)
                messages.success(request, _("Airborne: %(leg)s.") % {"leg": leg})
            else:
                services.leg_land(actor=actor, leg=leg)
                messages.success(request, _("Landed: %(leg)s.") % {"leg": leg})
        elif action == "receipt":
            delivered = services.receipt_confirm(actor=actor, mission=mission)
            messages.success(request, _("Receipt confirmed: %(n)s allocations delivered.") % {"n": delivered})
        elif action == "drop_load":
            load = mission.loads.filter(pk=request.POST.get("load") or 0).first()
            if load is None:
                raise Http404
            services.load_drop(actor=actor, load=load)
            messages.success(request, _("The load is off the mission."))
        else:
            raise BusinessError(_("Unknown action."))
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("logistics:mission", mission_id=mission.pk)


@login_required
def fleet(request: HttpRequest) -> HttpResponse:
    pools = [(pool, selectors.pool_hours(pool)) for pool in selectors.pools()]
    return render(request, "logistics/fleet.html", {"aircraft": selectors.fleet(), "pools": pools})


@login_required
def planner(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            limit = float(request.POST.get("time_limit", "10").replace(",", "."))
        except ValueError:
            limit = -1
        try:
            run = planning.plan_run_start(actor=request.user, time_limit=limit)
        except BusinessError as error:
            messages.error(request, str(error.message))
        else:
            return redirect("logistics:run", run_id=run.pk)
    runs = selectors.runs_visible_to(viewer_for(request.user))[:20]
    return render(
        request,
        "logistics/planner.html",
        {"runs": runs, "may_plan": request.user.has_role(Role.LOGISTICS, Role.COORDINATOR)},
    )


def _visible_run(request: HttpRequest, run_id: int) -> PlanRun:
    run = selectors.runs_visible_to(viewer_for(request.user)).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


def _run_context(run: PlanRun) -> dict[str, Any]:
    arcs = [
        {
            "from": leg["from"],
            "to": leg["to"],
            "label": f"{m['aircraft_label']}: {leg['from_name']} → {leg['to_name']}",
            "status": "dropped" if m["dropped"] else "planned",
        }
        for m in run.proposal.get("missions", [])
        for leg in m["legs"]
    ]
    return {"run": run, "proposal": run.proposal, "arcs": arcs}


@login_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    return render(request, "logistics/run_detail.html", _run_context(run))


@login_required
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run's section, polled by htmx every 2 s while the planner works."""
    run = _visible_run(request, run_id)
    return render(request, "logistics/_run.html", _run_context(run))


@login_required
@require_POST
def run_action(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    action = request.POST.get("action", "")
    try:
        if action == "cancel":
            planning.plan_run_cancel(actor=request.user, run=run)
            messages.success(request, _("The planner run is cancelled."))
        elif action == "edit":
            drop_missions = [int(n) for n in request.POST.getlist("drop_mission") if n.isdigit()]
            planning.plan_run_edit(
                actor=request.user, run=run, drop_missions=drop_missions, drop_loads=request.POST.getlist("drop_load")
            )
            messages.success(request, _("The proposal is updated."))
        elif action == "approve":
            created = planning.plan_run_approve(actor=request.user, run=run)
            messages.success(request, _("%(n)s missions approved.") % {"n": len(created)})
            if len(created) == 1:
                return redirect("logistics:mission", mission_id=created[0].pk)
            return redirect("logistics:missions")
        else:
            raise BusinessError(_("Unknown action."))
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("logistics:run", run_id=run.pk)


@login_required
def deployment_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    page = page_of(request, selectors.deployments_visible_to(viewer))
    return render(request, "logistics/deployment_list.html", {"page": page, "query": query_without_page(request)})


@login_required
@require_POST
def deployment_action(request: HttpRequest, deployment_id: int) -> HttpResponse:
    deployment = selectors.deployments_visible_to(viewer_for(request.user)).filter(pk=deployment_id).first()
    if deployment is None:
        raise Http404
    try:
        if request.POST.get("action") == "arrive":
            services.deployment_arrive(actor=request.user, deployment=deployment)
        elif request.POST.get("action") == "return":
            services.deployment_return(actor=request.user, deployment=deployment)
        else:
            raise BusinessError(_("Unknown action."))
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("logistics:deployments")
