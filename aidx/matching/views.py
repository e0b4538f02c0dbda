from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.accounts.models import Role
from aidx.catalogue.models import Item
from aidx.core.errors import BusinessError
from aidx.core.forms import show_problems
from aidx.core.paging import page_of
from aidx.matching import selectors, services
from aidx.matching.forms import RunForm
from aidx.matching.models import MatchRun
from aidx.matching.workflow import MATCH_RUN
from aidx.nations.models import country_name


def _coordinator(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_role(Role.COORDINATOR):
        raise PermissionDenied


@login_required
def run_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _coordinator(request)
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_start(
                actor=request.user,
                mode=form.cleaned_data["mode"],
                scope=form.scope(),
                time_limit=form.cleaned_data["time_limit"],
            )
        except BusinessError as error:
            show_problems(form, error)
        else:
            return redirect("matching:detail", run_id=run.pk)
    page = page_of(request, selectors.runs())
    page.object_list = _with_scope_text(list(page.object_list))
    return render(request, "matching/run_list.html", {"form": form, "page": page}, status=400 if form.errors else 200)


def _with_scope_text(runs: list[MatchRun]) -> list[MatchRun]:
    """What each run covered, in words: the incident, items and nations by their names in the reader's language."""
    codes = {code for run in runs for code in run.scope.get("items") or []}
    items = {item.code: str(item) for item in Item.objects.filter(code__in=codes)}
    for run in runs:
        parts = []
        if run.scope.get("incident"):
            parts.append(_("incident: %(incident)s") % {"incident": run.scope["incident"]})
        if run.scope.get("items"):
            names = ", ".join(items.get(code, code) for code in run.scope["items"])
            parts.append(_("items: %(names)s") % {"names": names})
        if run.scope.get("nations"):
            names = ", ".join(country_name(code) for code in run.scope["nations"])
            parts.append(_("requesting nations: %(names)s") % {"names": names})
        run.scope_text = "; ".join(parts)  # type: ignore[attr-defined]
    return runs


@login_required
def run_detail(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    _coordinator(request)
    run = get_object_or_404(selectors.runs(), pk=run_id)
    review = selectors.review(run) if run.result else None
    allowed = MATCH_RUN.action_names(request.user, run)
    return render(
        request,
        "matching/run_detail.html",
        {
            "run": run,
            "review": review,
            "allowed": allowed,
            # drop, keep and publish act on the review below; the others are buttons at the top
            "buttons": MATCH_RUN.buttons(
                request.user,
                run,
                lambda name: reverse("matching:action", args=[run.pk, name]),
                exclude=("drop", "keep", "publish"),
            ),
        },
    )


@login_required
def run_progress(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    """The progress bar, polled by htmx; when the run ends it tells the page to reload into the review."""
    _coordinator(request)
    run = get_object_or_404(selectors.runs(), pk=run_id)
    response = render(request, "matching/progress.html", {"run": run})
    if not run.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_action(request: AuthenticatedHttpRequest, run_id: int, action: str) -> HttpResponse:
    _coordinator(request)
    run = get_object_or_404(MatchRun, pk=run_id)
    try:
        if action == "cancel":
            services.run_cancel(actor=request.user, run=run)
            messages.success(request, _("The run is cancelled."))
        elif action == "publish":
            made = services.run_publish(actor=request.user, run=run)
            messages.success(request, _("%(n)s allocations proposed to the nations.") % {"n": made})
        elif action == "rerun":
            rerun = services.run_start(
                actor=request.user,
                mode=run.mode,
                scope=run.scope,
                seed=run.seed,
                time_limit=run.time_limit,
                rerun_of=run if run.problem else None,
            )
            return redirect("matching:detail", run_id=rerun.pk)
        elif action in ("drop", "keep"):
            ids = [int(pk) for pk in request.POST.getlist("proposal") if pk.isdigit()]
            services.proposal_drop(actor=request.user, run=run, proposal_ids=ids, dropped=action == "drop")
        else:
            raise PermissionDenied
    except BusinessError as error:
        messages.error(request, str(error.message))
    return redirect("matching:detail", run_id=run.pk)
