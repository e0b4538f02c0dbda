"""Writes of resilience: templates, assessments (answers, releasability, transitions, comments, actions) and the
supplier registry. Keyword-only, atomic; each validates its whole input first and reports every problem at once
(`aidx.core.errors.Problems`), so nothing is half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pycountry
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.audit.services import record, snapshot
from aidx.catalogue.models import Item
from aidx.core.errors import BusinessError, PermissionDenied, Problems
from aidx.documents.models import Document
from aidx.fund.models import OrderLine
from aidx.nations.models import Nation
from aidx.nations.policy import Releasability, visible
from aidx.resilience import workflow
from aidx.resilience.models import (
    LANGUAGES,
    Action,
    Answer,
    Assessment,
    Evidence,
    Indicator,
    LotSource,
    Manufacturer,
    OrderSource,
    Ownership,
    Product,
    Release,
    Requirement,
    ReviewComment,
    Template,
)
from aidx.resilience.selectors import unanswered
from aidx.stockpile.models import Lot

TEXT_LIMIT = 4000


# --- templates -----------------------------------------------------------------------------------------------


def _check_indicators(indicators: Sequence[Mapping[str, Any]], problems: Problems) -> None:
    """Every problem of a template's indicators (field names say which indicator: indicators.3.weight)."""
    if not indicators:
        problems.add(_("A template needs indicators."), "indicators")
    seen: set[str] = set()
    for number, entry in enumerate(indicators):
        where = f"indicators.{number}"
        code = str(entry.get("code") or "").strip()
        label = code or str(number + 1)
        if not code:
            problems.add(_("Indicator %(n)s has no code.") % {"n": number + 1}, f"{where}.code")
        elif code in seen:
            problems.add(_("Two indicators have the code %(code)s.") % {"code": code}, f"{where}.code")
        seen.add(code)
        if entry.get("requirement") not in Requirement.values:
            problems.add(
                _("Indicator %(code)s: the requirement must be 1 to 7.") % {"code": label}, f"{where}.requirement"
            )
        weight = entry.get("weight", 1)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 10:
            problems.add(
                _("Indicator %(code)s: the weight must be a whole number from 1 to 10.") % {"code": label},
                f"{where}.weight",
            )
        if entry.get("evidence", "") not in Evidence.values:
            problems.add(
                _("Indicator %(code)s: unknown evidence %(value)s.") % {"code": label, "value": entry.get("evidence")},
                f"{where}.evidence",
            )
        for language in LANGUAGES:
            question = str(entry.get(f"question_{language}") or "").strip()
            if not question:
                problems.add(
                    _("Indicator %(code)s has no question in %(language)s.") % {"code": label, "language": language},
                    f"{where}.question_{language}",
                )
            elif len(question) > 500:
                problems.add(
                    _("Indicator %(code)s: the question is too long (at most 500 characters).") % {"code": label},
                    f"{where}.question_{language}",
                )
            if len(str(entry.get(f"guidance_{language}") or "")) > TEXT_LIMIT:
                problems.add(
                    _("Indicator %(code)s: the guidance is too long.") % {"code": label}, f"{where}.guidance_{language}"
                )
            levels = (entry.get("levels") or {}).get(language)
            if (
                not isinstance(levels, list)
                or len(levels) != 5
                or not all(isinstance(t, str) and t.strip() for t in levels)
            ):
                problems.add(
                    _("Indicator %(code)s needs a description of each level 0 to 4 in %(language)s.")
                    % {"code": label, "language": language},
                    f"{where}.levels.{language}",
                )


def _check_titles(titles: Mapping[str, str], problems: Problems) -> None:
    for language in LANGUAGES:
        title = (titles.get(language) or "").strip()
        if not title:
            problems.add(_("The template has no title in %(language)s.") % {"language": language}, f"title_{language}")
        elif len(title) > 200:
            problems.add(_("The title is too long (at most 200 characters)."), f"title_{language}")


def _write_indicators(template: Template, indicators: Sequence[Mapping[str, Any]]) -> None:
    Indicator.objects.bulk_create(
        Indicator(
            template=template,
            requirement=entry["requirement"],
            code=str(entry["code"]).strip(),
            order=number,
            weight=entry.get("weight", 1),
            required=entry.get("required", True),
            evidence=entry.get("evidence", ""),
            levels={language: [t.strip() for t in entry["levels"][language]] for language in LANGUAGES},
            **{
                f"{part}_{language}": str(entry.get(f"{part}_{language}") or "").strip()
                for part in ("question", "guidance")
                for language in LANGUAGES
            },
        )
        for number, entry in enumerate(indicators)
    )


def _require_keeper(actor: Any) -> None:
    if not workflow.may_keep_templates(actor):
        raise PermissionDenied(_("Only the centre's coordinators keep the assessment templates."))


@transaction.atomic
def template_create(
    *,
    actor: Any,
    code: str,
    titles: Mapping[str, str],
    indicators: Sequence[Mapping[str, Any]],
    illustrative: bool = False,
    scenario_key: str = "",
) -> Template:
    """A new template, or the next version of the template `code`."""
    _require_keeper(actor)
    problems = Problems()
    code = (code or "").strip()
    if not code or len(code) > 40 or not code.replace("-", "").isalnum():
        problems.add(_("Give the template a code of letters, digits and hyphens."), "code")
    _check_titles(titles, problems)
    _check_indicators(indicators, problems)
    problems.raise_any()
    latest = Template.objects.select_for_update().filter(code=code).aggregate(n=Max("version"))["n"] or 0
    template = Template.objects.create(
        code=code,
        version=latest + 1,
        illustrative=illustrative,
        scenario_key=scenario_key,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{f"title_{language}": titles[language].strip() for language in LANGUAGES},
    )
    _write_indicators(template, indicators)
    record(actor=actor, action="resilience.template.create", target=template, after=snapshot(template))
    return template


def template_in_use(template: Template) -> bool:
    return Assessment.objects.filter(template=template).exists()


@transaction.atomic
def template_update(
    *, actor: Any, template: Template, titles: Mapping[str, str], indicators: Sequence[Mapping[str, Any]]
) -> Template:
    """Change a version nobody has used yet; a used version stays as it was answered (make a new version)."""
    _require_keeper(actor)
    template = Template.objects.select_for_update().get(pk=template.pk)
    problems = Problems()
    if template_in_use(template):
        problems.add(
            _("Assessments have used version %(version)s of this template: it cannot change. Make a new version.")
            % {"version": template.version},
            "template",
        )
    _check_titles(titles, problems)
    _check_indicators(indicators, problems)
    problems.raise_any(code="template_in_use" if template_in_use(template) else "invalid")
    before = snapshot(template)
    for language in LANGUAGES:
        setattr(template, f"title_{language}", titles[language].strip())
    template.save()
    template.indicators.all().delete()
    _write_indicators(template, indicators)
    record(actor=actor, action="resilience.template.update", target=template, before=before, after=snapshot(template))
    return template


def indicator_data(template: Template) -> list[dict[str, Any]]:
    """A template's indicators as the input `template_create` takes: the start of a new version."""
    fields = ["code", "requirement", "weight", "required", "evidence", "levels"]
    fields += [f"{part}_{language}" for part in ("question", "guidance") for language in LANGUAGES]
    return [{field: getattr(i, field) for field in fields} for i in template.indicators.order_by("order", "id")]


# --- assessments ---------------------------------------------------------------------------------------------


@transaction.atomic
def assessment_start(
    *, actor: Any, template: Template, title: str = "", illustrative: bool = False, scenario_key: str = ""
) -> Assessment:
    if not workflow.may_start(actor):
        raise PermissionDenied(_("Only a nation's point of contact starts a self-assessment, for its own nation."))
    nation = Nation.objects.get(pk=actor.acting_nation_id)
    title = (title or "").strip() or _("Self-assessment of %(nation)s, %(day)s") % {
        "nation": nation.name,
        "day": timezone.localdate().isoformat(),
    }
    if len(title) > 200:
        raise BusinessError(_("The title is too long (at most 200 characters)."), field="title")
    assessment = Assessment.objects.create(
        owner_nation=nation,
        template=template,
        title=title,
        illustrative=illustrative,
        created_by=actor,
        scenario_key=scenario_key,
    )
    Answer.objects.bulk_create(Answer(assessment=assessment, indicator=i) for i in template.indicators.all())
    record(actor=actor, action="resilience.assessment.start", target=assessment, after=snapshot(assessment))
    return assessment


def _level(value: Any) -> int | str | None:
    """A level 0–4, None for "not answered", or "bad" for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "bad"
    try:
        level = int(str(value).strip())
    except ValueError:
        return "bad"
    return level if 0 <= level <= 4 else "bad"


@transaction.atomic
def answers_save(*, actor: Any, assessment: Assessment, answers: Iterable[Mapping[str, Any]]) -> Assessment:
    """Save answers of a draft, given per indicator code: level (0–4 or empty), evidence text, document ids."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not workflow.may_answer(actor, assessment):
        raise PermissionDenied(_("Only the nation answers its assessment, while it is a draft."))
    rows = {a.indicator.code: a for a in assessment.answers.select_related("indicator")}
    problems = Problems()
    changes: list[tuple[Answer, int | None, str, list[int] | None]] = []
    for entry in answers:
        code = str(entry.get("indicator") or "")
        answer = rows.get(code)
        if answer is None:
            problems.add(_("Unknown indicator: %(code)s.") % {"code": code}, "indicator")
            continue
        level = _level(entry.get("level"))
        if level == "bad":
            problems.add(
                _("Indicator %(code)s: the level must be a whole number from 0 to 4.") % {"code": code},
                f"{code}.level",
            )
        evidence = str(entry.get("evidence") or "").strip()
        if len(evidence) > TEXT_LIMIT:
            problems.add(
                _("Indicator %(code)s: the evidence is too long (at most 4,000 characters).") % {"code": code},
                f"{code}.evidence",
            )
        documents: list[int] | None = None
        if entry.get("documents") is not None:
            wanted = {int(d) for d in entry["documents"] if str(d).isdigit()}
            found = set(visible(Document.objects.filter(pk__in=wanted), actor).values_list("pk", flat=True))
            if len(wanted) != len(list(entry["documents"])) or wanted - found:
                problems.add(_("Indicator %(code)s: a document cannot be found.") % {"code": code}, f"{code}.documents")
            documents = sorted(found)
        changes.append((answer, None if level == "bad" else level, evidence, documents))  # type: ignore[arg-type]
    problems.raise_any()
    for answer, level, evidence, documents in changes:
        answer.level, answer.evidence = level, evidence
        answer.save(update_fields=["level", "evidence"])
        if documents is not None:
            answer.documents.set(documents)
    record(actor=actor, action="resilience.assessment.answer", target=assessment, after={"answers": len(changes)})
    return assessment


@transaction.atomic
def assessment_release(
    *, actor: Any, assessment: Assessment, releasability: str, release_to: list[Nation] | None = None
) -> Assessment:
    """Widen (or narrow again) who may read an assessment: only its nation decides."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not workflow.may_plan(actor, assessment):
        raise PermissionDenied(_("Only the nation decides who may read its assessment."))
    if releasability == Release.OWNER_AND_CENTRE:
        if release_to:
            raise BusinessError(_("Named nations apply only to bilateral releasability."), field="release_to")
    elif releasability not in Releasability.values:
        raise BusinessError(_("Unknown releasability: %(value)s.") % {"value": releasability}, field="releasability")
    else:
        from aidx.nations.policy import validate_releasability

        validate_releasability(releasability, release_to)
    before = snapshot(assessment)
    assessment.releasability = releasability
    assessment.save(update_fields=["releasability"])
    assessment.release_to.set(release_to or [])
    record(
        actor=actor,
        action="resilience.assessment.release",
        target=assessment,
        before=before,
        after=snapshot(assessment),
    )
    return assessment


@transaction.atomic
def assessment_transition(*, actor: Any, assessment: Assessment, action: str, reason: str = "") -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if action not in {"submit", "review", "return"}:
        raise BusinessError(_("Unknown action."), code="unknown_action")
    if workflow.ASSESSMENT.decide(actor, assessment, action).code == "guard" and action == "submit":
        problems = Problems()  # every unanswered indicator at once, not only the guard's summary
        for indicator in unanswered(assessment):
            problems.add(_("Indicator %(code)s is not answered.") % {"code": indicator.code}, indicator.code)
        problems.raise_any(code="incomplete")
    workflow.ASSESSMENT.check(actor, assessment, action)
    if action == "return" and not reason.strip():
        raise BusinessError(_("Say why the assessment goes back."), field="reason")
    before = snapshot(assessment)
    workflow.ASSESSMENT.advance(assessment, action)
    now = timezone.now()
    if action == "submit":
        assessment.submitted_at = now
    elif action == "review":
        assessment.reviewed_at, assessment.reviewed_by = now, actor
    else:
        assessment.submitted_at = None
        ReviewComment.objects.create(assessment=assessment, text=reason.strip()[:TEXT_LIMIT], author=actor)
    assessment.save()
    record(
        actor=actor,
        action=f"resilience.assessment.{action}",
        target=assessment,
        before=before,
        after=snapshot(assessment),
    )
    return assessment


def _indicator_of(assessment: Assessment, code: str | None, problems: Problems) -> Indicator | None:
    if not code:
        return None
    found = Indicator.objects.filter(template_id=assessment.template_id, code=code).first()
    if found is None:
        problems.add(_("Unknown indicator: %(code)s.") % {"code": code}, "indicator")
    return found


@transaction.atomic
def comment_add(*, actor: Any, assessment: Assessment, text: str, indicator: str | None = None) -> ReviewComment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not workflow.may_comment(actor, assessment):
        raise PermissionDenied(_("Only the centre comments on a submitted assessment."))
    problems = Problems()
    found = _indicator_of(assessment, indicator, problems)
    text = (text or "").strip()
    if not text:
        problems.add(_("The comment is empty."), "text")
    elif len(text) > TEXT_LIMIT:
        problems.add(_("The comment is too long (at most 4,000 characters)."), "text")
    problems.raise_any()
    comment = ReviewComment.objects.create(assessment=assessment, indicator=found, text=text, author=actor)
    record(actor=actor, action="resilience.comment.add", target=assessment, after={"comment": comment.pk})
    return comment


@transaction.atomic
def action_create(
    *,
    actor: Any,
    assessment: Assessment,
    description: str,
    responsible: str,
    due: dt.date | None,
    indicator: str | None = None,
) -> Action:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not workflow.may_plan(actor, assessment):
        raise PermissionDenied(_("Only the nation plans the actions of its assessment."))
    problems = Problems()
    found = _indicator_of(assessment, indicator, problems)
    description, responsible = (description or "").strip(), (responsible or "").strip()
    if not description:
        problems.add(_("Say what the action is."), "description")
    elif len(description) > 500:
        problems.add(_("The action is too long (at most 500 characters)."), "description")
    if not responsible:
        problems.add(_("Name who owns the action."), "responsible")
    elif len(responsible) > 200:
        problems.add(_("The owner's name is too long (at most 200 characters)."), "responsible")
    if due is None:
        problems.add(_("Give a due date."), "due")
    problems.raise_any()
    assert due is not None
    action = Action.objects.create(
        assessment=assessment,
        indicator=found,
        description=description,
        responsible=responsible,
        due=due,
        created_by=actor,
    )
    record(actor=actor, action="resilience.action.create", target=action, after=snapshot(action))
    return action


@transaction.atomic
def action_transition(*, actor: Any, action: Action, name: str) -> Action:
    action = Action.objects.select_for_update().select_related("assessment").get(pk=action.pk)
    if name not in {t.name for t in workflow.ACTION.transitions}:
        raise BusinessError(_("Unknown action."), code="unknown_action")
    workflow.ACTION.check(actor, action, name)
    before = snapshot(action)
    workflow.ACTION.advance(action, name)
    action.closed_at = timezone.now() if action.status in {Action.Status.DONE, Action.Status.CANCELLED} else None
    action.save()
    record(actor=actor, action=f"resilience.action.{name}", target=action, before=before, after=snapshot(action))
    return action


# --- suppliers -----------------------------------------------------------------------------------------------


def known_country(code: Any) -> bool:
    return isinstance(code, str) and len(code) == 3 and pycountry.countries.get(alpha_3=code.upper()) is not None


def _require_supplier_keeper(actor: Any) -> None:
    if not workflow.may_keep_suppliers(actor):
        raise PermissionDenied(_("Only the centre and the stockpile managers keep the supplier registry."))


def _overlaps(a_from: dt.date, a_until: dt.date | None, b_from: dt.date, b_until: dt.date | None) -> bool:
    return (b_until is None or a_from < b_until) and (a_until is None or b_from < a_until)


def _check_ownerships(
    ownerships: list[Mapping[str, Any]], problems: Problems, existing: Iterable[Ownership] = (), *, single: bool = False
) -> None:
    """Every problem of dated owners: unknown countries, empty names, until before from, overlaps."""
    spans: list[tuple[dt.date, dt.date | None, str]] = [
        (o.valid_from, o.valid_until, f"{o.owner_name} ({o.valid_from.isoformat()})") for o in existing
    ]
    for number, entry in enumerate(ownerships):
        where = "" if single else f"ownerships.{number}."
        name = str(entry.get("owner_name") or "").strip()
        if not name:
            problems.add(_("Ownership %(n)s: name the ultimate owner.") % {"n": number + 1}, f"{where}owner_name")
        if not known_country(entry.get("owner_country")):
            problems.add(
                _("Unknown country: %(code)s.") % {"code": entry.get("owner_country") or "—"}, f"{where}owner_country"
            )
        valid_from, valid_until = entry.get("valid_from"), entry.get("valid_until")
        if not isinstance(valid_from, dt.date):
            problems.add(_("Ownership %(n)s: give the date it began.") % {"n": number + 1}, f"{where}valid_from")
            continue
        if valid_until is not None and valid_until <= valid_from:
            problems.add(_("Ownership %(n)s: it must end after it begins.") % {"n": number + 1}, f"{where}valid_until")
            continue
        for other_from, other_until, label in spans:
            if _overlaps(valid_from, valid_until, other_from, other_until):
                problems.add(
                    _("Ownership %(n)s overlaps the ownership %(other)s.") % {"n": number + 1, "other": label},
                    f"{where}valid_from",
                )
        spans.append((valid_from, valid_until, f"{name} ({valid_from.isoformat()})"))


@transaction.atomic
def manufacturer_create(
    *,
    actor: Any,
    code: str,
    name: str,
    production_country: str,
    items: Iterable[str] = (),
    capacities: Mapping[str, int] | None = None,
    ownerships: list[Mapping[str, Any]] | None = None,
    illustrative: bool = False,
) -> Manufacturer:
    _require_supplier_keeper(actor)
    problems = Problems()
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 60 or not code.replace("-", "").isalnum():
        problems.add(_("Give the manufacturer a code of letters, digits and hyphens."), "code")
    elif Manufacturer.objects.filter(code=code).exists():
        problems.add(_("A manufacturer with the code %(code)s exists already.") % {"code": code}, "code")
    if not name:
        problems.add(_("Name the manufacturer."), "name")
    elif len(name) > 200:
        problems.add(_("The name is too long (at most 200 characters)."), "name")
    if not known_country(production_country):
        problems.add(_("Unknown country: %(code)s.") % {"code": production_country or "—"}, "production_country")
    codes = list(dict.fromkeys(items))
    found = {i.code: i for i in Item.objects.filter(code__in=codes)}
    for missing in [c for c in codes if c not in found]:
        problems.add(_("Unknown item: %(code)s.") % {"code": missing}, "items")
    _check_ownerships(ownerships or [], problems)
    problems.raise_any()
    manufacturer = Manufacturer.objects.create(
        code=code, name=name, production_country=production_country.upper(), illustrative=illustrative
    )
    Product.objects.bulk_create(
        Product(manufacturer=manufacturer, item=found[c], annual_capacity=(capacities or {}).get(c)) for c in codes
    )
    Ownership.objects.bulk_create(
        Ownership(
            manufacturer=manufacturer,
            owner_name=str(o["owner_name"]).strip(),
            owner_country=str(o["owner_country"]).upper(),
            valid_from=o["valid_from"],
            valid_until=o.get("valid_until"),
        )
        for o in ownerships or []
    )
    record(actor=actor, action="resilience.manufacturer.create", target=manufacturer, after=snapshot(manufacturer))
    return manufacturer


@transaction.atomic
def ownership_add(
    *,
    actor: Any,
    manufacturer: Manufacturer,
    owner_name: str,
    owner_country: str,
    valid_from: dt.date | None,
    valid_until: dt.date | None = None,
) -> Ownership:
    """A change of ultimate owner from `valid_from`. An open-ended current owner is closed on that day; any other
    overlap is refused. The manufacturer's row is locked, so two changes at once cannot both pass the check."""
    _require_supplier_keeper(actor)
    manufacturer = Manufacturer.objects.select_for_update().get(pk=manufacturer.pk)
    existing = list(manufacturer.ownerships.order_by("valid_from"))
    current = existing[-1] if existing and existing[-1].valid_until is None else None
    closes = current is not None and isinstance(valid_from, dt.date) and valid_from > current.valid_from
    kept = [o for o in existing if not (closes and o is current)]
    if closes and current is not None:
        kept.append(Ownership(owner_name=current.owner_name, valid_from=current.valid_from, valid_until=valid_from))
    problems = Problems()
    entry = {
        "owner_name": owner_name,
        "owner_country": owner_country,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }
    _check_ownerships([entry], problems, kept, single=True)
    problems.raise_any()
    if closes and current is not None:
        current.valid_until = valid_from
        current.save(update_fields=["valid_until"])
    assert valid_from is not None
    ownership = Ownership.objects.create(
        manufacturer=manufacturer,
        owner_name=owner_name.strip(),
        owner_country=owner_country.upper(),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    record(actor=actor, action="resilience.ownership.add", target=manufacturer, after=snapshot(ownership))
    return ownership


@transaction.atomic
def lot_link(*, actor: Any, lot: Lot, manufacturer: Manufacturer) -> LotSource:
    _require_supplier_keeper(actor)
    link, _created = LotSource.objects.update_or_create(lot=lot, defaults={"manufacturer": manufacturer})
    record(actor=actor, action="resilience.lot.link", target=manufacturer, after={"lot": lot.pk})
    return link


@transaction.atomic
def order_line_link(*, actor: Any, line: OrderLine, manufacturer: Manufacturer) -> OrderSource:
    _require_supplier_keeper(actor)
    link, _created = OrderSource.objects.update_or_create(line=line, defaults={"manufacturer": manufacturer})
    record(actor=actor, action="resilience.order.link", target=manufacturer, after={"order_line": line.pk})
    return link
