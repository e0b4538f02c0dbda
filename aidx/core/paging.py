from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import PageNumberPagination

# Above this many rows a list says "10,000+" rather than the exact number (see CappedPaginator).
COUNT_CAP = 10_000


def capped_count(object_list: Any, cap: int = COUNT_CAP) -> int:
    """How many rows, counting at most cap + 1: a result above `cap` means "more than cap"."""
    if isinstance(object_list, QuerySet):
        # Unordered, so that the database may stop at whichever cap + 1 rows it finds first (in list order
        # it would walk the newest-first index to the end for a rare filter); values("pk"): the count
        # needs neither the joins of select_related nor per-row annotations.
        return object_list.order_by().values("pk")[: cap + 1].count()
    return len(object_list)


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
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self.count_or_more, self.cap)


class CappedPageNumberPagination(PageNumberPagination):
    """The API's pagination (NINJA_PAGINATION_CLASS): `page` and `page_size` as ninja's PageNumberPagination,
    but the count is capped as in CappedPaginator: `count` is exact up to COUNT_CAP; above it `count` is
    COUNT_CAP and `count_capped` is true. Pages past the cap are still served (an offset, not a count).
    """

    cap = COUNT_CAP

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool

    def _counted(self, queryset: Any) -> dict[str, Any]:
        found = capped_count(queryset, self.cap)
        return {"count": min(found, self.cap), "count_capped": found > self.cap}

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        return {self.items_attribute: queryset[offset : offset + page_size], **self._counted(queryset)}

    async def apaginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        from asgiref.sync import sync_to_async

        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        if isinstance(queryset, QuerySet):
            items = [obj async for obj in queryset[offset : offset + page_size]]
        else:
            items = queryset[offset : offset + page_size]
        return {self.items_attribute: items, **(await sync_to_async(self._counted)(queryset))}


def page_of(request: HttpRequest, queryset: Any, per_page: int | None = None) -> Page:
    """One page of a list; a bad or out-of-range page number gives the nearest real page."""
    paginator = CappedPaginator(queryset, per_page or settings.AIDX_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
