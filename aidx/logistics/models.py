"""Airlift and deployments: the fleet (aircraft, shared pools), missions with legs and loads, planner runs,
and deployments of medical teams and field hospitals.

A load is an accepted allocation (or part of it) carried by one mission: it boards on one leg and is unloaded
at the end of another; the manifest of a leg is every load on board between those two legs. Patients are
counts on medevac loads, never names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import Allocation
from aidx.catalogue.models import CapabilityType
from aidx.nations.models import Nation, Organisation, Site


class Pool(models.Model):
    """Aircraft owned together by several nations (the Strategic Airlift Capability) or chartered (SALIS)."""

    class Kind(models.TextChoices):
        SHARED = "shared", _("shared fleet")
        CHARTER = "charter", _("charter arrangement")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHARED)
    members: models.ManyToManyField[Nation, PoolMember] = models.ManyToManyField(
        Nation, through="PoolMember", related_name="airlift_pools"
    )
    source = models.CharField(_("source of the figures"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("aircraft pool")
        verbose_name_plural = _("aircraft pools")

    def __str__(self) -> str:
        return self.name


class PoolMember(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="memberships")
    nation = models.ForeignKey(Nation, verbose_name=_("nation"), on_delete=models.PROTECT, related_name="+")
    allotted_hours = models.PositiveIntegerField(_("allotted flight hours a year"), null=True, blank=True)

    class Meta:
        ordering = ["nation_id"]
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")
        constraints = [models.UniqueConstraint(fields=["pool", "nation"], name="poolmember_unique")]

    def __str__(self) -> str:
        return f"{self.pool}: {self.nation_id}"


class Aircraft(models.Model):
    """One airframe. Its owner is a nation, an organisation (a charter broker) or a pool, exactly one."""

    capability = models.ForeignKey(CapabilityType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+")
    tail = models.CharField(_("tail number or call sign"), max_length=40)
    owner_nation = models.ForeignKey(
        Nation, verbose_name=_("owner nation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owner organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pool = models.ForeignKey(
        Pool, verbose_name=_("pool"), null=True, blank=True, on_delete=models.PROTECT, related_name="aircraft"
    )
    home = models.ForeignKey(Site, verbose_name=_("home airfield"), on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("in service"), default=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["capability__code", "tail"]
        verbose_name = _("aircraft")
        verbose_name_plural = _("aircraft")
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_nation__isnull=False) & Q(owner_organisation__isnull=True) & Q(pool__isnull=True))
                | (Q(owner_nation__isnull=True) & Q(owner_organisation__isnull=False) & Q(pool__isnull=True))
                | (Q(owner_nation__isnull=True) & Q(owner_organisation__isnull=True) & Q(pool__isnull=False)),
                name="aircraft_one_owner",
            ),
            models.UniqueConstraint(fields=["capability", "tail"], name="aircraft_tail_unique"),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="aircraft_scenario_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.capability} {self.tail}"

    @property
    def owner(self) -> Nation | Organisation | Pool:
        return self.owner_nation or self.owner_organisation or self.pool  # type: ignore[return-value]


class AvailabilityWindow(models.Model):
    aircraft = models.ForeignKey(Aircraft, on_delete=models.CASCADE, related_name="windows")
    starts = models.DateTimeField(_("available from"))
    ends = models.DateTimeField(_("available until"))

    class Meta:
        ordering = ["starts"]
        verbose_name = _("availability window")
        verbose_name_plural = _("availability windows")
        constraints = [models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="window_ordered")]

    def __str__(self) -> str:
        return f"{self.aircraft}: {self.starts:%Y-%m-%d %H:%M}–{self.ends:%Y-%m-%d %H:%M}"


class PlanRun(models.Model):
    """One run of the airlift planner on the task worker, and the missions it proposes for review."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    percent = models.FloatField(_("progress (%)"), default=0)
    time_limit = models.FloatField(_("time limit (s)"), default=10)
    not_before = models.DateTimeField(_("plan from"), help_text=_("No load is picked up before this time."))
    owner_nation = models.ForeignKey(Nation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    proposal = models.JSONField(_("proposed missions"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("planner run")
        verbose_name_plural = _("planner runs")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0) & Q(percent__lte=100), name="planrun_percent_range")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class Mission(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        APPROVED = "approved", _("approved")
        AIRBORNE = "airborne", _("airborne")
        LANDED = "landed", _("landed")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    aircraft = models.ForeignKey(
        Aircraft, verbose_name=_("aircraft"), on_delete=models.PROTECT, related_name="missions"
    )
    tasked_by = models.ForeignKey(
        Nation,
        verbose_name=_("tasked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The pool member whose flight hours the mission uses."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    plan_run = models.ForeignKey(PlanRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="missions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    illustrative = models.BooleanField(_("illustrative figures"), default=False)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        constraints = [
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="mission_scenario_key_unique"
            )
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{_('Mission')} {self.pk} ({self.aircraft})"


class Leg(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        AIRBORNE = "airborne", _("airborne")
        LANDED = "landed", _("landed")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveSmallIntegerField(_("number"))
    origin = models.ForeignKey(Site, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Site, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    etd = models.DateTimeField(_("ETD"))
    eta = models.DateTimeField(_("ETA"))
    departed_at = models.DateTimeField(_("departed"), null=True, blank=True)
    landed_at = models.DateTimeField(_("landed"), null=True, blank=True)
    distance_km = models.PositiveIntegerField(_("distance (km)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)

    # Not fields: selectors.mission_legs puts the loads on board the viewer may see, the others summed, and the
    # totals on each leg it returns.
    manifest: list[Load]
    others: Any  # selectors.OtherLoads
    kg: int
    m3: Decimal
    patients: int

    class Meta:
        ordering = ["mission", "sequence"]
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        constraints = [
            models.UniqueConstraint(fields=["mission", "sequence"], name="leg_sequence_unique"),
            models.CheckConstraint(condition=~Q(origin=F("destination")), name="leg_moves"),
            models.CheckConstraint(condition=Q(eta__gt=F("etd")), name="leg_eta_after_etd"),
        ]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination}"


class Load(models.Model):
    """Part of an accepted allocation on a mission, on board from `board_leg` through `unload_leg`."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="loads")
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="airlift_loads")
    board_leg = models.ForeignKey(Leg, on_delete=models.CASCADE, related_name="boarding")
    unload_leg = models.ForeignKey(Leg, on_delete=models.CASCADE, related_name="unloading")
    quantity = models.PositiveIntegerField(_("quantity"))
    kg = models.PositiveIntegerField(_("kg"))
    m3 = models.DecimalField(_("m³"), max_digits=10, decimal_places=3)
    patients = models.PositiveIntegerField(_("patients"), default=0)

    class Meta:
        ordering = ["mission", "board_leg__sequence", "id"]
        verbose_name = _("load")
        verbose_name_plural = _("loads")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="load_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.allocation.offer_line.what}"


class PoolHours(models.Model):
    """Flight hours a pool aircraft flew for a member nation (one entry per completed mission)."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="hours")
    nation = models.ForeignKey(Nation, on_delete=models.PROTECT, related_name="+")
    mission = models.OneToOneField(Mission, on_delete=models.PROTECT, related_name="pool_hours")
    hours = models.DecimalField(_("flight hours"), max_digits=8, decimal_places=2)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("pool flight hours")
        verbose_name_plural = _("pool flight hours")

    def __str__(self) -> str:
        return f"{self.pool} {self.nation_id}: {self.hours} h"


class Deployment(models.Model):
    """A medical team or field hospital, allocated through the exchange, sent to a site for dates."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        DEPLOYED = "deployed", _("deployed")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="deployments")
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    starts = models.DateField(_("from"))
    ends = models.DateField(_("until"))
    arrived_on = models.DateField(_("arrived"), null=True, blank=True)
    returned_on = models.DateField(_("returned"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    doctors = models.PositiveIntegerField(_("doctors"), default=0)
    nurses = models.PositiveIntegerField(_("nurses"), default=0)
    paramedics = models.PositiveIntegerField(_("paramedics and rescuers"), default=0)
    other_staff = models.PositiveIntegerField(_("other staff"), default=0)
    languages = models.CharField(
        _("languages"), max_length=100, blank=True, help_text=_("ISO 639 codes, comma-separated.")
    )
    beds = models.PositiveIntegerField(_("beds"), default=0)
    icu_beds = models.PositiveIntegerField(_("intensive-care beds"), default=0)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    illustrative = models.BooleanField(_("illustrative figures"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["-starts", "-id"]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        constraints = [
            models.CheckConstraint(condition=Q(ends__gte=F("starts")), name="deployment_dates_ordered"),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="deployment_scenario_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allocation.offer_line.what} → {self.site}"

    @property
    def staff(self) -> int:
        return self.doctors + self.nurses + self.paramedics + self.other_staff
