"""What can be requested and offered: catalogue items (goods) and capability types (aircraft, teams, hospitals)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aidx.core.models import TranslatedName


class Item(TranslatedName):
    class Category(models.TextChoices):
        RESPIRATORY = "respiratory", _("respiratory care")
        PPE = "ppe", _("personal protective equipment")
        DIAGNOSTICS = "diagnostics", _("diagnostics")
        HYGIENE = "hygiene", _("hygiene and disinfection")
        MEDICAL = "medical", _("medical equipment")
        SUPPLIES = "supplies", _("general supplies")

    class Unit(models.TextChoices):
        PIECE = "piece", _("piece")
        PAIR = "pair", _("pair")
        KIT = "kit", _("kit")
        LITRE = "litre", _("litre")
        BOX = "box", _("box")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    unit_weight_kg = models.DecimalField(_("unit weight (kg)"), max_digits=10, decimal_places=4)
    unit_volume_m3 = models.DecimalField(_("unit volume (m³)"), max_digits=10, decimal_places=6)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    substitutes: models.ManyToManyField[Item, Substitution] = models.ManyToManyField(
        "self", through="Substitution", symmetrical=False, related_name="+", verbose_name=_("substitutes")
    )
    source = models.CharField(
        _("source of the figures"), max_length=300, blank=True, help_text=_("Where the figures come from.")
    )
    illustrative = models.BooleanField(
        _("illustrative figures"), default=False, help_text=_("Some figures are estimates nobody published.")
    )

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.CheckConstraint(condition=Q(unit_weight_kg__gt=0), name="item_weight_positive"),
            models.CheckConstraint(condition=Q(unit_volume_m3__gt=0), name="item_volume_positive"),
        ]


class Substitution(models.Model):
    """`substitute` may serve a request for `item` (an FFP2 mask serves a surgical-mask request), at a penalty."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="substitutions")
    substitute = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="substitutes_for")
    penalty = models.PositiveIntegerField(_("penalty per unit"), default=1)

    class Meta:
        verbose_name = _("substitution")
        verbose_name_plural = _("substitutions")
        constraints = [
            models.UniqueConstraint(fields=["item", "substitute"], name="substitution_unique"),
            models.CheckConstraint(condition=~Q(item=F("substitute")), name="substitution_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.substitute} → {self.item}"


class CapabilityType(TranslatedName):
    """A kind of capability. Only the figures that apply to its kind are set."""

    class Kind(models.TextChoices):
        AIRCRAFT = "aircraft", _("aircraft")
        FIELD_HOSPITAL = "field_hospital", _("field hospital")
        MEDICAL_TEAM = "medical_team", _("medical team")
        MEDEVAC = "medevac", _("medical evacuation")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    payload_kg = models.PositiveIntegerField(_("payload (kg)"), null=True, blank=True)
    volume_m3 = models.PositiveIntegerField(_("volume (m³)"), null=True, blank=True)
    pallet_positions = models.PositiveSmallIntegerField(_("pallet positions"), null=True, blank=True)
    cruise_speed_kmh = models.PositiveIntegerField(_("cruise speed (km/h)"), null=True, blank=True)
    range_km = models.PositiveIntegerField(_("range with payload (km)"), null=True, blank=True)
    beds = models.PositiveIntegerField(_("beds"), null=True, blank=True)
    icu_beds = models.PositiveIntegerField(_("intensive-care beds"), null=True, blank=True)
    stretchers = models.PositiveIntegerField(_("stretchers"), null=True, blank=True)
    staff = models.PositiveIntegerField(_("staff"), null=True, blank=True)
    source = models.CharField(_("source of the figures"), max_length=300, blank=True)
    illustrative = models.BooleanField(_("illustrative figures"), default=False)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("capability type")
        verbose_name_plural = _("capability types")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="aircraft") | (Q(payload_kg__gt=0) | Q(icu_beds__gt=0)),
                name="capability_aircraft_has_capacity",
            )
        ]
