from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aidx.documents.models import Document
from aidx.nations.models import Nation
from aidx.nations.policy import Releasability


class NationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Nation) -> str:
        return f"{obj.name} ({obj.code})"


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Document.Kind.choices, initial=Document.Kind.NOTE)
    body = forms.CharField(label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    releasability = forms.ChoiceField(
        label=_("Releasable to"), choices=Releasability.choices, initial=Releasability.ALLIES_AND_PARTNERS
    )
    release_to = NationChoiceField(
        label=_("Named nations"),
        queryset=Nation.objects.all(),
        required=False,
        help_text=_("Only for bilateral releasability."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
