from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def history_link(context: dict[str, Any], record: models.Model) -> SafeString | str:
    """A link from a record's page to its history in the audit log, for those who may read the log (coordinators):
    `{% load audit %}{% history_link record %}`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if record is None or user is None or not user.is_authenticated or not user.has_role("coordinator"):
        return ""
    query = urlencode({"type": record._meta.label_lower, "id": str(record.pk)})
    return format_html(
        '<p class="meta"><a class="history" href="{}?{}" data-testid="history-link">{}</a></p>',
        reverse("audit:list"),
        query,
        _("History in the audit log"),
    )
