"""The stockpile: lots of items held at warehouses, and the stock ledger that is the only way stock changes.

- `Movement` is one business event (a receipt, a reservation for an allocation, a release, a transfer, an
  adjustment after a count, a disposal); its `Entry` rows are the ledger: signed changes of on-hand and
  reserved quantities of one lot at one warehouse. Both are append-only (database triggers).
- `Balance` is the projection: on hand and reserved per warehouse and lot, written in the same transaction as
  the entries and rebuildable from them at any time (`aidx stock check`, `services.rebuild_balances`).
  Its CHECK constraints make negative stock, over-reservation and reservations on a blocked lot impossible
  whatever the code above does; services lock the rows (`select_for_update`) before they read them.
- Warehouses are sites of kind "warehouse".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import Allocation, Offer
from aidx.catalogue.models import Item
from aidx.nations.models import Nation, Site


class Lot(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", _("available")
        QUARANTINED = "quarantined", _("quarantined")
        RECALLED = "recalled", _("recalled")
        EXPIRED = "expired", _("expired")
        DAMAGED = "damaged", _("damaged")

    class Source(models.TextChoices):
        DONATION = "donation", _("donation in kind")
        PROCUREMENT = "procurement", _("procurement")

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    lot_number = models.CharField(_("lot number"), max_length=60)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.AVAILABLE)
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True)
    owner_nation = models.ForeignKey(
        Nation,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the common stockpile."),
    )
    donor = models.ForeignKey(
        Nation, verbose_name=_("donor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.DONATION)
    unit_value_minor = models.BigIntegerField(_("unit value (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    received_on = models.DateField(_("received"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["expiry_date", "id"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.UniqueConstraint(fields=["item", "lot_number"], name="lot_number_unique_per_item"),
            models.CheckConstraint(condition=Q(unit_value_minor__gte=0), name="lot_unit_value_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="lot_currency_alpha3"),
        ]
        indexes = [models.Index(fields=["item", "status", "expiry_date"]), models.Index(fields=["expiry_date"])]

    def __str__(self) -> str:
        return f"{self.item} · {self.lot_number}"

    @property
    def is_common(self) -> bool:
        return self.owner_nation_id is None


class Movement(models.Model):
    """One business event on the stock; its entries are written with it, in the same transaction."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        RESERVATION = "reservation", _("reservation")
        CANCELLATION = "cancellation", _("reservation cancelled")
        RELEASE = "release", _("release")
        TRANSFER = "transfer", _("transfer")
        ADJUSTMENT = "adjustment", _("adjustment after a count")
        DISPOSAL = "disposal", _("disposal")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    allocation = models.ForeignKey(
        Allocation,
        verbose_name=_("allocation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_movements",
        db_index=False,  # indexed where set only: see Meta
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            # One release per allocation: a second release of the same allocation fails in the database.
            models.UniqueConstraint(
                fields=["allocation"],
                condition=Q(kind="release", allocation__isnull=False),
                name="movement_one_release_per_allocation",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["adjustment", "disposal"]) | ~Q(reason=""), name="movement_reason_given"
            ),
        ]
        # Every movement writes its index entries. Those without an allocation (receipts, issues, transfers, counts,
        # disposals) are never looked up by it: the allocation's indexes skip them. (A movement is found by its
        # allocation, or through its entries; nothing filters movements by kind and date.)
        indexes = [
            models.Index(fields=["allocation"], condition=Q(allocation__isnull=False), name="movement_allocation"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk}"

    @property
    def kind_label(self) -> str:
        # Not get_kind_display(), which translates the label of every kind to find one: this runs for every movement
        # (its audit entry).
        try:
            return str(self.Kind(self.kind).label)
        except ValueError:
            return str(self.kind)


class Entry(models.Model):
    """One line of the stock ledger: the change of one lot at one warehouse."""

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Movement.Kind.choices)  # copied, to filter without a join
    warehouse = models.ForeignKey(Site, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="entries", db_index=False
    )  # the index on (lot, warehouse) serves it
    on_hand_delta = models.BigIntegerField(_("on hand ±"))
    reserved_delta = models.BigIntegerField(_("reserved ±"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_delta=0) | ~Q(reserved_delta=0), name="entry_changes_something"
            ),
        ]
        indexes = [models.Index(fields=["lot", "warehouse"]), models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.lot_id}@{self.warehouse_id} {self.on_hand_delta:+d}/{self.reserved_delta:+d}"


class Balance(models.Model):
    """On hand and reserved for one lot at one warehouse: the ledger's running total (a projection)."""

    warehouse = models.ForeignKey(
        Site, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stock_balances", db_index=False
    )  # the unique index on (warehouse, lot) serves it
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="balances")
    on_hand = models.BigIntegerField(_("on hand"), default=0)
    reserved = models.BigIntegerField(_("reserved"), default=0)
    # The lot's status is not "available": nothing may be reserved or released. Kept on the locked row so that a
    # recall and a release racing each other meet on the same lock.
    blocked = models.BooleanField(_("blocked"), default=False)

    class Meta:
        ordering = ["lot__expiry_date", "lot_id", "warehouse_id"]
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "lot"], name="balance_one_per_warehouse_lot"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="balance_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="balance_reserved_not_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")), name="balance_reserved_within_on_hand"),
            models.CheckConstraint(condition=Q(blocked=False) | Q(reserved=0), name="balance_blocked_not_reserved"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return 0 if self.blocked else self.on_hand - self.reserved


class StockOffer(models.Model):
    """The exchange offer through which the stockpile offers its available stock of one item."""

    item = models.OneToOneField(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stockpile offer")
        verbose_name_plural = _("stockpile offers")

    def __str__(self) -> str:
        return f"{self.item_id} → {self.offer_id}"
