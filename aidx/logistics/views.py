from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.core import exports
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.core.exports import Column
from aidx.core.paging import page_of, query_without_page
from aidx.logistics import forms, maps, planning, selectors, services
from aidx.logistics.models import Deployment, Leg, Mission, PlanRun
from aidx.logistics.workflow import DEPLOYMENT, MISSION, PLAN_RUN, awaiting_receipt, may_plan
from aidx.nations.policy import viewer_for


def _visible_mission(request: AuthenticatedHttpRequest, mission_id: int) -> Mission:
    mission = selectors.missions_visible_to(viewer_for(request.user)).filter(pk=mission_id).first()
    if mission is None:
        raise Http404
    return mission


MISSION_COLUMNS = [
    Column("id", "pk", "#activity +id"),
    Column("aircraft", lambda mission: str(mission.aircraft), "#item +aircraft"),
    Column("status", "status", "#status"),
    Column("route", lambda mission: " > ".join(_route(mission)), "#loc +route"),
    Column("departs", lambda mission: mission.legs.all()[0].etd if mission.legs.all() else None, "#date +start"),
    Column("notes", "notes", "#meta +notes"),
]
DEPLOYMENT_COLUMNS = [
    Column("id", "pk", "#activity +id"),
    Column("status", "status", "#status"),
    Column("site", "site__code", "#loc +code"),
    Column("from", "starts", "#date +start"),
    Column("until", "ends", "#date +end"),
    Column("doctors", "doctors", "#reached +doctors"),
    Column("nurses", "nurses", "#reached +nurses"),
    Column("beds", "beds", "#capacity +beds"),
    Column("icu_beds", "icu_beds", "#capacity +icu_beds"),
]


def _route(mission: Mission) -> list[str]:
    legs = list(mission.legs.all())
    return [legs[0].origin.code, *(leg.destination.code for leg in legs)] if legs else []


@login_required
def mission_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    status = request.GET.get("status") if request.GET.get("status") in Mission.Status.values else None
    viewer = viewer_for(request.user)
    if file := exports.for_list(
        request,
        MISSION_COLUMNS,
        selectors.missions_visible_to(viewer, status=status).prefetch_related("legs__origin", "legs__destination"),
        stem="missions",
    ):
        return file
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
            "may_plan": may_plan(request.user),
        },
    )


@login_required
def mission_detail(request: AuthenticatedHttpRequest, mission_id: int) -> HttpResponse:
    mission = _visible_mission(request, mission_id)
    legs = selectors.mission_legs(mission, viewer_for(request.user))
    allowed = MISSION.action_names(request.user, mission)
    return render(
        request,
        "logistics/mission_detail.html",
        {
            "mission": mission,
            "legs": legs,
            # the leg a take-off or a landing moves: the first that has not landed
            "next_leg": next((leg for leg in legs if leg.status != Leg.Status.LANDED), None),
            "allowed": allowed,
            # taking off and landing name their leg, loads come off in the manifest, receipt has its own notice
            "buttons": MISSION.buttons(
                request.user,
                mission,
                lambda name: reverse("logistics:mission_action", args=[mission.pk, name]),
                exclude=("depart", "land", "drop_load", "receipt"),
            ),
            "awaiting_receipt": list(awaiting_receipt(mission, request.user.acting_nation_id))
            if "receipt" in allowed
            else [],
            "arcs": maps.mission_map(legs, mission.aircraft),
        },
    )


@login_required
@require_POST
def mission_action(request: AuthenticatedHttpRequest, mission_id: int, action: str) -> HttpResponse:
    mission = _visible_mission(request, mission_id)
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
            raise Http404
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("logistics:mission", mission_id=mission.pk)


@login_required
def fleet(request: AuthenticatedHttpRequest) -> HttpResponse:
    pools = [(pool, selectors.pool_hours(pool)) for pool in selectors.pools()]
    return render(
        request,
        "logistics/fleet.html",
        {"aircraft": selectors.fleet(), "pools": pools, "may_plan": may_plan(request.user)},
    )


@login_required
def planner(request: AuthenticatedHttpRequest) -> HttpResponse:
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
        {"runs": runs, "may_plan": may_plan(request.user)},
    )


def _visible_run(request: AuthenticatedHttpRequest, run_id: int) -> PlanRun:
    run = selectors.runs_visible_to(viewer_for(request.user)).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


def _pool_aircraft(run: PlanRun) -> list[Any]:
    """The pool aircraft of the missions still kept in a proposal: approving them needs a tasking nation."""
    kept = [m["aircraft"] for m in run.proposal.get("missions", []) if not m.get("dropped")]
    return list(selectors.fleet().filter(pk__in=kept, pool__isnull=False).prefetch_related("pool__memberships"))


def _approve_form(request: AuthenticatedHttpRequest, run: PlanRun, data: Any = None) -> forms.ApproveForm | None:
    if not PLAN_RUN.allows(request.user, run, "approve"):
        return None
    aircraft = _pool_aircraft(run)
    return forms.ApproveForm(data, user=request.user, aircraft=aircraft) if aircraft else None


def _run_context(
    request: AuthenticatedHttpRequest, run: PlanRun, approve_form: forms.ApproveForm | None = None
) -> dict[str, Any]:
    return {
        "run": run,
        "proposal": run.proposal,
        "why_none": planning.why_none(run.proposal.get("summary", {})) if run.proposal else "",
        "arcs": maps.proposal_map(run.proposal),
        "approve_form": approve_form,
        "allowed": PLAN_RUN.action_names(request.user, run),
        # dropping and approving act on the proposal's form; cancelling is a button of its own
        "buttons": PLAN_RUN.buttons(
            request.user,
            run,
            lambda name: reverse("logistics:run_action", args=[run.pk, name]),
            exclude=("edit", "approve"),
        ),
    }


@login_required
def run_detail(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    return render(request, "logistics/run_detail.html", _run_context(request, run, _approve_form(request, run)))


@login_required
def run_progress(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    """The run's section, polled by htmx every 2 s while the planner works."""
    run = _visible_run(request, run_id)
    return render(request, "logistics/_run.html", _run_context(request, run, _approve_form(request, run)))


@login_required
@require_POST
def run_action(request: AuthenticatedHttpRequest, run_id: int, action: str) -> HttpResponse:
    run = _visible_run(request, run_id)
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
            approve_form = _approve_form(request, run, request.POST)
            if approve_form is not None and not approve_form.is_valid():
                return _run_refused(request, run, approve_form)
            tasked_by = approve_form.cleaned_data["tasked_by"] if approve_form is not None else None
            try:
                created = _plan_run_approve(request.user, run, tasked_by)
            except BusinessError as error:
                if approve_form is None or error.field != "tasked_by":
                    raise
                forms.put_error(approve_form, error)
                return _run_refused(request, run, approve_form)
            messages.success(request, _("%(n)s missions approved.") % {"n": len(created)})
            if len(created) == 1:
                return redirect("logistics:mission", mission_id=created[0].pk)
            return redirect("logistics:missions")
        else:
            raise Http404
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("logistics:run", run_id=run.pk)


def _plan_run_approve(actor: Any, run: PlanRun, tasked_by: str | None) -> list[Mission]:
    return planning.plan_run_approve(actor=actor, run=run, tasked_by=tasked_by or None)


def _run_refused(request: AuthenticatedHttpRequest, run: PlanRun, approve_form: forms.ApproveForm) -> HttpResponse:
    run.refresh_from_db()
    return render(request, "logistics/run_detail.html", _run_context(request, run, approve_form), status=400)


def _visible_deployment(request: AuthenticatedHttpRequest, deployment_id: int) -> Deployment:
    deployment = selectors.deployments_visible_to(viewer_for(request.user)).filter(pk=deployment_id).first()
    if deployment is None:
        raise Http404
    return deployment


@login_required
def deployment_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    viewer = viewer_for(request.user)
    if file := exports.for_list(
        request, DEPLOYMENT_COLUMNS, selectors.deployments_visible_to(viewer).select_related("site"), stem="deployments"
    ):
        return file
    page = page_of(request, selectors.deployments_visible_to(viewer))
    for deployment in page:
        deployment.allowed = DEPLOYMENT.action_names(request.user, deployment)  # type: ignore[attr-defined]
    return render(
        request,
        "logistics/deployment_list.html",
        {"page": page, "query": query_without_page(request), "may_plan": may_plan(request.user)},
    )


@login_required
def deployment_detail(request: AuthenticatedHttpRequest, deployment_id: int) -> HttpResponse:
    deployment = _visible_deployment(request, deployment_id)
    return render(
        request,
        "logistics/deployment_detail.html",
        {
            "deployment": deployment,
            "allowed": DEPLOYMENT.action_names(request.user, deployment),
            "buttons": DEPLOYMENT.buttons(
                request.user,
                deployment,
                lambda name: reverse("logistics:deployment_action", args=[deployment.pk, name]),
            ),
        },
    )


DEPLOYMENT_ACTIONS = {
    "arrive": (services.deployment_arrive, gettext_lazy("Arrived on site: %(what)s.")),
    "return": (services.deployment_return, gettext_lazy("Back home: %(what)s.")),
    "cancel": (services.deployment_cancel, gettext_lazy("Deployment cancelled: %(what)s.")),
}


@login_required
@require_POST
def deployment_action(request: AuthenticatedHttpRequest, deployment_id: int, action: str) -> HttpResponse:
    """Arrival or return today, or cancellation (the record page takes another day)."""
    deployment = _visible_deployment(request, deployment_id)
    if action not in DEPLOYMENT_ACTIONS:
        raise Http404
    call, done = DEPLOYMENT_ACTIONS[action]
    try:
        call(actor=request.user, deployment=deployment)
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, str(done) % {"what": deployment})
    return redirect("logistics:deployment", deployment_id=deployment.pk)


# --- forms: aircraft, deployments, missions -------------------------------------------------------------------


def _require_planner(request: AuthenticatedHttpRequest) -> None:
    if not may_plan(request.user):
        raise DjangoPermissionDenied


def _status(refused: bool, *forms_: Any) -> int:
    """403 when a service refused the actor, 400 for any other invalid input, else 200."""
    if refused:
        return 403
    invalid = any(f.total_error_count() if hasattr(f, "total_error_count") else f.errors for f in forms_)
    return 400 if invalid else 200


def _put_formset_error(formset: Any, rows: list[Any], error: BusinessError, name: str) -> bool:
    """Put an error that names `name` (the whole list) or `name.N[.field]` (its Nth filled row) where it belongs."""
    field = error.field or ""
    if field == name:
        formset.non_form_errors().append(str(error.message))
        return True
    head, _sep, rest = field.partition(".")
    number, _sep, sub = rest.partition(".")
    if head != name or not number.isdigit() or not 1 <= int(number) <= len(rows):
        return False
    row = rows[int(number) - 1]
    row.add_error(sub if sub in row.fields else None, str(error.message))
    return True


@login_required
def aircraft_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_planner(request)
    data = request.POST if request.method == "POST" else None
    form = forms.AircraftForm(data, user=request.user)
    windows = forms.WindowFormSet(data, prefix="windows")
    refused = False
    if data is not None and form.is_valid() and windows.is_valid():
        rows = forms.filled(windows)
        try:
            aircraft = services.aircraft_register(
                actor=request.user,
                capability=form.cleaned_data["capability"],
                tail=form.cleaned_data["tail"],
                home=form.cleaned_data["home"],
                windows=[(row.cleaned_data["starts"], row.cleaned_data["ends"]) for row in rows],
                **form.owner_input(),
            )
        except PermissionDenied as error:
            refused = True
            form.add_error("owner", str(error.message))
        except BusinessError as error:
            if not _put_formset_error(windows, rows, error, "windows"):
                forms.put_error(form, error)
        else:
            messages.success(request, _("Registered: %(aircraft)s.") % {"aircraft": aircraft})
            return redirect("logistics:fleet")
    return render(
        request,
        "logistics/aircraft_form.html",
        {"form": form, "windows": windows},
        status=_status(refused, form, windows),
    )


@login_required
def deployment_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_planner(request)
    form = forms.DeploymentForm(request.POST if request.method == "POST" else None, user=request.user)
    refused = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deployment = services.deployment_create(
                actor=request.user,
                allocation=data["allocation"],
                site=data["site"],
                starts=data["starts"],
                ends=data["ends"],
                doctors=data["doctors"],
                nurses=data["nurses"],
                paramedics=data["paramedics"],
                other_staff=data["other_staff"],
                languages=data["languages"],
                notes=data["notes"],
            )
        except PermissionDenied as error:
            refused = True
            form.add_error("allocation", str(error.message))
        except BusinessError as error:
            rename = {"staff": "doctors"} if error.field == "staff" else None
            if error.code in ("not_deployable", "not_accepted"):
                rename = {"": "allocation"}
            forms.put_error(form, error, rename=rename)
        else:
            messages.success(request, _("Deployment planned: %(what)s.") % {"what": deployment})
            return redirect("logistics:deployments")
    return render(request, "logistics/deployment_form.html", {"form": form}, status=_status(refused, form))


@login_required
def deployment_record(request: AuthenticatedHttpRequest, deployment_id: int) -> HttpResponse:
    """Record, on a given day, that a planned deployment arrived on site or a deployed one came back home."""
    deployment = _visible_deployment(request, deployment_id)
    allowed = DEPLOYMENT.action_names(request.user, deployment)
    if "arrive" not in allowed and "return" not in allowed:
        messages.error(request, _("There is no arrival or return of this deployment for you to record."))
        return redirect("logistics:deployment", deployment_id=deployment.pk)
    arriving = "arrive" in allowed
    form = forms.DeploymentEventForm(
        request.POST if request.method == "POST" else None, initial={"on": timezone.localdate()}
    )
    refused = False
    if request.method == "POST" and form.is_valid():
        on = form.cleaned_data["on"]
        try:
            if arriving:
                services.deployment_arrive(actor=request.user, deployment=deployment, on=on)
                messages.success(request, _("Arrived on site: %(what)s.") % {"what": deployment})
            else:
                services.deployment_return(actor=request.user, deployment=deployment, on=on)
                messages.success(request, _("Back home: %(what)s.") % {"what": deployment})
        except PermissionDenied as error:
            refused = True
            form.add_error("on", str(error.message))
        except BusinessError as error:
            forms.put_error(form, error, rename={"": "on"} if error.code == "bad_state" else None)
        else:
            return redirect("logistics:deployment", deployment_id=deployment.pk)
    return render(
        request,
        "logistics/deployment_record.html",
        {"form": form, "deployment": deployment, "arriving": arriving},
        status=_status(refused, form),
    )


@login_required
def mission_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_planner(request)
    form, legs, loads = forms.mission_forms(request.user, request.POST if request.method == "POST" else None)
    refused = False
    if request.method == "POST" and all([form.is_valid(), legs.is_valid(), loads.is_valid()]):
        leg_rows, load_rows = forms.filled(legs), forms.filled(loads)
        try:
            mission = services.mission_create(
                actor=request.user,
                aircraft=form.cleaned_data["aircraft"],
                tasked_by=form.cleaned_data["tasked_by"] or None,
                notes=form.cleaned_data["notes"],
                legs=[
                    services.LegInput(
                        origin=row.cleaned_data["origin"],
                        destination=row.cleaned_data["destination"],
                        etd=row.cleaned_data["etd"],
                        eta=row.cleaned_data["eta"],
                    )
                    for row in leg_rows
                ],
                loads=[
                    services.LoadInput(
                        allocation=row.cleaned_data["allocation"],
                        quantity=row.cleaned_data["quantity"],
                        board=row.cleaned_data["board"] or 1,
                        unload=row.cleaned_data["unload"],
                    )
                    for row in load_rows
                ],
            )
        except PermissionDenied as error:
            refused = True
            form.add_error("aircraft", str(error.message))
        except BusinessError as error:
            if not (
                _put_formset_error(legs, leg_rows, error, "legs")
                or _put_formset_error(loads, load_rows, error, "loads")
            ):
                forms.put_error(form, error)
        else:
            messages.success(request, _("Mission %(n)s is planned.") % {"n": mission.pk})
            return redirect("logistics:mission", mission_id=mission.pk)
    return render(
        request,
        "logistics/mission_form.html",
        {"form": form, "legs": legs, "loads": loads},
        status=_status(refused, form, legs, loads),
    )
