"""Interchange with other systems: messages received, records they made, foreign types mapped, webhooks.

- `InboundMessage`: one EDXL-RM message accepted from another system (refused ones are logged, never stored: a
  refusal writes nothing). Its (sender, message id) is unique, so a message delivered twice makes nothing twice.
- `ExternalRef`: which local record a foreign identifier (a message id, a resource element id) stands for, so that
  a reply, an acceptance or a status report from another system finds the record it is about.
- `TypeMapping`: a foreign resource type ("Track Dozer" in a NIMS list) mapped to a catalogue item or capability,
  remembered per sender.
- `PendingMessage` / `PendingLine`: a request whose lines name types not yet mapped waits here for a coordinator.
- `Subscription` / `Delivery`: webhooks, signed and retried by the task worker; `FanOutSeen`: which entries of the
  audit log (the outbox every write already goes through) the fan-out has read, within its look-back window.
- `InboundLink`: the shared secret another node signs its deliveries with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aidx.catalogue.models import CapabilityType, Item
from aidx.nations.models import Nation, Organisation


class DistributionStatus(models.TextChoices):
    ACTUAL = "Actual", _("actual")
    EXERCISE = "Exercise", _("exercise")
    TEST = "Test", _("test")


class InboundMessage(models.Model):
    class Outcome(models.TextChoices):
        APPLIED = "applied", _("applied")
        QUEUED = "queued", _("waiting for type mapping")

    sender = models.CharField(_("sender"), max_length=200)
    message_id = models.CharField(_("message id"), max_length=300)
    kind = models.CharField(_("message type"), max_length=60)
    distribution_status = models.CharField(
        _("distribution status"), max_length=10, choices=DistributionStatus.choices, default=DistributionStatus.ACTUAL
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    records = models.JSONField(_("records"), default=list)  # [{"type": "request", "id": 12}, ...]
    warnings = models.JSONField(_("warnings"), default=list)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The affiliation of who received it: the messages a nation (and the centre) may read back.
    owner_nation = models.ForeignKey(Nation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        constraints = [models.UniqueConstraint(fields=["sender", "message_id"], name="inbound_message_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id}"


class ExternalRef(models.Model):
    """A foreign identifier and the local record it stands for."""

    node = models.CharField(_("node"), max_length=200)  # who named it: a sender or a node id
    foreign_id = models.CharField(_("foreign id"), max_length=300)
    target_type = models.CharField(max_length=40)  # request, request-line, offer, offer-line, allocation
    target_id = models.BigIntegerField()
    message = models.ForeignKey(InboundMessage, null=True, on_delete=models.CASCADE, related_name="refs")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "foreign_id", "target_type"], name="external_ref_once"),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.node} {self.foreign_id} → {self.target_type} {self.target_id}"


class TypeMapping(models.Model):
    sender = models.CharField(_("sender"), max_length=200)
    type_list = models.CharField(_("type list"), max_length=300, blank=True)
    type_value = models.CharField(_("foreign type"), max_length=300)
    item = models.ForeignKey(Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT)
    capability = models.ForeignKey(
        CapabilityType, verbose_name=_("capability"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sender", "type_value"]
        verbose_name = _("type mapping")
        verbose_name_plural = _("type mappings")
        constraints = [
            models.UniqueConstraint(fields=["sender", "type_list", "type_value"], name="type_mapping_once"),
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(capability__isnull=True))
                | (Q(item__isnull=True) & Q(capability__isnull=False)),
                name="type_mapping_item_or_capability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.type_value} → {self.item or self.capability}"


class PendingMessage(models.Model):
    """A received request waiting until every line names a catalogue item or capability."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for mapping")
        CREATED = "created", _("request created")
        DISCARDED = "discarded", _("discarded")

    message = models.OneToOneField(InboundMessage, on_delete=models.PROTECT, related_name="pending")
    sender = models.CharField(_("sender"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    header = models.JSONField(default=dict)  # what request_create needs besides the lines
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    owner_nation = models.ForeignKey(Nation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message waiting for mapping")
        verbose_name_plural = _("messages waiting for mapping")

    def __str__(self) -> str:
        return self.title


class PendingLine(models.Model):
    class Flag(models.TextChoices):
        NONE = "", _("none")
        QUANTITY = "quantity", _("quantity not understood")

    pending = models.ForeignKey(PendingMessage, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField()
    element_id = models.CharField(max_length=300)
    type_list = models.CharField(_("type list"), max_length=300, blank=True)
    type_value = models.CharField(_("foreign type"), max_length=300)
    name = models.CharField(_("name"), max_length=300, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    quantity_text = models.CharField(_("quantity as written"), max_length=300, blank=True)
    flag = models.CharField(_("flag"), max_length=10, choices=Flag.choices, blank=True, default=Flag.NONE)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    capability = models.ForeignKey(CapabilityType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["pending", "number"], name="pending_line_once")]

    def __str__(self) -> str:
        return f"{self.number}: {self.type_value}"

    @property
    def mapped(self) -> bool:
        return bool(self.item_id or self.capability_id)

    @property
    def ready(self) -> bool:
        return self.mapped and self.quantity is not None


class Subscription(models.Model):
    """A webhook: where to send which events, in which format, signed with which secret."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")

    class Format(models.TextChoices):
        JSON = "json", _("JSON")
        EDXL = "edxl", _("EDXL-DE with EDXL-RM")

    owner_nation = models.ForeignKey(Nation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    format = models.CharField(_("format"), max_length=5, choices=Format.choices, default=Format.JSON)
    key = models.CharField(_("key"), max_length=40, unique=True)
    secret = models.CharField(max_length=100)
    remote_token = models.CharField(max_length=200, blank=True)  # the bearer token the other node gave us
    # Changes made by this user are the other node's own (it acts here through it): they are not sent back.
    remote_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A link to another node: its token acts there for one nation, so only changes made for that nation travel
    # (another nation's record sent through it would be made there in this nation's name).
    speaks_for = models.ForeignKey(
        Nation, verbose_name=_("speaks for"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_nation__isnull=False) | Q(owner_organisation__isnull=False),
                name="subscription_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40)
    message_id = models.CharField(_("message id"), max_length=300)
    target_type = models.CharField(max_length=40)
    target_id = models.BigIntegerField()
    body = models.TextField()
    content_type = models.CharField(max_length=60)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["subscription", "message_id"], name="delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}"


class FanOutSeen(models.Model):
    """An audit entry the fan-out has turned into deliveries. Entries are read by what is not seen yet rather than
    past a cursor: on PostgreSQL a transaction that commits late shows entries with ids below ones already read.
    Rows older than the look-back window are dropped (the fan-out never reads that far back)."""

    entry = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)  # the entry's

    def __str__(self) -> str:
        return str(self.entry)


class InboundLink(models.Model):
    """Another node's key and shared secret: deliveries carrying this key must be signed with this secret."""

    key = models.CharField(_("key"), max_length=40, unique=True)
    secret = models.CharField(max_length=100)
    name = models.CharField(_("name"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inbound link")
        verbose_name_plural = _("inbound links")

    def __str__(self) -> str:
        return self.name
