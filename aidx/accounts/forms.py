from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “nightly export”.")
    )
    write = forms.BooleanField(
        label=_("Allow writing"), required=False, help_text=_("Otherwise the token can only read.")
    )
    expires_on = forms.DateField(
        label=_("Works until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day the token works (UTC). Empty: until you revoke it."),
    )

    def clean_expires_on(self) -> dt.date | None:
        last_day = self.cleaned_data.get("expires_on")
        if last_day is not None and last_day < timezone.now().date():
            raise forms.ValidationError(_("Choose today or a later day."))
        return last_day
