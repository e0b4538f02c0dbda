"""The operational plan for a new wave: its versions, the consumption rates it assumes, the standby pledges made
for it, the nations' declared own stock, wave scenarios, and simulation runs with their exact input and output.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import Offer
from aidx.catalogue.models import CapabilityType, Item
from aidx.nations.models import Site
from aidx.nations.policy import Releasable


class Plan(Releasable):
    """One version of an operational plan. Agreeing a version supersedes the agreed one of the same incident."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        AGREED = "agreed", _("agreed")
        SUPERSEDED = "superseded", _("superseded")

    name = models.CharField(_("name"), max_length=200)
    incident = models.CharField(_("incident"), max_length=100, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    fund_lead_days = models.PositiveIntegerField(
        _("procurement lead time (days)"), default=30, help_text=_("From the fund's order to stock at its site.")
    )
    previous = models.ForeignKey(
        "self", verbose_name=_("previous version"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    agreed_at = models.DateTimeField(_("agreed"), null=True, blank=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta(Releasable.Meta):
        ordering = ["incident", "-version"]
        verbose_name = _("operational plan")
        verbose_name_plural = _("operational plans")
        constraints = [
            *Releasable.Meta.constraints,
            models.UniqueConstraint(fields=["incident"], condition=Q(status="agreed"), name="plan_one_agreed"),
            models.UniqueConstraint(fields=["incident", "version"], name="plan_version_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="plan_window_ordered",
            ),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="plan_scenario_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Basis(models.TextChoices):
    BED = "bed", _("per occupied hospital bed")
    ICU = "icu", _("per occupied ICU bed")


class ConsumptionRate(models.Model):
    """How much of an item one occupied bed uses a day (consumed) or holds (durable, e.g. a ventilator)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rates")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("basis"), max_length=3, choices=Basis.choices)
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=4)
    durable = models.BooleanField(_("held, not consumed"), default=False)
    priority = models.PositiveSmallIntegerField(_("priority"), default=2)
    unit_price_minor = models.BigIntegerField(_("unit price (EUR cents)"), default=0)
    lead_days = models.PositiveIntegerField(_("procurement lead time (days)"), null=True, blank=True)
    illustrative = models.BooleanField(_("illustrative"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["priority", "item__code"]
        verbose_name = _("consumption rate")
        verbose_name_plural = _("consumption rates")
        constraints = [
            models.UniqueConstraint(fields=["plan", "item"], name="rate_one_per_item"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="rate_not_negative"),
            models.CheckConstraint(condition=Q(priority__gte=1) & Q(priority__lte=4), name="rate_priority_1_4"),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="rate_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.rate} {self.get_basis_display()}"


class Pledge(Releasable):
    """What a nation or organisation holds ready for the plan: a quantity of an item or of a capability."""

    class Status(models.TextChoices):
        STANDBY = "standby", _("on standby")
        USED = "used", _("fully activated")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="pledges")
    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    capability = models.ForeignKey(
        CapabilityType, verbose_name=_("capability"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), help_text=_("Units of the item; for a capability: aircraft sorties a week, teams, beds, seats.")
    )
    remaining = models.PositiveIntegerField(_("remaining"))
    notice_days = models.PositiveIntegerField(_("notice to move (days)"))
    origin_site = models.ForeignKey(Site, verbose_name=_("origin"), on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.CharField(_("terms"), max_length=10, choices=Offer.Terms.choices, default=Offer.Terms.DONATION)
    illustrative = models.BooleanField(_("illustrative"), default=False)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.STANDBY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta(Releasable.Meta):
        ordering = ["plan", "owner_nation_id", "id"]
        verbose_name = _("standby pledge")
        verbose_name_plural = _("standby pledges")
        constraints = [
            *Releasable.Meta.constraints,
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(capability__isnull=True))
                | (Q(item__isnull=True) & Q(capability__isnull=False)),
                name="standby_pledge_item_or_capability",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="standby_pledge_quantity_positive"),
            # remaining never below zero nor above what was pledged: an activation takes it down under a row lock
            models.CheckConstraint(condition=Q(remaining__lte=F("quantity")), name="standby_pledge_remaining_within"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="standby_pledge_window_ordered",
            ),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="standby_pledge_scenario_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["plan", "status"]), models.Index(fields=["releasability", "owner_nation"])]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.what}"

    @property
    def what(self) -> Item | CapabilityType:
        return self.item or self.capability  # type: ignore[return-value]


class Activation(models.Model):
    """A pledge turned (in part) into an open offer of the exchange: the link both ways, and how much."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="activations")
    offer = models.OneToOneField(Offer, on_delete=models.PROTECT, related_name="pledge_activation")
    quantity = models.PositiveIntegerField(_("quantity"))
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    activated_at = models.DateTimeField(_("activated"), auto_now_add=True)

    class Meta:
        ordering = ["-activated_at", "-id"]
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="activation_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} of pledge {self.pledge_id} → offer {self.offer_id}"


class OwnStock(Releasable):
    """A nation's own stock of an item, as it declares it: releasable to the centre only (bilateral, no one named)."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    as_of = models.DateField(_("as of"))

    class Meta(Releasable.Meta):
        ordering = ["owner_nation_id", "item__code"]
        verbose_name = _("declared own stock")
        verbose_name_plural = _("declared own stock")
        constraints = [
            *Releasable.Meta.constraints,
            models.UniqueConstraint(fields=["owner_nation", "item"], name="ownstock_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_nation_id}: {self.quantity} × {self.item}"


class WaveScenario(Releasable):
    """A wave to test a plan against: SEIR parameters per nation, or daily occupancy uploaded per nation."""

    class Kind(models.TextChoices):
        SEIR = "seir", _("SEIR model")
        CURVE = "curve", _("uploaded occupancy")

    name = models.CharField(_("name"), max_length=200)
    incident = models.CharField(_("incident"), max_length=100, db_index=True)
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices, default=Kind.SEIR)
    start = models.DateField(_("first day"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"), default=180)
    parameters = models.JSONField(_("parameters"), default=dict)
    curve = models.JSONField(_("occupancy"), default=dict, blank=True)
    illustrative = models.BooleanField(_("illustrative"), default=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta(Releasable.Meta):
        ordering = ["-start", "name"]
        verbose_name = _("wave scenario")
        verbose_name_plural = _("wave scenarios")
        constraints = [
            *Releasable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1) & Q(horizon_days__lte=730), name="wave_horizon_range"
            ),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="wave_scenario_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SimulationRun(Releasable):
    """A simulation of a scenario against a plan, as its runner may see it: owned by the runner's nation or
    organisation and released to no one else (the centre sees all), since its input is what the runner sees."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("finished")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="runs")
    scenario = models.ForeignKey(
        WaveScenario, verbose_name=_("scenario"), on_delete=models.PROTECT, related_name="runs"
    )
    runs = models.PositiveIntegerField(_("runs"), default=200)
    seed = models.IntegerField(_("seed"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(_("phase"), max_length=60, blank=True)
    percent = models.FloatField(_("progress"), default=0)
    cancel_requested = models.BooleanField(default=False)
    problem = models.JSONField(_("exact input"), null=True, blank=True, editable=False)
    result = models.JSONField(_("output"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta(Releasable.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("simulation run")
        verbose_name_plural = _("simulation runs")
        constraints = [
            *Releasable.Meta.constraints,
            models.CheckConstraint(condition=Q(percent__gte=0) & Q(percent__lte=100), name="simrun_percent_range"),
            models.CheckConstraint(condition=Q(runs__gte=1) & Q(runs__lte=5000), name="simrun_runs_range"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.plan} × {self.scenario}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
