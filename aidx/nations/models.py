"""Nations, their dated memberships, organisations and sites."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aidx.core.models import TranslatedName
from aidx.nations import names


def country_name(code: str, language: str | None = None) -> str:
    """The country's name in `language` (default: the active one); see aidx.nations.names."""
    return names.country_name(code, (language or get_language() or "en")[:2])


class Nation(models.Model):
    """A nation by its ISO 3166-1 alpha-3 code; its name comes from pycountry in the viewer's language."""

    code = models.CharField(_("ISO 3166 code"), max_length=3, primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True)
    home_site = models.ForeignKey(
        "Site",
        verbose_name=_("home airfield"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where the nation's goods leave from when an offer line names no origin."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("nation")
        verbose_name_plural = _("nations")
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{3}$"), name="nation_code_alpha3")]

    @property
    def name(self) -> str:
        return country_name(self.code)

    def __str__(self) -> str:
        return self.name


class Organisation(TranslatedName):
    class Kind(models.TextChoices):
        CENTRE = "centre", _("coordination centre")
        INTERNATIONAL = "international", _("international organisation")
        AGENCY = "agency", _("agency")
        MINISTRY = "ministry", _("ministry")
        NGO = "ngo", _("non-governmental organisation")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    nation = models.ForeignKey(
        Nation, verbose_name=_("nation"), null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")


class Membership(models.Model):
    """A nation's (or an organisation's) standing in the alliance over a dated interval [valid_from, valid_until)."""

    class Kind(models.TextChoices):
        ALLY = "ally", _("ally")
        PARTNER = "partner", _("partner")

    nation = models.ForeignKey(
        Nation, verbose_name=_("nation"), null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True, help_text=_("The first day it no longer holds."))

    class Meta:
        ordering = ["valid_from"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(nation__isnull=False) & Q(organisation__isnull=True))
                | (Q(nation__isnull=True) & Q(organisation__isnull=False)),
                name="membership_one_party",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="membership_until_after_from",
            ),
        ]
        indexes = [models.Index(fields=["kind", "valid_from", "valid_until"])]

    @property
    def party(self) -> Nation | Organisation:
        return self.nation or self.organisation  # type: ignore[return-value]

    def __str__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "…"
        return f"{self.party} {self.get_kind_display()} {self.valid_from.isoformat()}–{until}"


class Site(models.Model):
    class Kind(models.TextChoices):
        AIRFIELD = "airfield", _("airfield")
        WAREHOUSE = "warehouse", _("warehouse")
        HOSPITAL = "hospital", _("hospital")
        CITY = "city", _("city")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    nation = models.ForeignKey(Nation, verbose_name=_("nation"), on_delete=models.PROTECT, related_name="sites")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("operator"), null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)
    icao = models.CharField(_("ICAO code"), max_length=4, blank=True)
    iata = models.CharField(_("IATA code"), max_length=3, blank=True)

    class Meta:
        ordering = ["nation_id", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90) & Q(latitude__lte=90), name="site_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180) & Q(longitude__lte=180), name="site_longitude_range"
            ),
            models.UniqueConstraint(fields=["icao"], condition=~Q(icao=""), name="site_icao_unique"),
        ]

    def __str__(self) -> str:
        return self.name
