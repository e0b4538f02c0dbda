"""Requests for assistance, offers, and the allocations that link an offer line to a request line.

Quantities per line (allocated, accepted, shipped, delivered, cancelled) are never stored: they are
sums over allocations, computed in the query (see selectors.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _

from aidx.catalogue.models import CapabilityType, Item
from aidx.nations.models import Site
from aidx.nations.policy import Releasable

PRIORITIES = [(1, _("1 — critical")), (2, _("2 — high")), (3, _("3 — medium")), (4, _("4 — routine"))]


class AssistanceRequest(Releasable):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        PARTIALLY_MET = "partially_met", _("partially met")
        MET = "met", _("met")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    incident = models.CharField(_("incident"), max_length=100, blank=True, db_index=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=PRIORITIES, default=2)
    needed_by = models.DateField(_("needed by"))
    delivery_site = models.ForeignKey(Site, verbose_name=_("delivery site"), on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta(Releasable.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("request for assistance")
        verbose_name_plural = _("requests for assistance")
        constraints = [
            *Releasable.Meta.constraints,
            models.CheckConstraint(condition=Q(priority__gte=1) & Q(priority__lte=4), name="request_priority_1_4"),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="request_scenario_key_unique"
            ),
        ]
        # Lists are newest first (selectors): walking `newest` backwards serves the first page of any common
        # filter; `nation_newest` serves the nation filter; `visibility` covers the need-to-know columns and the
        # usual filters so that the paginator's COUNT is an index-only scan instead of a pass over the table.
        indexes = [
            models.Index(fields=["status", "priority", "needed_by"]),
            models.Index(fields=["owner_nation", "status"]),
            models.Index(fields=["-created_at", "-id"], name="request_newest"),
            models.Index(fields=["owner_nation", "-created_at", "-id"], name="request_nation_newest"),
            models.Index(
                fields=["releasability", "owner_nation", "status"],
                name="request_visibility",
                include=["id", "owner_organisation", "priority", "needed_by"],
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        """Circulated, not yet met, and its needed-by date not past (whether or not the nightly job has run)."""
        return self.status in {self.Status.SUBMITTED, self.Status.PARTIALLY_MET} and self.needed_by >= localdate()


class Offer(Releasable):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        PARTIALLY_ALLOCATED = "partially_allocated", _("partially allocated")
        FULLY_ALLOCATED = "fully_allocated", _("fully allocated")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    class Terms(models.TextChoices):
        DONATION = "donation", _("donation")
        LOAN = "loan", _("loan")
        SALE = "sale", _("sale")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    in_reply_to = models.ForeignKey(
        AssistanceRequest,
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offers",
    )
    terms = models.CharField(_("terms"), max_length=10, choices=Terms.choices, default=Terms.DONATION)
    price_minor = models.BigIntegerField(_("price (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    transport_included = models.BooleanField(_("transport included"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta(Releasable.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            *Releasable.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(terms="sale") | (Q(price_minor__gte=0) & ~Q(currency="")), name="offer_sale_has_price"
            ),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="offer_scenario_key_unique"
            ),
        ]
        indexes = [  # as for requests
            models.Index(fields=["status"]),
            models.Index(fields=["owner_nation", "status"]),
            models.Index(fields=["-created_at", "-id"], name="offer_newest"),
            models.Index(fields=["owner_nation", "-created_at", "-id"], name="offer_nation_newest"),
            models.Index(
                fields=["releasability", "owner_nation", "status"],
                name="offer_visibility",
                include=["id", "owner_organisation"],
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Line(models.Model):
    """What a line is about: a catalogue item or a capability type, never both."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    capability = models.ForeignKey(
        CapabilityType, verbose_name=_("capability"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(capability__isnull=True))
                | (Q(item__isnull=True) & Q(capability__isnull=False)),
                name="%(app_label)s_%(class)s_item_or_capability",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="%(app_label)s_%(class)s_quantity_positive"),
        ]

    @property
    def what(self) -> Item | CapabilityType:
        return self.item or self.capability  # type: ignore[return-value]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.what}"


class RequestLine(Line):
    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="lines")
    substitutes_ok = models.BooleanField(_("substitutes acceptable"), default=True)

    class Meta(Line.Meta):
        ordering = ["id"]
        verbose_name = _("request line")
        verbose_name_plural = _("request lines")
        # The item filter is a semi-join on (item, request); the per-request probe reads (request, item).
        indexes = [models.Index(fields=["item", "request"]), models.Index(fields=["request", "item"])]


class OfferLine(Line):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    available_from = models.DateField(_("available from"))
    available_until = models.DateField(_("available until"), null=True, blank=True)
    origin_site = models.ForeignKey(
        Site, verbose_name=_("origin"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta(Line.Meta):
        ordering = ["id"]
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")
        constraints = [
            *Line.Meta.constraints,
            models.CheckConstraint(
                condition=Q(available_until__isnull=True) | Q(available_until__gte=F("available_from")),
                name="offerline_window_ordered",
            ),
        ]
        indexes = [models.Index(fields=["item", "offer"]), models.Index(fields=["offer", "item"])]

    @property
    def origin(self) -> Site | None:
        """Where the goods leave from: the line's origin, else the offering nation's home airfield (the stated
        assumption of the matching and the airlift, shown beside the line). None: nothing to assume."""
        if self.origin_site_id is not None:
            return self.origin_site
        nation = self.offer.owner_nation
        return nation.home_site if nation is not None else None


class Allocation(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        SHIPPED = "shipped", _("shipped")
        DELIVERED = "delivered", _("delivered")
        CANCELLED = "cancelled", _("cancelled")

    LIVE = (Status.PROPOSED, Status.ACCEPTED, Status.SHIPPED, Status.DELIVERED)
    COMMITTED = (Status.ACCEPTED, Status.SHIPPED, Status.DELIVERED)

    offer_line = models.ForeignKey(OfferLine, on_delete=models.PROTECT, related_name="allocations")
    request_line = models.ForeignKey(RequestLine, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    match_run_id = models.BigIntegerField(_("match run"), null=True, blank=True, db_index=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    received_quantity = models.PositiveIntegerField(_("received quantity"), null=True, blank=True)
    discrepancy = models.CharField(_("discrepancy"), max_length=500, blank=True)
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__isnull=True) | Q(status="delivered"),
                name="allocation_received_only_when_delivered",
            ),
        ]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["offer_line", "status"]),
            models.Index(fields=["request_line", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.offer_line.what} → {self.request_line.request}"
