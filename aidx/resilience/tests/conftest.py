"""A small template (two indicators per requirement, one with live evidence), and helpers to fill it."""

from __future__ import annotations

import pytest

from aidx.core.actors import SYSTEM
from aidx.resilience import services


def indicator(code: str, requirement: int, *, weight: int = 1, evidence: str = "", required: bool = True) -> dict:
    return {
        "code": code,
        "requirement": requirement,
        "weight": weight,
        "required": required,
        "evidence": evidence,
        **{f"question_{lang}": f"Question {code} ({lang})" for lang in ("en", "nb", "nn")},
        **{f"guidance_{lang}": "" for lang in ("en", "nb", "nn")},
        "levels": {lang: [f"{lang} level {n}" for n in range(5)] for lang in ("en", "nb", "nn")},
    }


def indicators() -> list[dict]:
    rows = []
    for requirement in range(1, 8):
        rows.append(indicator(f"{requirement}.1", requirement, weight=1))
        rows.append(
            indicator(
                f"{requirement}.2",
                requirement,
                weight=3,
                evidence="national_cover" if requirement == 5 else "",
            )
        )
    return rows


TITLES = {"en": "Baseline", "nb": "Grunnlinje", "nn": "Grunnline"}


@pytest.fixture
def template(world):
    return services.template_create(actor=SYSTEM, code="baseline", titles=TITLES, indicators=indicators())


def fill(actor, assessment, level=2):
    services.answers_save(
        actor=actor,
        assessment=assessment,
        answers=[{"indicator": a.indicator.code, "level": level, "evidence": "seen"} for a in assessment.answers.all()],
    )


def submitted(actor, template, level=2, title=""):
    started = services.assessment_start(actor=actor, template=template, title=title)
    fill(actor, started, level)
    return services.assessment_transition(actor=actor, assessment=started, action="submit")
