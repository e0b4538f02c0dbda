from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from aidx.catalogue.models import Item
from aidx.matching.models import MatchRun
from aidx.nations.models import Nation

_SEVERAL = _("None chosen means all. Hold Ctrl (⌘ on a Mac) to choose several.")


def _by_name(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(choices, key=lambda choice: choice[1].casefold())


class RunForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=MatchRun.Mode.choices, initial=MatchRun.Mode.PRIORITY)
    incident = forms.CharField(label=_("Incident"), max_length=100, required=False)
    items = forms.MultipleChoiceField(
        label=_("Items"), required=False, help_text=_SEVERAL, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    nations = forms.MultipleChoiceField(
        label=_("Requesting nations"),
        required=False,
        help_text=_SEVERAL,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    time_limit = forms.IntegerField(label=_("Time limit (seconds)"), min_value=1, max_value=3600, initial=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # By name in the reader's language, so a person finds "Munnbind" or "Tsjekkia" where they expect it.
        items = _by_name([(item.code, str(item)) for item in Item.objects.all()])
        nations = _by_name([(nation.code, nation.name) for nation in Nation.objects.all()])
        cast(forms.ChoiceField, self.fields["items"]).choices = items
        cast(forms.ChoiceField, self.fields["nations"]).choices = nations

    def scope(self) -> dict[str, object]:
        data = self.cleaned_data
        return {"incident": data["incident"].strip(), "items": list(data["items"]), "nations": list(data["nations"])}
