"""Every phase a run reports is shown in words, in the reader's language (not as the engine's code)."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from aidx.core.phases import PHASES, phase_label

REPORTED = re.compile(r"""(?:progress|report)\(\s*"([a-z_]+)"|phase="([a-z_]+)\"""")


def _reported() -> set[str]:
    root = Path(__file__).resolve().parents[2]  # aidx/
    found: set[str] = set()
    for source in root.rglob("*.py"):
        if "tests" in source.parts:
            continue
        for match in REPORTED.finditer(source.read_text()):
            found.add(match.group(1) or match.group(2))
    return found


def test_every_reported_phase_has_words():
    reported = _reported()
    assert {"build", "solve", "done", "simulate", "extract"} <= reported  # the scan finds the engines' reports
    assert reported <= set(PHASES), f"phases without words in aidx/core/phases.py: {reported - set(PHASES)}"


def test_it_says_the_phase_in_the_readers_language():
    with translation.override("nn"):
        assert phase_label("solve") == "løyser"
        assert phase_label("done") != "done"
    assert phase_label("not-a-phase") == "not-a-phase"
