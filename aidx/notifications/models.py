"""In-app notifications. The text is rendered when shown (or mailed), in the reader's language."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "request_circulated": _("%(nation)s asks for assistance: %(title)s"),
    "offer_received": _("%(nation)s offers help for your request: %(title)s"),
    "allocation_proposed": _("Proposed: %(quantity)s × %(what)s from %(from)s for %(title)s"),
    "allocation_accepted": _("%(nation)s accepted %(quantity)s × %(what)s (%(title)s)"),
    "allocation_declined": _("%(nation)s declined %(quantity)s × %(what)s (%(title)s): %(reason)s"),
    "lot_expired": _("Lot %(lot)s of %(what)s expired on %(date)s with %(quantity)s on hand: it is out of the offer."),
}


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=[(k, k) for k in MESSAGES])
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    @property
    def text(self) -> str:
        return str(MESSAGES[self.kind]) % {key: str(value) for key, value in self.params.items()}

    def __str__(self) -> str:
        return self.text
