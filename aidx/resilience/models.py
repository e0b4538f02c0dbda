"""Resilience: nations' self-assessments against the seven baseline requirements, and the supplier registry
behind the supply-vulnerability analysis of the stockpile.

- A `Template` is one version of the questionnaire, kept by the centre; its `Indicator`s (question, guidance,
  a 0–4 maturity scale with a description per level, a weight) are data written in English, Bokmål and Nynorsk.
  A version that an assessment has used is never changed again: the centre makes a new version.
- An `Assessment` is one nation's (or partner's) filling of a template version, releasable like any record but
  by default to the nation and the centre only. Its `Answer`s carry the claimed level, evidence text and
  documents; the centre's `ReviewComment`s sit per indicator; `Action`s are the plan for each gap.
- A `Manufacturer` produces in one country and has dated `Ownership`s (ultimate owner and its country, intervals
  [valid_from, valid_until) that never overlap). `Product` says what it makes; `LotSource` and `OrderSource` link
  the stockpile's lots and the lines of the fund's procurement orders to their manufacturer without touching those apps.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aidx.catalogue.models import Item
from aidx.documents.models import Document
from aidx.fund.models import OrderLine
from aidx.nations.models import Nation
from aidx.nations.policy import Releasable
from aidx.stockpile.models import Lot

LANGUAGES = ("en", "nb", "nn")
LEVELS = range(0, 5)  # the maturity scale: 0 (absent) to 4 (assured)


def _in_language(record: object, stem: str) -> str:
    language = (get_language() or "en")[:2]
    return getattr(record, f"{stem}_{language}", "") or getattr(record, f"{stem}_en", "")


class Requirement(models.IntegerChoices):
    """The seven baseline requirements for national resilience (Warsaw, 2016)."""

    GOVERNMENT = 1, _("Assured continuity of government and critical government services")
    ENERGY = 2, _("Resilient energy supplies")
    MOVEMENT = 3, _("Ability to deal effectively with the uncontrolled movement of people")
    FOOD_WATER = 4, _("Resilient food and water resources")
    CASUALTIES = 5, _("Ability to deal with mass casualties and disruptive health crises")
    COMMUNICATIONS = 6, _("Resilient civil communications systems")
    TRANSPORT = 7, _("Resilient civil transportation systems")


class Evidence(models.TextChoices):
    """Figures aidx computes from live data, shown beside a nation's own answer (aidx.resilience.evidence)."""

    NONE = "", _("none")
    NATIONAL_COVER = "national_cover", _("days of cover in the nation's declared stock")
    STOCKPILE_COVER = "stockpile_cover", _("days of cover in the common stockpile")
    REQUESTS_MET = "requests_met", _("share of the nation's past requests met, and how fast")
    PLEDGES_HELD = "pledges_held", _("offers and pledges the nation holds for others")
    MEDICAL_CAPACITY = "medical_capacity", _("medical evacuation and field-hospital capacity pledged")


class Template(models.Model):
    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_nb = models.CharField(_("title (Bokmål)"), max_length=200, blank=True)
    title_nn = models.CharField(_("title (Nynorsk)"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    illustrative = models.BooleanField(_("illustrative"), default=False)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("assessment template")
        verbose_name_plural = _("assessment templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="template_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="template_version_positive"),
        ]

    @property
    def title(self) -> str:
        return _in_language(self, "title")

    def __str__(self) -> str:
        return f"{self.title} · v{self.version}"


class Indicator(models.Model):
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="indicators")
    requirement = models.PositiveSmallIntegerField(_("requirement"), choices=Requirement.choices)
    code = models.CharField(_("code"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question_en = models.CharField(_("question (English)"), max_length=500)
    question_nb = models.CharField(_("question (Bokmål)"), max_length=500)
    question_nn = models.CharField(_("question (Nynorsk)"), max_length=500)
    guidance_en = models.TextField(_("guidance (English)"), max_length=4000, blank=True)
    guidance_nb = models.TextField(_("guidance (Bokmål)"), max_length=4000, blank=True)
    guidance_nn = models.TextField(_("guidance (Nynorsk)"), max_length=4000, blank=True)
    # {"en": [five descriptions, level 0 to 4], "nb": [...], "nn": [...]}
    levels = models.JSONField(_("level descriptions"))
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    required = models.BooleanField(_("required"), default=True)
    evidence = models.CharField(_("evidence from live data"), max_length=20, choices=Evidence.choices, blank=True)

    class Meta:
        ordering = ["requirement", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="indicator_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=10), name="indicator_weight_1_10"),
            models.CheckConstraint(condition=Q(requirement__gte=1) & Q(requirement__lte=7), name="indicator_req_1_7"),
        ]

    @property
    def question(self) -> str:
        return _in_language(self, "question")

    @property
    def guidance(self) -> str:
        return _in_language(self, "guidance")

    def level_descriptions(self) -> list[str]:
        language = (get_language() or "en")[:2]
        return list(self.levels.get(language) or self.levels.get("en") or [])

    def __str__(self) -> str:
        return f"{self.code} {self.question}"


class Release(models.TextChoices):
    """Releasability of an assessment: the platform's choices, plus (the default) the nation and the centre only.
    `aidx.nations.policy` reads the same column: a value it does not know admits only the owner and the centre."""

    OWNER_AND_CENTRE = "owner_centre", _("the nation and the centre only")
    ALLIES = "allies", _("allies only")
    ALLIES_AND_PARTNERS = "allies_partners", _("allies and partners")
    NAMED = "named", _("named nations only")


class Assessment(Releasable):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        REVIEWED = "reviewed", _("reviewed")

    template = models.ForeignKey(Template, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+")
    releasability = models.CharField(
        _("releasable to"), max_length=20, choices=Release.choices, default=Release.OWNER_AND_CENTRE
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    illustrative = models.BooleanField(_("illustrative"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta(Releasable.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        constraints = [
            *Releasable.Meta.constraints,
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="assessment_scenario_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["owner_nation", "status", "submitted_at"])]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="answers")
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), max_length=4000, blank=True)
    documents = models.ManyToManyField(Document, verbose_name=_("documents"), blank=True, related_name="+")

    class Meta:
        ordering = ["indicator__requirement", "indicator__order", "indicator__code"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="answer_one_per_indicator"),
            models.CheckConstraint(condition=Q(level__isnull=True) | Q(level__lte=4), name="answer_level_0_4"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.level}"


class ReviewComment(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=4000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return self.text[:60]


class Action(models.Model):
    """One step of the action plan that closes a gap."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    OPEN_STATES = (Status.OPEN, Status.IN_PROGRESS)

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("action"), max_length=500)
    responsible = models.CharField(_("owner"), max_length=200)
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [models.Index(fields=["status", "due"])]

    def __str__(self) -> str:
        return self.description


class Manufacturer(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    production_country = models.CharField(_("country of production"), max_length=3)
    illustrative = models.BooleanField(_("illustrative"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")
        constraints = [
            models.CheckConstraint(condition=Q(production_country__regex=r"^[A-Z]{3}$"), name="manufacturer_country")
        ]

    def __str__(self) -> str:
        return self.name


class Ownership(models.Model):
    """Who ultimately owns a manufacturer over [valid_from, valid_until); intervals of one manufacturer never
    overlap (the service checks under a lock on the manufacturer)."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.CASCADE, related_name="ownerships")
    owner_name = models.CharField(_("ultimate owner"), max_length=200)
    owner_country = models.CharField(_("owner's country"), max_length=3)
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True, help_text=_("The first day it no longer holds."))

    class Meta:
        ordering = ["manufacturer", "valid_from"]
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.CheckConstraint(condition=Q(owner_country__regex=r"^[A-Z]{3}$"), name="ownership_country"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")), name="ownership_dates"
            ),
            models.UniqueConstraint(fields=["manufacturer", "valid_from"], name="ownership_one_start"),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer_id}: {self.owner_name} ({self.owner_country}) {self.valid_from}"


class Product(models.Model):
    """A manufacturer makes an item (capacity per year in the item's unit, where known)."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.CASCADE, related_name="products")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    annual_capacity = models.PositiveBigIntegerField(_("capacity per year"), null=True, blank=True)

    class Meta:
        ordering = ["item", "manufacturer"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["manufacturer", "item"], name="product_unique")]

    def __str__(self) -> str:
        return f"{self.manufacturer_id} → {self.item_id}"


class LotSource(models.Model):
    lot = models.OneToOneField(Lot, on_delete=models.CASCADE, related_name="+")
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="lots")

    class Meta:
        verbose_name = _("lot's manufacturer")
        verbose_name_plural = _("lots' manufacturers")

    def __str__(self) -> str:
        return f"{self.lot_id} ← {self.manufacturer_id}"


class OrderSource(models.Model):
    """The manufacturer of one line of a procurement order (an order may buy from several through one supplier)."""

    line = models.OneToOneField(OrderLine, on_delete=models.CASCADE, related_name="+")
    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="order_lines")

    class Meta:
        verbose_name = _("order line's manufacturer")
        verbose_name_plural = _("order lines' manufacturers")

    def __str__(self) -> str:
        return f"{self.line_id} ← {self.manufacturer_id}"


class ConsumptionRate(models.Model):
    """How much of an item one occupied bed uses per day: the default table until the preparedness plan's rates
    are wired in (aidx.resilience.evidence.rates)."""

    item = models.OneToOneField(Item, on_delete=models.CASCADE, related_name="+")
    per_bed_day = models.DecimalField(_("per bed-day"), max_digits=12, decimal_places=4)
    critical = models.BooleanField(_("critical item"), default=True)
    illustrative = models.BooleanField(_("illustrative"), default=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("consumption rate")
        verbose_name_plural = _("consumption rates")
        constraints = [models.CheckConstraint(condition=Q(per_bed_day__gt=0), name="consumption_rate_positive")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.per_bed_day}"


class PlanningBeds(models.Model):
    """Beds a nation plans to fill in a wave, or (no nation) the beds the common stockpile plans to supply:
    illustrative until the preparedness plan gives them."""

    nation = models.OneToOneField(Nation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    beds = models.PositiveIntegerField(_("beds"))
    illustrative = models.BooleanField(_("illustrative"), default=True)

    class Meta:
        verbose_name = _("planning beds")
        verbose_name_plural = _("planning beds")
        constraints = [
            models.UniqueConstraint(
                fields=["nation"], condition=Q(nation__isnull=True), name="planning_beds_one_common"
            )
        ]

    def __str__(self) -> str:
        return f"{self.nation_id or '—'}: {self.beds}"
