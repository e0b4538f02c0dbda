"""Building blocks shared by the domain apps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TranslatedName(models.Model):
    """A name given in each of the platform's languages; `name` picks the active one."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_nb = models.CharField(_("name (Bokmål)"), max_length=200, blank=True)
    name_nn = models.CharField(_("name (Nynorsk)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en

    def __str__(self) -> str:
        return self.name
