"""Documents nations and the centre share: plans, situation reports, guidance. Need-to-know applies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aidx.nations.policy import Releasable


class Document(Releasable):
    class Kind(models.TextChoices):
        SITREP = "sitrep", _("situation report")
        PLAN = "plan", _("plan")
        GUIDANCE = "guidance", _("guidance")
        NOTE = "note", _("note")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(_("text"), max_length=20000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    scenario_key = models.CharField(max_length=60, blank=True, editable=False)

    class Meta(Releasable.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            *Releasable.Meta.constraints,
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~models.Q(scenario_key=""), name="document_scenario_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title
