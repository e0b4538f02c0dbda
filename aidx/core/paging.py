from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

# Above this many rows a list says "10,000+" rather than the exact number (see CappedPaginator).
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count stops at COUNT_CAP + 1 rows.

    An exact COUNT(*) has to visit every row the viewer may see: with a million lines, hundreds of
    thousands of rows through the need-to-know OR, which alone takes longer than the whole page may.
    Counting at most COUNT_CAP + 1 rows in list order stops early on the newest-first index. Below the cap
    `count` is exact; above it `count` is COUNT_CAP and `capped` is true (show "10,000+"), so the pages end
    at COUNT_CAP / per_page (200 pages of 50): narrower filters reach older records, as with search engines.
    """

    cap = COUNT_CAP

    @cached_property
    def capped(self) -> bool:
        return self.count_or_more > self.cap

    @cached_property
    def count_or_more(self) -> int:
        if isinstance(self.object_list, QuerySet):
            # Unordered, so that the database may stop at whichever cap + 1 rows it finds first (in list order
            # it would walk the newest-first index to the end for a rare filter); values("pk"): the count
            # needs neither the joins of select_related nor per-row annotations.
            return self.object_list.order_by().values("pk")[: self.cap + 1].count()
        return len(self.object_list)

    @cached_property
    def count(self) -> int:
        return min(self.count_or_more, self.cap)


def page_of(request: HttpRequest, queryset: Any, per_page: int | None = None) -> Page:
    """One page of a list; a bad or out-of-range page number gives the nearest real page."""
    paginator = CappedPaginator(queryset, per_page or settings.AIDX_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
