"""The phases a long run reports while it works (a match run, an airlift plan, a simulation), in words.

The engines report a phase by its code (`progress("solve", 40.0)`); the runs store the code, the API answers it
as is, and pages show it through `phase_label`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

PHASES: dict[str, Any] = {
    "build": _("building the problem"),
    "prepare": _("preparing"),
    "solve": _("solving"),
    "fair": _("sharing fairly"),
    "disaggregate": _("splitting into lines"),
    "extract": _("reading the solution"),
    "curves": _("computing the epidemic curves"),
    "simulate": _("simulating week by week"),
    "store": _("saving the result"),
    "done": _("done"),
}


def phase_label(code: str) -> str:
    """The phase in the reader's language; a code no engine declared here is shown as it is."""
    label = PHASES.get(code)
    return str(label) if label is not None else code
