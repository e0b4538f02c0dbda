from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import Offer
from aidx.core.errors import BusinessError
from aidx.nations.policy import Releasability
from aidx.preparedness import selectors
from aidx.preparedness.services import PledgeInput


class PledgeForm(forms.Form):
    item = forms.CharField(label=_("Item code"), max_length=40, required=False)
    capability = forms.CharField(label=_("or capability code"), max_length=40, required=False)
    quantity = forms.CharField(label=_("Quantity"), max_length=12)
    notice_days = forms.CharField(label=_("Notice to move (days)"), max_length=6)
    origin_site = forms.CharField(label=_("Origin site code"), max_length=40)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    terms = forms.ChoiceField(label=_("Terms"), choices=Offer.Terms.choices)
    releasability = forms.ChoiceField(
        label=_("Releasable to"),
        choices=[c for c in Releasability.choices if c[0] != Releasability.NAMED],
        initial=Releasability.ALLIES_AND_PARTNERS,
    )

    def service_input(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "pledges": [
                PledgeInput(
                    item=d["item"].strip() or None,
                    capability=d["capability"].strip() or None,
                    quantity=d["quantity"],
                    notice_days=d["notice_days"],
                    origin_site=d["origin_site"].strip(),
                    valid_from=d["valid_from"],
                    valid_until=d["valid_until"],
                    terms=d["terms"],
                )
            ],
            "releasability": d["releasability"],
        }

    def add_errors(self, error: BusinessError) -> None:
        """Every problem the service found, on its field (or the form when it names none of them)."""
        for field, messages in (error.fields or {error.field or "": [str(error.message)]}).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class RunForm(forms.Form):
    scenario = forms.ChoiceField(label=_("Wave scenario"))
    runs = forms.IntegerField(label=_("Runs"), initial=200, min_value=1, max_value=5000)
    seed = forms.IntegerField(label=_("Seed"), initial=0, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args: Any, user: Any, incident: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choices = [(str(s.pk), str(s)) for s in selectors.scenarios(user).order_by("-start")]
        cast(forms.ChoiceField, self.fields["scenario"]).choices = choices

    def service_input(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "scenario": selectors.scenario(self.user, int(d["scenario"])),
            "runs": d["runs"],
            "seed": d["seed"],
        }
