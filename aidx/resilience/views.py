"""Pages of resilience: the overview (heat map, assessments, overdue actions), an assessment (answers with the
evidence beside them, radar chart against the previous one, review, action plan, export and print), the
templates, and supply vulnerability (supplier registry, figures per item, ownership screening, what-if).
Reads go through selectors (need-to-know), writes through services; a business error lists every problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.shortcuts import render as django_render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.core import exports
from aidx.core.errors import BusinessError
from aidx.documents.models import Document
from aidx.nations.models import Nation
from aidx.nations.policy import visible
from aidx.resilience import evidence, selectors, services, supply, workflow
from aidx.resilience.models import Assessment, Release, Requirement


def render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Every resilience page, with what its menu needs."""
    return django_render(
        request, template, {**context, "may_read_supply": supply.may_read(request.user)}, status=status
    )


def _problems(request: HttpRequest, error: BusinessError) -> list[str]:
    return [str(problem.message) for problem in error.problems]


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _level_display(level: Any) -> str:
    return "—" if level is None else str(level)


def _requirement_score(number: int) -> Callable[[Any], Any]:
    return lambda row: row.scores.by_requirement.get(number)


def _url(name: str, *args: Any) -> Callable[[str], str]:
    return lambda action: reverse(name, args=[*args, action])


@login_required
def overview(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = request.user
    rows = selectors.heat_map(user)
    if request.GET.get("format") in exports.FORMATS:
        columns = [
            exports.Column("nation", lambda r: r.nation.code, "#country +code"),
            exports.Column("assessment", lambda r: r.assessment.pk),
            exports.Column("overall", lambda r: r.scores.overall),
            *[exports.Column(f"requirement_{n}", _requirement_score(n)) for n in Requirement.values],
        ]
        return exports.response(request.GET["format"], columns, rows, stem="resilience-heat-map")
    problems: list[str] = []
    if request.method == "POST":
        template = selectors.latest_template()
        try:
            if template is None:
                raise BusinessError(_("There is no assessment template yet."))
            started = services.assessment_start(actor=user, template=template, title=request.POST.get("title", ""))
        except BusinessError as error:
            problems = _problems(request, error)
        else:
            messages.success(request, _("Self-assessment started."))
            return redirect("resilience:assessment", pk=started.pk)
    return render(
        request,
        "resilience/overview.html",
        {
            "rows": rows,
            "means": selectors.requirement_means(rows),
            "requirements": Requirement.choices,
            "assessments": selectors.assessments_visible_to(user)[:50],
            "overdue": selectors.overdue_actions(user)[:50],
            "may_start": workflow.may_start(user),
            "template": selectors.latest_template(),
            "problems": problems,
        },
        status=400 if problems else 200,
    )


def _answer_input(request: HttpRequest, codes: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "indicator": code,
            "level": request.POST.get(f"level-{code}", ""),
            "evidence": request.POST.get(f"evidence-{code}", ""),
            "documents": request.POST.getlist(f"documents-{code}"),
        }
        for code in codes
        if f"level-{code}" in request.POST
    ]


def _post_assessment(request: HttpRequest, found: Assessment, answers: list[Any]) -> Any:
    """One of the assessment page's forms; returns the redirect, or the problems to show."""
    user, form = request.user, request.POST.get("form")
    try:
        if form == "answers":
            services.answers_save(
                actor=user, assessment=found, answers=_answer_input(request, [a.indicator.code for a in answers])
            )
            done = _("Answers saved.")
        elif form == "release":
            named = list(Nation.objects.filter(pk__in=request.POST.getlist("release_to")))
            services.assessment_release(
                actor=user, assessment=found, releasability=request.POST.get("releasability", ""), release_to=named
            )
            done = _("Releasability saved.")
        elif form == "comment":
            services.comment_add(
                actor=user,
                assessment=found,
                text=request.POST.get("text", ""),
                indicator=request.POST.get("indicator") or None,
            )
            done = _("Comment added.")
        elif form == "action":
            services.action_create(
                actor=user,
                assessment=found,
                description=request.POST.get("description", ""),
                responsible=request.POST.get("responsible", ""),
                due=_date(request.POST.get("due")),
                indicator=request.POST.get("indicator") or None,
            )
            done = _("Action added to the plan.")
        else:
            raise Http404
    except BusinessError as error:
        return _problems(request, error)
    messages.success(request, done)
    return redirect("resilience:assessment", pk=found.pk)


def _context(user: Any, found: Assessment) -> dict[str, Any]:
    answers = selectors.answers(user, found)
    findings = evidence.findings(user, found, answers)
    score = selectors.scores(found)
    before = selectors.previous(user, found)
    before_score = selectors.scores(before) if before else None
    comments = selectors.comments(found)
    by_requirement: list[dict[str, Any]] = []
    for number, label in Requirement.choices:
        rows = [
            {
                "answer": a,
                "finding": findings.get(a.indicator.code),
                "comments": [c for c in comments if c.indicator_id == a.indicator_id],
                "levels": list(enumerate(a.indicator.level_descriptions())),
            }
            for a in answers
            if a.indicator.requirement == number
        ]
        by_requirement.append(
            {"number": number, "label": label, "score": score.by_requirement.get(number), "rows": rows}
        )
    radar = {
        "labels": [str(n) for n in Requirement.values],
        "names": [str(label) for _n, label in Requirement.choices],
        "current": [score.by_requirement.get(n) for n in Requirement.values],
        "previous": [before_score.by_requirement.get(n) for n in Requirement.values] if before_score else None,
        "current_label": found.title,
        "previous_label": before.title if before else "",
    }
    return {
        "assessment": found,
        "by_requirement": by_requirement,
        "score": score,
        "previous": before,
        "previous_score": before_score,
        "radar": {
            k: [float(v) if v is not None else None for v in val]
            if isinstance(val, list) and k in {"current", "previous"}
            else val
            for k, val in radar.items()
        },
        "general_comments": [c for c in comments if c.indicator_id is None],
        "actions": selectors.actions_visible_to(user, assessment=found),
        "gaps": evidence.gaps(findings),
        "history": selectors.history(user, found),
    }


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    user = request.user
    found = selectors.assessment(user, pk)
    if request.GET.get("format") in exports.FORMATS:
        return _export(request, found)
    problems: list[str] = []
    if request.method == "POST":
        outcome = _post_assessment(request, found, selectors.answers(user, found))
        if not isinstance(outcome, list):
            return outcome
        problems = outcome
    context = _context(user, found)
    documents = (
        visible(Document.objects.filter(owner_nation_id=found.owner_nation_id), user).order_by("title")
        if workflow.may_answer(user, found)
        else Document.objects.none()
    )
    context.update(
        {
            "problems": problems,
            "posted": request.POST if problems else None,
            "buttons": workflow.ASSESSMENT.buttons(
                user, found, lambda name: reverse("resilience:assessment_action", args=[found.pk, name])
            ),
            "may_answer": workflow.may_answer(user, found),
            "may_comment": workflow.may_comment(user, found),
            "may_plan": workflow.may_plan(user, found),
            "documents": documents,
            "releases": Release.choices,
            "nations": Nation.objects.exclude(pk=found.owner_nation_id).order_by("code")
            if workflow.may_plan(user, found)
            else [],
            "action_buttons": {
                a.pk: workflow.ACTION.buttons(user, a, _url("resilience:action_action", a.pk))
                for a in context["actions"]
            },
        }
    )
    return render(request, "resilience/assessment_detail.html", context, status=400 if problems else 200)


def _export(request: HttpRequest, found: Assessment) -> HttpResponse | StreamingHttpResponse:
    answers = selectors.answers(request.user, found)
    findings = evidence.findings(request.user, found, answers)
    columns = [
        exports.Column("requirement", lambda a: a.indicator.requirement),
        exports.Column("indicator", lambda a: a.indicator.code),
        exports.Column("question", lambda a: a.indicator.question),
        exports.Column("weight", lambda a: a.indicator.weight),
        exports.Column("level", lambda a: a.level),
        exports.Column("evidence", lambda a: a.evidence),
        exports.Column("documents", lambda a: "; ".join(d.title for d in a.documents.all())),
        exports.Column("level_from_live_data", lambda a: getattr(findings.get(a.indicator.code), "implied", None)),
        exports.Column("gap_flagged", lambda a: bool(getattr(findings.get(a.indicator.code), "gap", False))),
    ]
    return exports.response(request.GET["format"], columns, answers, stem=f"resilience-assessment-{found.pk}")


@login_required
def assessment_print(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.assessment(request.user, pk)
    return render(request, "resilience/assessment_print.html", _context(request.user, found))


@login_required
@require_POST
def assessment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    found = selectors.assessment(request.user, pk)
    try:
        services.assessment_transition(
            actor=request.user, assessment=found, action=action, reason=request.POST.get("reason", "")
        )
    except BusinessError as error:
        for problem in _problems(request, error):
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("Done: the assessment is now %(state)s.")
            % {"state": workflow.ASSESSMENT.state_label(Assessment.objects.get(pk=pk))},
        )
    return redirect("resilience:assessment", pk=pk)


@login_required
@require_POST
def action_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    found = get_object_or_404(selectors.actions_visible_to(request.user), pk=pk)
    try:
        services.action_transition(actor=request.user, action=found, name=name)
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Action updated."))
    return redirect("resilience:assessment", pk=found.assessment_id)


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.overdue_actions(request.user) if overdue else selectors.actions_visible_to(request.user)
    return render(
        request,
        "resilience/action_list.html",
        {"actions": rows[:200], "overdue": overdue, "today": timezone.localdate()},
    )


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "resilience/template_list.html",
        {"templates": selectors.templates(), "may_keep": workflow.may_keep_templates(request.user)},
    )


@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.templates(), pk=pk)
    if request.method == "POST":
        try:
            made = services.template_create(
                actor=request.user,
                code=template.code,
                titles={"en": template.title_en, "nb": template.title_nb, "nn": template.title_nn},
                indicators=services.indicator_data(template),
            )
        except BusinessError as error:
            for problem in _problems(request, error):
                messages.error(request, problem)
        else:
            messages.success(
                request, _("Version %(version)s made: change it before anyone uses it.") % {"version": made.version}
            )
            return redirect("resilience:template", pk=made.pk)
    indicators = template.indicators.order_by("requirement", "order", "code")
    groups = [
        {"number": n, "label": label, "indicators": [i for i in indicators if i.requirement == n]}
        for n, label in Requirement.choices
    ]
    return render(
        request,
        "resilience/template_detail.html",
        {
            "template": template,
            "groups": groups,
            "in_use": services.template_in_use(template),
            "may_keep": workflow.may_keep_templates(request.user),
        },
    )


def _reader(request: HttpRequest) -> Any:
    if not supply.may_read(request.user):
        raise Forbidden
    return request.user


@login_required
def vulnerability(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = _reader(request)
    on = _date(request.GET.get("on")) or timezone.localdate()
    countries = supply.producing_countries(user)
    without = request.GET.get("without") or None
    if without and without not in countries:
        without = None
    rows = supply.vulnerability(user, on=on)
    if request.GET.get("format") in exports.FORMATS:
        columns = [
            exports.Column("item", lambda r: r.item.code, "#item +code"),
            exports.Column("sources", lambda r: r.sources),
            exports.Column("single_source", lambda r: r.single_source),
            exports.Column("hhi", lambda r: r.hhi),
            exports.Column("share_outside", lambda r: r.outside),
            exports.Column("stock", lambda r: r.stock),
            exports.Column("pipeline", lambda r: r.pipeline),
            exports.Column("days_of_cover", lambda r: r.days),
        ]
        return exports.response(request.GET["format"], columns, rows, stem="resilience-supply")
    what_if = supply.vulnerability(user, on=on, without=without) if without else None
    return render(
        request,
        "resilience/vulnerability.html",
        {
            "rows": rows,
            "on": on,
            "countries": countries,
            "without": without,
            "what_if": what_if,
            "below": supply.below(what_if) if what_if is not None else None,
            "threshold": supply.THRESHOLD_DAYS,
            "rates_basis": evidence.rates(user).basis,
            "flags": supply.screening(user, on),
            "manufacturers": supply.manufacturers(user),
        },
    )


@login_required
def manufacturer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    maker = get_object_or_404(supply.manufacturers(user), pk=pk)
    problems: list[str] = []
    if request.method == "POST":
        try:
            services.ownership_add(
                actor=user,
                manufacturer=maker,
                owner_name=request.POST.get("owner_name", ""),
                owner_country=request.POST.get("owner_country", "").strip().upper(),
                valid_from=_date(request.POST.get("valid_from")),
                valid_until=_date(request.POST.get("valid_until")),
            )
        except BusinessError as error:
            problems = _problems(request, error)
        else:
            messages.success(request, _("Ownership recorded."))
            return redirect("resilience:manufacturer", pk=maker.pk)
    return render(
        request,
        "resilience/manufacturer_detail.html",
        {
            "maker": maker,
            "ownerships": maker.ownerships.order_by("valid_from"),
            "products": maker.products.select_related("item"),
            "may_keep": workflow.may_keep_suppliers(user),
            "problems": problems,
        },
        status=400 if problems else 200,
    )
