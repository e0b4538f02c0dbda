"""In-app notifications. The text is rendered when shown (or mailed), in the reader's language.

`params` keep references, not words: a nation's ISO code, an organisation as "org:<code>", an item or capability by
its catalogue code, a quantity as a number. Rendering turns them into the reader's names and number format, so
the same notification reads "Italia" and "300 000" in Nynorsk and "Italy" and "300,000" in English. (Notifications
written before kept the words they were written in: a value that is no reference is shown as it is.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aidx.catalogue.models import CapabilityType, Item
from aidx.core import formatting
from aidx.nations.models import Organisation, country_name

MESSAGES = {
    "request_circulated": _("%(nation)s asks for assistance: %(title)s"),
    "offer_received": _("%(nation)s offers help for your request: %(title)s"),
    "allocation_proposed": _("Proposed: %(quantity)s × %(what)s from %(from)s for %(title)s"),
    "allocation_accepted": _("%(nation)s accepted %(quantity)s × %(what)s (%(title)s)"),
    "allocation_declined": _("%(nation)s declined %(quantity)s × %(what)s (%(title)s): %(reason)s"),
    "lot_expired": _("Lot %(lot)s of %(what)s expired on %(date)s with %(quantity)s on hand: it is out of the offer."),
    "subscription_paused": _("Webhook %(name)s was paused after %(failures)s failed deliveries: %(url)s"),
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
        return str(MESSAGES[self.kind]) % words(self.params)

    def __str__(self) -> str:
        return self.text


def party(reference: str) -> str:
    """'ITA' → the country's name, 'org:centre' → the organisation's, in the active language."""
    if reference.startswith("org:"):
        organisation = Organisation.objects.filter(code=reference[4:]).first()
        return organisation.name if organisation else reference[4:]
    if len(reference) == 3 and reference.isalpha() and reference.isupper():
        return country_name(reference)
    return reference


def words(params: dict[str, Any]) -> dict[str, str]:
    """The message's placeholders in the active language."""
    shown = {key: str(value) for key, value in params.items()}
    for key in ("nation", "from"):
        if key in params:
            shown[key] = party(str(params[key]))
    if "quantity" in params and str(params["quantity"]).isdigit():
        shown["quantity"] = formatting.number(int(params["quantity"]))
    if params.get("date"):
        with contextlib.suppress(ValueError):  # a date written as words by an older notification
            shown["date"] = formatting.day(dt.date.fromisoformat(str(params["date"])))
    if params.get("item"):
        found = Item.objects.filter(code=params["item"]).first()
        shown["what"] = found.name if found else str(params["item"])
    elif params.get("capability"):
        capability = CapabilityType.objects.filter(code=params["capability"]).first()
        shown["what"] = capability.name if capability else str(params["capability"])
    return shown
