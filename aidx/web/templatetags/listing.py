"""`{% export_links %}`: the CSV, XLSX and HXL buttons of a list page, keeping its filters (core.exports.for_list)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from aidx.core.exports import LIST_FORMATS

register = template.Library()

LABELS = {"csv": "CSV", "xlsx": "XLSX", "hxl": "HXL"}


@register.simple_tag(takes_context=True)
def export_links(context: Any, path: str = "") -> SafeString:
    """Links to this list (or to `path`, answering the same ?format=) as each file format, with the page's filters."""
    request = context["request"]
    params = request.GET.copy()
    for name in ("page", "format"):
        params.pop(name, None)
    links = []
    for fmt in LIST_FORMATS:
        params["format"] = fmt
        links.append((f"{path}?{params.urlencode()}", fmt, LABELS[fmt]))
    return format_html(
        '<p class="toolbar exports" data-testid="exports">{}: {}</p>',
        _("Download"),
        format_html_join(" · ", '<a href="{}" download data-format="{}" class="button secondary">{}</a>', links),
    )
