"""Match runs: the allocation engine run on the worker, its exact input and output, and the review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import OfferLine, RequestLine


class MatchRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("ready for review")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        PUBLISHED = "published", _("published")

    class Mode(models.TextChoices):
        PRIORITY = "priority", _("most urgent first")
        FAIR = "fair", _("fair share when short")

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.PRIORITY)
    scope = models.JSONField(_("scope"), default=dict, help_text=_("incident, items and nations to include"))
    seed = models.IntegerField(_("seed"), default=0)
    time_limit = models.FloatField(_("time limit (s)"), default=60)
    as_of = models.DateField(_("as of"))
    problem = models.JSONField(_("exact input"), null=True, blank=True, editable=False)
    result = models.JSONField(_("output"), null=True, blank=True, editable=False)
    phase = models.CharField(_("phase"), max_length=60, blank=True)
    percent = models.FloatField(_("progress"), default=0)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0) & Q(percent__lte=100), name="matchrun_percent_range")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_mode_display()} {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Proposal(models.Model):
    """One line of a run's result: a quantity of an offer line for a request line. Review may drop it."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="proposals")
    offer_line = models.ForeignKey(OfferLine, on_delete=models.CASCADE, related_name="+")
    request_line = models.ForeignKey(RequestLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    ton_km = models.FloatField(_("ton-km"), default=0)
    dropped = models.BooleanField(_("dropped"), default=False)
    allocation_id = models.BigIntegerField(null=True, blank=True, help_text=_("the allocation made on publish"))

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="proposal_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.offer_line_id} → {self.request_line_id}"
