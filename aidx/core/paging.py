from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def page_of(request: HttpRequest, queryset: Any, per_page: int | None = None) -> Page:
    """One page of a list; a bad or out-of-range page number gives the nearest real page."""
    paginator = Paginator(queryset, per_page or settings.AIDX_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
