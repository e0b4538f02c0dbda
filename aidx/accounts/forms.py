from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “nightly export”.")
    )
    write = forms.BooleanField(
        label=_("Allow writing"), required=False, help_text=_("Otherwise the token can only read.")
    )
