from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# Above this many rows a list says "10,000+" rather than the exact number (see CappedPaginator).
COUNT_CAP = 10_000
# The API's largest `page_size` (as the README says) and page number; larger ones are refused with 422, never clipped
# silently. MAX_PAGE keeps the offset, (page - 1) × page_size, well inside the 64-bit integers databases skip by.
MAX_PAGE_SIZE = 500
MAX_PAGE = 1_000_000


def capped_count(object_list: Any, cap: int = COUNT_CAP) -> int:
    """How many rows, counting at most cap + 1: a result above `cap` means "more than cap"."""
    if isinstance(object_list, SplitList):
        object_list = object_list.queryset
    if isinstance(object_list, QuerySet):
        # Unordered, so that the database may stop at whichever cap + 1 rows it finds first (in list order
        # it would walk the newest-first index to the end for a rare filter); values("pk"): the count
        # needs neither the joins of select_related nor per-row annotations.
        return object_list.order_by().values("pk")[: cap + 1].count()
    return len(object_list)


class SplitList:
    """A list (`queryset`, in `order`, which ends with the primary key) read one value of `field` at a time.

    For a filter that no index serves in list order. With a needed_by range, newest first walks past every newer
    record needed later (130,000 rows for a fortnight of April 2020 among a million lines), while each day of the
    range is a range of the (needed_by, created_at, id) index in list order. On PostgreSQL a window [a:b] takes
    the first b ids of each value in list order, side by side (`VALUES ... CROSS JOIN LATERAL`: the list's query,
    compiled once by Django, with `field = value`), keeps the window of their merge, and loads those rows by id
    from `queryset`, so they keep its annotations and joins. A UNION of one query per value did the same but took
    Django 18 ms to compile for a fortnight. Counted as `queryset` is. Elsewhere (SQLite) a window is read from
    `queryset`.
    """

    ordered = True  # for Paginator's check

    def __init__(self, queryset: QuerySet[Any], field: str, values: list[Any], order: tuple[str, ...]) -> None:
        self.queryset, self.field, self.values, self.order = queryset, field, values, order

    def __getitem__(self, window: slice) -> Any:
        if not isinstance(window, slice) or window.stop is None or window.step is not None:
            raise TypeError("A SplitList is read in windows [start:stop].")
        connection = connections[self.queryset.db]
        start, stop = window.start or 0, window.stop
        if connection.vendor != "postgresql" or not self.values or stop <= start:
            return self.queryset.order_by(*self.order)[window]
        columns = [name.lstrip("-") for name in self.order]
        value = RawSQL('"part"."value"', (), output_field=self.queryset.model._meta.get_field(self.field))
        part = self.queryset.filter(**{self.field: value}).order_by(*self.order).values_list(*columns)[:stop]
        part_sql, part_params = part.query.get_compiler(connection=connection).as_sql()
        ordering = ", ".join(f"{n} {'DESC' if name.startswith('-') else 'ASC'}" for n, name in enumerate(self.order, 1))
        # Only placeholders and Django's own SQL go into the text; every value is a parameter.
        sql = (
            f'SELECT "window".* FROM (VALUES {", ".join(["(%s)"] * len(self.values))}) AS "part" ("value") '  # noqa: S608
            f'CROSS JOIN LATERAL ({part_sql}) AS "window" ORDER BY {ordering} LIMIT %s OFFSET %s'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (*self.values, *part_params, stop - start, start))
            ids = [row[-1] for row in cursor.fetchall()]  # the primary key, last in `order`
        rows = {record.pk: record for record in self.queryset.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


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
    """The API's pagination (NINJA_PAGINATION_CLASS): `page` and `page_size` as ninja's PageNumberPagination, both
    bounded (a larger one is refused with 422), and the count capped as in CappedPaginator: `count` is exact up to
    COUNT_CAP; above it `count` is COUNT_CAP and `count_capped` is true. Pages past the cap are still served (an
    offset, not a count), up to MAX_PAGE.
    """

    cap = COUNT_CAP

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int
        count_capped: bool

    def __init__(self, **kwargs: Any) -> None:
        # ninja's own cap is NINJA_MAX_PER_PAGE_SIZE (100 unless set), which it applies silently; Input refuses more.
        super().__init__(max_page_size=MAX_PAGE_SIZE, **kwargs)

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
