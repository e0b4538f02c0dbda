"""The trust fund: pledges, contributions, disbursements (procurement orders, transport payments) and the
double-entry ledger every one of them is booked in.

Money is an integer of minor units with an ISO 4217 currency. The fund keeps its books in EUR: each
transaction stores the dated rate it was converted at (`ExchangeRate`, Decimal, never float) and the EUR
amount. A `Transaction`'s `Posting` rows sum to zero — checked by the service, and on PostgreSQL by a
deferred constraint trigger at commit. `Account.balance_minor` is the running total of its postings
(a projection, rebuildable), and the cash account's CHECK constraint forbids a negative balance: the row is
locked before any disbursement, so two payments cannot both spend the last euro.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidx.assistance.models import Allocation
from aidx.catalogue.models import Item
from aidx.nations.models import Nation, Site

FUND_CURRENCY = "EUR"


class ExchangeRate(models.Model):
    """How many EUR one unit of `currency` was worth on a day (the rate used is the latest on or before)."""

    currency = models.CharField(_("currency"), max_length=3)
    on = models.DateField(_("date"))
    eur_per_unit = models.DecimalField(_("EUR per unit"), max_digits=20, decimal_places=10)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["currency", "-on"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "on"], name="rate_one_per_day"),
            models.CheckConstraint(condition=Q(eur_per_unit__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.on}: {self.eur_per_unit}"


class Account(models.Model):
    class Code(models.TextChoices):
        RECEIVABLE = "receivable", _("pledges receivable")
        CASH = "cash", _("cash (uncommitted)")
        COMMITTED = "committed", _("cash committed to orders")
        EXPENDITURE = "expenditure", _("expenditure")
        CONTRIBUTIONS = "contributions", _("contributions (fund capital)")
        FX = "fx", _("exchange differences")

    class Kind(models.TextChoices):
        ASSET = "asset", _("asset")
        EQUITY = "equity", _("fund capital")
        EXPENSE = "expense", _("expense")

    code = models.CharField(_("code"), max_length=20, choices=Code.choices, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    balance_minor = models.BigIntegerField(_("balance (EUR cents, debit positive)"), default=0)
    non_negative = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(non_negative=False) | Q(balance_minor__gte=0), name="account_non_negative_balance"
            )
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())


class Pledge(models.Model):
    nation = models.ForeignKey(Nation, verbose_name=_("nation"), on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    pledged_on = models.DateField(_("pledged"))
    earmark = models.CharField(_("earmark"), max_length=200, blank=True)
    rate = models.DecimalField(_("EUR per unit"), max_digits=20, decimal_places=10)
    eur_minor = models.BigIntegerField(_("amount (EUR cents)"))
    illustrative = models.BooleanField(_("illustrative amount"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["-pledged_on", "-id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="pledge_amount_positive"),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="pledge_scenario_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nation_id} {self.amount_minor} {self.currency} {self.pledged_on}"


class Contribution(models.Model):
    """Money received against a pledge, in the pledge's currency."""

    pledge = models.ForeignKey(Pledge, verbose_name=_("pledge"), on_delete=models.PROTECT, related_name="contributions")
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    received_on = models.DateField(_("received"))
    rate = models.DecimalField(_("EUR per unit"), max_digits=20, decimal_places=10)
    eur_minor = models.BigIntegerField(_("amount (EUR cents)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="contribution_amount_positive")]

    def __str__(self) -> str:
        return f"{self.pledge_id}: {self.amount_minor} {self.received_on}"


class ProcurementOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved (funds committed)")
        RECEIVED = "received", _("received and paid")
        CANCELLED = "cancelled", _("cancelled")

    supplier = models.CharField(_("supplier"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3)
    warehouse = models.ForeignKey(Site, verbose_name=_("deliver to"), on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        Nation,
        verbose_name=_("intended recipient"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    ordered_on = models.DateField(_("ordered"))
    approved_on = models.DateField(_("approved"), null=True, blank=True)
    received_on = models.DateField(_("received"), null=True, blank=True)
    rate = models.DecimalField(_("EUR per unit"), max_digits=20, decimal_places=10, null=True, blank=True)
    eur_minor = models.BigIntegerField(_("committed (EUR cents)"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["-ordered_on", "-id"]
        verbose_name = _("procurement order")
        verbose_name_plural = _("procurement orders")
        constraints = [
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="order_scenario_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(eur_minor__isnull=False),
                name="order_committed_amount_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.pk} · {self.supplier}"

    @property
    def total_minor(self) -> int:
        return sum(line.quantity * line.unit_price_minor for line in self.lines.all())


class OrderLine(models.Model):
    order = models.ForeignKey(ProcurementOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_minor = models.BigIntegerField(_("unit price (minor units)"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="orderline_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_id}"


class TransportPayment(models.Model):
    recipient = models.ForeignKey(
        Nation, verbose_name=_("recipient"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300)
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    paid_on = models.DateField(_("paid"))
    rate = models.DecimalField(_("EUR per unit"), max_digits=20, decimal_places=10)
    eur_minor = models.BigIntegerField(_("amount (EUR cents)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    scenario_key = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("transport payment")
        verbose_name_plural = _("transport payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="transport_amount_positive"),
            models.UniqueConstraint(
                fields=["scenario_key"], condition=~Q(scenario_key=""), name="transport_scenario_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Transaction(models.Model):
    """One booking in the fund's ledger; its postings sum to zero."""

    class Kind(models.TextChoices):
        PLEDGE = "pledge", _("pledge")
        CONTRIBUTION = "contribution", _("contribution received")
        COMMITMENT = "commitment", _("order approved: funds committed")
        DECOMMITMENT = "decommitment", _("order cancelled: funds released")
        PROCUREMENT = "procurement", _("order received and paid")
        TRANSPORT = "transport", _("transport payment")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    rate = models.DecimalField(_("EUR per unit"), max_digits=20, decimal_places=10)
    rate_on = models.DateField(_("rate of"))
    nation = models.ForeignKey(
        Nation, verbose_name=_("nation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions")
    contribution = models.OneToOneField(
        Contribution, null=True, blank=True, on_delete=models.PROTECT, related_name="transaction"
    )
    order = models.ForeignKey(
        ProcurementOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    payment = models.OneToOneField(
        TransportPayment, null=True, blank=True, on_delete=models.PROTECT, related_name="transaction"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("fund transaction")
        verbose_name_plural = _("fund transactions")
        indexes = [models.Index(fields=["kind", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Posting(models.Model):
    """One side of a transaction: a signed EUR amount on an account (debit positive, credit negative)."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount_minor = models.BigIntegerField(_("EUR cents"))
    nation = models.ForeignKey(
        Nation, verbose_name=_("nation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        Nation, verbose_name=_("recipient"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [models.CheckConstraint(condition=~Q(amount_minor=0), name="posting_not_zero")]
        indexes = [models.Index(fields=["account", "nation"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_minor:+d}"
