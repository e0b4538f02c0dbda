"""Rows of a queryset as a CSV or XLSX download, from a column spec.

CSV streams (`StreamingHttpResponse` over `iterator(chunk_size=2000)`), so a large export never sits in memory.
XLSX is written by openpyxl's write-only workbook to a temporary file and served from there.
Both can carry an HXL hashtag row (https://hxlstandard.org) under the header; `hashtag` and `hxl_field` read
one back for an import.

Text that a spreadsheet would run as a formula (a title beginning with "=" written by another nation) is made
inert: quoted in CSV, stored as a string cell in XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HASHTAG = re.compile(r"^#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)\s*$")
# An import's reading of hashtags: (tag, attributes the column must have, field); the first rule that fits wins.
HxlRules = Sequence[tuple[str, frozenset[str], str]]


def hashtag(value: Any) -> tuple[str, frozenset[str]] | None:
    """An HXL hashtag and its attributes ("#item +code" → ("item", {"code"})), or None for anything else."""
    match = _HASHTAG.match(str(value).strip().lower()) if isinstance(value, str) else None
    if not match:
        return None
    return match.group(1), frozenset(part.strip() for part in match.group(2).split("+") if part.strip())


def hxl_field(value: Any, rules: HxlRules) -> str | None:
    """The field a hashtag names by `rules` (an empty field: a column the import reads past), or None."""
    tag = hashtag(value)
    if tag is None:
        return None
    return next((field for name, needs, field in rules if tag[0] == name and needs <= tag[1]), None)


@dataclass(frozen=True)
class Column:
    """One column: its header, how to get the value from a row, and its HXL hashtag (may be empty)."""

    header: str
    value: str | Callable[[Any], Any]
    hxl: str = ""

    def get(self, row: Any) -> Any:
        if callable(self.value):
            return self.value(row)
        value = row
        for part in self.value.split("__"):
            value = None if value is None else getattr(value, part)
        return value


def _rows(source: QuerySet[Any] | Iterable[Any]) -> Iterator[Any]:
    if isinstance(source, QuerySet):
        return source.iterator(chunk_size=CHUNK_SIZE)
    return iter(source)


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _csv_value(value: Any) -> Any:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones: UTC, as in the database
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula
    return cell


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], source: QuerySet[Any] | Iterable[Any], *, hxl: bool = False) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([column.header for column in columns])
    if hxl:
        yield writer.writerow([column.hxl for column in columns])
    for row in _rows(source):
        yield writer.writerow([_csv_value(column.get(row)) for column in columns])


def filename(stem: str, extension: str) -> str:
    """aidx-requests-2026-11-22.csv"""
    return f"aidx-{stem}-{timezone.localdate().isoformat()}.{extension}"


def csv_response(
    columns: Sequence[Column], source: QuerySet[Any] | Iterable[Any], *, stem: str, hxl: bool = False
) -> StreamingHttpResponse:
    # A byte-order mark, so that Excel opens the UTF-8 file with the right accents.
    body = ("\ufeff" + line if number == 0 else line for number, line in enumerate(csv_lines(columns, source, hxl=hxl)))
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "csv")}"'
    return response


def xlsx_write(
    target: Any, columns: Sequence[Column], source: QuerySet[Any] | Iterable[Any], *, title: str, hxl: bool = False
) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(sheet, column.header) for column in columns])
    if hxl:
        sheet.append([_xlsx_cell(sheet, column.hxl) for column in columns])
    for row in _rows(source):
        sheet.append([_xlsx_cell(sheet, column.get(row)) for column in columns])
    workbook.save(target)


def xlsx_response(
    columns: Sequence[Column], source: QuerySet[Any] | Iterable[Any], *, stem: str, hxl: bool = False
) -> FileResponse:
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the response is done
    xlsx_write(spool, columns, source, title=stem, hxl=hxl)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename(stem, "xlsx"), content_type=XLSX_CONTENT_TYPE)


def response(
    fmt: str, columns: Sequence[Column], source: QuerySet[Any] | Iterable[Any], *, stem: str, hxl: bool = False
) -> StreamingHttpResponse | FileResponse:
    if fmt == "csv":
        return csv_response(columns, source, stem=stem, hxl=hxl)
    if fmt == "xlsx":
        return xlsx_response(columns, source, stem=stem, hxl=hxl)
    raise ValueError(f"unknown export format {fmt!r}")


# Every list page answers ?format=csv, xlsx or hxl (CSV with the hashtag row) with the rows it lists, unpaged and
# filtered as on the page: the one query the page runs, so a file never shows more than the page would.
LIST_FORMATS = ("csv", "xlsx", "hxl")


def for_list(
    request: Any, columns: Sequence[Column], source: QuerySet[Any] | Iterable[Any], *, stem: str
) -> StreamingHttpResponse | FileResponse | None:
    """The list as a file if the page was asked for one (?format=…), else None: the page renders itself."""
    fmt = request.GET.get("format")
    if fmt not in LIST_FORMATS:
        return None
    return response("csv" if fmt == "hxl" else fmt, columns, source, stem=stem, hxl=fmt == "hxl")
