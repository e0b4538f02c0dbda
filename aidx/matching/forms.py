from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aidx.matching.models import MatchRun


class RunForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=MatchRun.Mode.choices, initial=MatchRun.Mode.PRIORITY)
    incident = forms.CharField(label=_("Incident"), max_length=100, required=False)
    items = forms.CharField(
        label=_("Items"), max_length=500, required=False, help_text=_("Item codes separated by commas; empty for all.")
    )
    nations = forms.CharField(
        label=_("Requesting nations"),
        max_length=500,
        required=False,
        help_text=_("ISO codes separated by commas; empty for all."),
    )
    time_limit = forms.IntegerField(label=_("Time limit (seconds)"), min_value=1, max_value=3600, initial=60)

    def scope(self) -> dict[str, object]:
        data = self.cleaned_data

        def codes(text: str, upper: bool = False) -> list[str]:
            parts = [part.strip() for part in text.split(",") if part.strip()]
            return [part.upper() for part in parts] if upper else parts

        return {
            "incident": data["incident"].strip(),
            "items": codes(data["items"]),
            "nations": codes(data["nations"], upper=True),
        }
