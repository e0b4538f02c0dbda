"""Import of request and offer lines from CSV or XLSX, and export of the exchange's lists.

Import runs in three steps, and nothing is written before the last:

1. read: the upload is checked (size, type) and its rows read, with the file's own row numbers;
2. check: every row is validated against the catalogue and the sites, and every bad row is reported with
   all its reasons; the good rows become `LineInput`s;
3. apply: the checked lines are checked again (the catalogue may have changed meanwhile) and handed to
   `services.request_create` / `services.offer_create`, which write the record and all its lines in one
   transaction, or nothing.

Between 2 and 3 the checked lines wait in the user's session (`store_preview`), so the file is not uploaded
twice and the browser cannot change them.

Columns (header names are case-insensitive; spaces and hyphens count as underscores):
  request lines: item | capability, quantity, substitutes_ok, notes
  offer lines:   item | capability, quantity, available_from, available_until, origin_site, notes
A row of HXL hashtags, as the header row or right under it, names the columns instead (see HXL_COLUMNS).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
import re
import time
import uuid
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from aidx.assistance import forms as filter_forms
from aidx.assistance import selectors, services
from aidx.assistance.models import Allocation, AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.assistance.services import LineInput
from aidx.catalogue.models import CapabilityType, Item
from aidx.core import formatting
from aidx.core.errors import BusinessError
from aidx.core.exports import Column, hashtag, hxl_field
from aidx.nations.models import Site, country_name

KINDS = ("request", "offer")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000  # rows read from one file, blank ones too; beyond, the file is refused without reading on
MAX_COLUMNS = 50  # cells read from a row; the columns after them are not read (no field lives that far right)
# An XLSX is a zip of XML parts; openpyxl parses some whole before the first row (the shared strings, the styles,
# the workbook) and streams the sheets. A 485 KB file whose shared strings unpacked to 190 MB took 101 s and 1 GB.
# Its work goes with the number of XML elements (about 14 µs each on a busy CI machine, in any part), so besides
# the unpacked bytes per part and in all (read from the zip's directory before anything is unpacked: Python's
# zipfile stops a part at its stated size), the elements of all parts are counted, in one quick pass of the
# unpacked bytes, before openpyxl opens the file. 20,000 rows of 7 filled cells are 420,000 elements (6 s there).
MAX_XLSX_PART_BYTES = 24 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XLSX_PARTS = 1_000
MAX_XLSX_ELEMENTS = 600_000
_START_TAG = re.compile(rb"<[A-Za-z_]")
MAX_READ_SECONDS = 30.0  # reading the rows stops here whatever the file holds
MAX_QUANTITY = 2_000_000_000
NOTES_MAX = 500

FIELDS = {
    "request": ("item", "capability", "quantity", "substitutes_ok", "notes"),
    "offer": ("item", "capability", "quantity", "available_from", "available_until", "origin_site", "notes"),
}
# HXL hashtag -> field: the first rule whose tag matches and whose attributes the column has wins.
HXL_COLUMNS: list[tuple[str, frozenset[str], str]] = [
    ("item", frozenset({"capability"}), "capability"),
    ("item", frozenset({"code"}), "item"),
    ("need", frozenset(), "quantity"),
    ("capacity", frozenset(), "quantity"),
    ("date", frozenset({"start"}), "available_from"),
    ("date", frozenset({"end"}), "available_until"),
    ("loc", frozenset({"code"}), "origin_site"),
    ("meta", frozenset({"substitutes"}), "substitutes_ok"),
    ("meta", frozenset({"notes"}), "notes"),
    ("description", frozenset({"notes"}), "notes"),
]
YES = {"yes", "true", "1", "ja", "y", "j"}
NO = {"no", "false", "0", "nei", "n"}
_WHOLE = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")  # what exports.py puts before text a spreadsheet would run


def max_upload_bytes() -> int:
    return int(getattr(settings, "AIDX_MAX_IMPORT_BYTES", MAX_UPLOAD_BYTES))


# --- 1. read ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The rows of a file: (row number in the file, cells) after the header row(s)."""

    rows: list[tuple[int, list[Any]]]
    columns: dict[int, str]  # column index -> field
    ignored: list[str]  # headers of the columns that name no field
    problems: list[str]  # about the file as a whole
    header_ok: bool = True  # every column needed is there once: the rows can be checked


def read_upload(upload: UploadedFile, kind: str) -> Table:
    """The rows of an uploaded CSV or XLSX file, or BusinessError if it is too large or of another type."""
    limit = max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise BusinessError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
            code="too_large",
            field="file",
            status=413,
        )
    name = (upload.name or "").lower()
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if name.endswith(".xlsx"):
        if not head.startswith(b"PK\x03\x04"):
            raise _unreadable()
        return _table(_xlsx_rows(upload), kind)
    if name.endswith(".csv"):
        return _table(_csv_rows(upload), kind)
    raise BusinessError(_("Upload a CSV or XLSX file."), code="unsupported_file", field="file", status=415)


def _unreadable() -> BusinessError:
    return BusinessError(
        _("The file could not be read as CSV (UTF-8) or XLSX."), code="unsupported_file", field="file", status=415
    )


def _csv_rows(upload: UploadedFile) -> Iterator[list[Any]]:
    raw = upload.read()
    if b"\x00" in raw:
        raise _unreadable()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BusinessError(
            _("The CSV file is not in UTF-8: save it as “CSV UTF-8”."),
            code="unsupported_file",
            field="file",
            status=415,
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield row[:MAX_COLUMNS]
    except csv.Error:
        raise _unreadable() from None


def _check_unpacked_size(upload: UploadedFile) -> None:
    """Refuse an XLSX that would take more work to open than MAX_ROWS rows of lines need (see MAX_XLSX_ELEMENTS)."""
    with zipfile.ZipFile(upload) as archive:
        parts = archive.infolist()
        if (
            len(parts) > MAX_XLSX_PARTS
            or any(part.file_size > MAX_XLSX_PART_BYTES for part in parts)
            or sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED_BYTES
        ):
            raise BusinessError(
                _("The spreadsheet unpacks to too much data: at most %(part)s MB in one part, %(total)s MB in all.")
                % {"part": MAX_XLSX_PART_BYTES // (1024 * 1024), "total": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)},
                code="too_large",
                field="file",
                status=413,
            )
        elements = 0
        for part in parts:
            with archive.open(part) as stream:
                carry = b""
                while chunk := stream.read(1024 * 1024):
                    elements += len(_START_TAG.findall(carry + chunk))
                    carry = chunk[-1:] if chunk.endswith(b"<") else b""
                    if elements > MAX_XLSX_ELEMENTS:
                        raise BusinessError(
                            _("The spreadsheet has too many cells, strings or styles: at most %(n)s.")
                            % {"n": formatting.number(MAX_XLSX_ELEMENTS)},
                            code="too_large",
                            field="file",
                            status=413,
                        )


def _xlsx_rows(upload: UploadedFile) -> Iterator[Sequence[Any]]:
    try:
        _check_unpacked_size(upload)
        upload.seek(0)
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise _unreadable() from None
    try:
        if not workbook.worksheets:
            return
        # max_col: a sheet whose stated dimension runs to column XFD would otherwise pad every row to 16,384 cells.
        yield from workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except (KeyError, ValueError, zipfile.BadZipFile):
        raise _unreadable() from None
    finally:
        workbook.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_hashtag_row(cells: Sequence[Any]) -> bool:
    filled = [cell for cell in cells if not _blank(cell)]
    return bool(filled) and all(hashtag(cell) for cell in filled)


def _field_of_hashtag(value: Any) -> str | None:
    return hxl_field(value, HXL_COLUMNS)


def _field_of_header(value: Any) -> str:
    return re.sub(r"[\s\-]+", "_", str(value).strip().lower())


def _table(source: Iterable[Sequence[Any]], kind: str) -> Table:
    rows = enumerate(source, start=1)
    header: Sequence[Any] | None = None
    for _number, cells in rows:
        if any(not _blank(cell) for cell in cells):
            header = cells
            break
    if header is None:
        return Table(rows=[], columns={}, ignored=[], problems=[_("The file is empty.")], header_ok=False)
    hashtags: Sequence[Any] = header if _is_hashtag_row(header) else ()
    pending: list[tuple[int, list[Any]]] = []
    if not hashtags:
        following = next(rows, None)
        if following is not None:
            if _is_hashtag_row(following[1]):
                hashtags = following[1]
            else:
                pending.append((following[0], list(following[1])))
    allowed = FIELDS[kind]
    columns: dict[int, str] = {}
    ignored: list[str] = []
    problems: list[str] = []
    for index, title in enumerate(header):
        tag = hashtags[index] if index < len(hashtags) else None
        target = _field_of_hashtag(tag) if not _blank(tag) else None
        if target is None and not _blank(title) and not hashtag(title):
            target = _field_of_header(title)
        label = str(tag if not _blank(tag) else title or "").strip()
        if target not in allowed:
            if label:
                ignored.append(label)
            continue
        if target in columns.values():
            problems.append(_("The column %(name)s appears twice.") % {"name": target})
            continue
        columns[index] = target
    missing = []
    if "quantity" not in columns.values():
        missing.append("quantity")
    if not {"item", "capability"} & set(columns.values()):
        missing.append("item / capability")
    if kind == "offer" and "available_from" not in columns.values():
        missing.append("available_from")
    if missing:
        problems.append(_("Missing column: %(names)s.") % {"names": ", ".join(missing)})
    header_ok = not problems
    body: list[tuple[int, list[Any]]] = []
    deadline = time.monotonic() + MAX_READ_SECONDS
    for number, cells in itertools.chain(pending, rows):
        if number > MAX_ROWS + 2:  # the header and a row of hashtags, then MAX_ROWS rows, blank ones too
            problems.append(_("The file has more than %(n)s rows.") % {"n": MAX_ROWS})
            break
        if time.monotonic() > deadline:
            problems.append(_("The file takes too long to read: split it into smaller files."))
            break
        if any(not _blank(cell) for cell in cells):
            body.append((number, list(cells)))
    return Table(rows=body, columns=columns, ignored=ignored, problems=problems, header_ok=header_ok)


# --- 2. check --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    reasons: tuple[str, ...]


@dataclass
class Preview:
    """The outcome of checking a file: the good lines (with their rows), every bad row, and file problems."""

    kind: str
    lines: list[tuple[int, LineInput]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    filename: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.errors and not self.problems

    def summary(self) -> list[dict[str, Any]]:
        """Per item or capability: how many lines and how much in all, in the order of first appearance."""
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for _row, line in self.lines:
            key = ("item", line.item) if line.item else ("capability", line.capability or "")
            group = groups.setdefault(key, {"kind": key[0], "code": key[1], "lines": 0, "quantity": 0})
            group["lines"] += 1
            group["quantity"] += line.quantity
        # Each by its name in the reader's language (and an item with its unit), not only its code.
        items = Item.objects.in_bulk([code for kind, code in groups if kind == "item"], field_name="code")
        capabilities = CapabilityType.objects.in_bulk(
            [code for kind, code in groups if kind == "capability"], field_name="code"
        )
        for (kind, code), group in groups.items():
            record = (items if kind == "item" else capabilities).get(code)
            group["name"] = str(record.name) if record is not None else code
            group["unit"] = getattr(record, "unit", "") or ""
        return list(groups.values())

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for _row, line in self.lines)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _FORMULA_GUARD.sub("", str(value).strip())


def _quantity(value: Any) -> tuple[int | None, str | None]:
    if _blank(value):
        return None, _("The quantity is missing.")
    if isinstance(value, bool):
        return None, _("The quantity must be a whole number.")
    if isinstance(value, float):
        if not value.is_integer():
            return None, _("The quantity must be a whole number.")
        value = int(value)
    if not isinstance(value, int):
        text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
        if not _WHOLE.match(text):
            return None, _("The quantity must be a whole number.")
        value = int(text.split(".")[0])
    if value <= 0:
        return None, _("The quantity must be greater than zero.")
    if value > MAX_QUANTITY:
        return None, _("The quantity is too large.")
    return value, None


def _date(value: Any) -> tuple[dt.date | None, str | None]:
    if _blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            pass
    return None, _("Enter a valid date (YYYY-MM-DD).")


def _yes_no(value: Any) -> tuple[bool | None, str | None]:
    if _blank(value):
        return True, None
    if isinstance(value, bool):
        return value, None
    text = _text(value).lower()
    if text in YES:
        return True, None
    if text in NO:
        return False, None
    return None, _("Write yes or no for substitutes_ok.")


def _lookup(model: type[Item | CapabilityType | Site], codes: set[str]) -> dict[str, str]:
    """Code as written (or in lower case) -> code in the database, in one query."""
    wanted = codes | {code.lower() for code in codes}
    known = set(model.objects.filter(code__in=wanted).values_list("code", flat=True))
    return {code: code if code in known else code.lower() for code in codes if code in known or code.lower() in known}


def check_rows(
    kind: str, rows: Sequence[tuple[int, dict[str, Any]]]
) -> tuple[list[tuple[int, LineInput]], list[RowError]]:
    """Validate rows of {field: raw value}; every reason for every bad row is given. Three queries in all."""
    offer = kind == "offer"
    codes: dict[str, set[str]] = {"item": set(), "capability": set(), "origin_site": set()}
    for _row, cells in rows:
        for name, found in codes.items():
            if not _blank(cells.get(name)):
                found.add(_text(cells[name]))
    items = _lookup(Item, codes["item"])
    capabilities = _lookup(CapabilityType, codes["capability"])
    sites = _lookup(Site, codes["origin_site"]) if offer else {}
    lines: list[tuple[int, LineInput]] = []
    errors: list[RowError] = []
    for row, cells in rows:
        reasons: list[str] = []
        item, capability = _text(cells.get("item")), _text(cells.get("capability"))
        if item and capability:
            reasons.append(_("Give an item or a capability, not both."))
        elif not item and not capability:
            reasons.append(_("Give an item or a capability."))
        if item and item not in items:
            reasons.append(_("Unknown item %(code)s.") % {"code": item})
        if capability and capability not in capabilities:
            reasons.append(_("Unknown capability %(code)s.") % {"code": capability})
        quantity, problem = _quantity(cells.get("quantity"))
        if problem:
            reasons.append(problem)
        notes = _text(cells.get("notes"))
        if len(notes) > NOTES_MAX:
            reasons.append(_("The text is too long (at most %(n)s characters).") % {"n": NOTES_MAX})
        values: dict[str, Any] = {}
        if offer:
            start, start_problem = _date(cells.get("available_from"))
            until, until_problem = _date(cells.get("available_until"))
            if start_problem or until_problem:
                reasons.append(start_problem or until_problem or "")
            if start is None and not start_problem:
                reasons.append(_("Give the date it is available from."))
            if start and until and until < start:
                reasons.append(_("Available until is before available from."))
            site = _text(cells.get("origin_site"))
            if site and site not in sites:
                reasons.append(_("Unknown site %(code)s.") % {"code": site})
            values.update(available_from=start, available_until=until, origin_site=sites.get(site) if site else None)
        else:
            substitutes_ok, problem = _yes_no(cells.get("substitutes_ok"))
            if problem:
                reasons.append(problem)
            values["substitutes_ok"] = substitutes_ok
        if reasons:
            errors.append(RowError(row=row, reasons=tuple(reasons)))
            continue
        assert quantity is not None
        lines.append(
            (
                row,
                LineInput(
                    quantity=quantity,
                    item=items.get(item) if item else None,
                    capability=capabilities.get(capability) if capability else None,
                    notes=notes,
                    **values,
                ),
            )
        )
    return lines, errors


def _too_many(kind: str, count: int) -> str | None:
    if count <= services.MAX_LINES:
        return None
    if kind == "offer":
        return _("The file has %(count)s lines; one offer takes at most %(max)s.") % {
            "count": count,
            "max": services.MAX_LINES,
        }
    return _("The file has %(count)s lines; one request takes at most %(max)s.") % {
        "count": count,
        "max": services.MAX_LINES,
    }


def preview_upload(upload: UploadedFile, kind: str) -> Preview:
    """Read and check an upload; writes nothing. BusinessError if the file itself is refused."""
    table = read_upload(upload, kind)
    rows = [
        (number, {name: cells[index] for index, name in table.columns.items() if index < len(cells)})
        for number, cells in table.rows
    ]
    lines, errors = check_rows(kind, rows) if table.header_ok else ([], [])
    problems = list(table.problems)
    if not rows and not problems:
        problems.append(_("The file has no lines."))
    too_many = _too_many(kind, len(rows))
    if too_many:
        problems.append(too_many)
    return Preview(
        kind=kind, lines=lines, errors=errors, problems=problems, ignored=table.ignored, filename=upload.name or ""
    )


# --- between 2 and 3: the session ------------------------------------------------------------------------

SESSION_KEY = "aidx.transfer.import"


def _line_json(row: int, line: LineInput) -> dict[str, Any]:
    data = {key: value for key, value in dataclasses.asdict(line).items() if value not in (None, "")}
    for key in ("available_from", "available_until"):
        if key in data:
            data[key] = data[key].isoformat()
    return {"row": row, **data}


def store_preview(session: SessionBase, preview: Preview, header: dict[str, list[str]]) -> str:
    """Keep a good preview and the header form's data until the user applies it; returns its id."""
    token = uuid.uuid4().hex
    session[SESSION_KEY] = {
        "id": token,
        "kind": preview.kind,
        "filename": preview.filename,
        "header": header,
        "lines": [_line_json(row, line) for row, line in preview.lines],
    }
    return token


def stored_preview(session: SessionBase, kind: str, token: str) -> dict[str, Any] | None:
    stored = session.get(SESSION_KEY)
    if not stored or stored.get("kind") != kind or stored.get("id") != token:
        return None
    return stored


def forget_preview(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


def recheck(stored: dict[str, Any]) -> Preview:
    """The stored lines checked again, against the catalogue and sites as they are now."""
    kind = stored["kind"]
    rows = [(line["row"], {k: v for k, v in line.items() if k != "row"}) for line in stored["lines"]]
    lines, errors = check_rows(kind, rows)
    too_many = _too_many(kind, len(rows))
    return Preview(
        kind=kind,
        lines=lines,
        errors=errors,
        problems=[too_many] if too_many else [],
        filename=stored.get("filename", ""),
    )


# --- 3. apply --------------------------------------------------------------------------------------------


def apply(preview: Preview, *, actor: Any, header: dict[str, Any]) -> AssistanceRequest | Offer:
    """Create the request or offer with all the preview's lines in one transaction, or raise and write nothing."""
    if not preview.ok:
        raise BusinessError(_("Nothing was created: the file has errors."), code="invalid_file")
    lines = [line for _row, line in preview.lines]
    try:
        if preview.kind == "request":
            return services.request_create(actor=actor, lines=lines, **header)
        return services.offer_create(actor=actor, lines=lines, **header)
    except BusinessError as error:
        # The service numbers lines from 1 in file order; say which row of the file that is.
        if error.field and error.field.startswith("lines.") and error.field[6:].isdigit():
            index = int(error.field[6:]) - 1
            if 0 <= index < len(preview.lines):
                error.field = f"row.{preview.lines[index][0]}"
        raise


# --- export ----------------------------------------------------------------------------------------------

EXPORT_KINDS = ("requests", "request-lines", "offers", "offer-lines", "allocations")


def _owner(record: AssistanceRequest | Offer) -> str:
    if record.owner_nation_id:
        return record.owner_nation_id
    return record.owner_organisation.code if record.owner_organisation else ""


def _filters(form: Any) -> dict[str, Any]:
    """The valid, non-empty filters of a list page's filter form, as that page applies them."""
    if not form.is_bound:
        return {}
    form.is_valid()
    filters = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
    if "q" in filters:
        filters["search"] = filters.pop("q")
    return filters


def _request_filters(params: Any) -> dict[str, Any]:
    return _filters(filter_forms.RequestFilterForm(params or None))


def _offer_filters(params: Any) -> dict[str, Any]:
    return _filters(filter_forms.OfferFilterForm(params or None))


def _requests(viewer: Any, params: Any) -> QuerySet[AssistanceRequest]:
    return selectors.requests_visible_to(viewer, **_request_filters(params))


def _offers(viewer: Any, params: Any) -> QuerySet[Offer]:
    return selectors.offers_visible_to(viewer, **_offer_filters(params))


def _only_item(lines: QuerySet[Any], item: str | None) -> QuerySet[Any]:
    """A line export filtered by item keeps only that item's lines, not every line of the records that have it."""
    return lines.filter(Q(item__code=item) | Q(capability__code=item)) if item else lines


def _request_lines(viewer: Any, params: Any) -> QuerySet[RequestLine]:
    filters = _request_filters(params)
    requests = selectors.requests_visible_to(viewer, **filters)
    return (
        _only_item(RequestLine.objects.filter(request__in=requests.values("pk")), filters.get("item"))
        .select_related("request__owner_organisation", "request__delivery_site", "item", "capability")
        .annotate(**selectors.LINE_QUANTITIES)
        .order_by("-request__created_at", "-request_id", "id")
    )


def _offer_lines(viewer: Any, params: Any) -> QuerySet[OfferLine]:
    filters = _offer_filters(params)
    offers = selectors.offers_visible_to(viewer, **filters)
    return (
        _only_item(OfferLine.objects.filter(offer__in=offers.values("pk")), filters.get("item"))
        .select_related("offer__owner_organisation", "origin_site", "item", "capability")
        .annotate(**selectors.LINE_QUANTITIES)
        .order_by("-offer__created_at", "-offer_id", "id")
    )


def _allocations(viewer: Any, params: Any) -> QuerySet[Allocation]:
    filters = _filters(filter_forms.AllocationFilterForm(params or None))
    for name in ("request", "offer"):  # as on a request's or an offer's page
        if str(params.get(name, "")).isdigit():
            filters[name] = int(params[name])
    return selectors.allocations_visible_to(viewer, **filters)


def _name(thing: Any) -> str:
    """A catalogue entry's name in the reader's language, beside its code (the import reads the code)."""
    return thing.name if thing is not None else ""


def _owner_name(record: AssistanceRequest | Offer) -> str:
    if record.owner_nation_id:
        return country_name(record.owner_nation_id)
    return str(record.owner_organisation or "")


_LINE_COMMON = [
    Column("item", "item__code", "#item +code"),
    Column("item_name", lambda line: _name(line.item), "#item +name"),
    Column("capability", "capability__code", "#item +capability +code"),
    Column("capability_name", lambda line: _name(line.capability)),
]
_LINE_TOTALS = [
    Column("allocated", "allocated", "#indicator +allocated"),
    Column("accepted", "accepted", "#indicator +accepted"),
    Column("shipped", "shipped", "#indicator +shipped"),
    Column("delivered", "delivered", "#indicator +delivered"),
    Column("cancelled", "cancelled", "#indicator +cancelled"),
]
# Line exports name their columns as the import does, so a file exported can be imported again.
EXPORT_COLUMNS: dict[str, list[Column]] = {
    "requests": [
        Column("request_id", "pk", "#meta +id"),
        Column("nation", _owner, "#country +code"),
        Column("title", "title", "#description +title"),
        Column("incident", "incident", "#crisis +name"),
        Column("priority", "priority", "#severity"),
        Column("status", "status", "#status"),
        Column("needed_by", "needed_by", "#date +deadline"),
        Column("delivery_site", "delivery_site__code", "#loc +code +delivery"),
        Column("releasability", "releasability", "#meta +releasability"),
        Column("created_at", "created_at", "#date +reported"),
        Column("submitted_at", "submitted_at", "#date +submitted"),
        Column("nation_name", _owner_name, "#country +name"),
    ],
    "request-lines": [
        Column("request_id", "request_id", "#meta +id"),
        Column("line_id", "pk", "#meta +line"),
        Column("nation", lambda line: _owner(line.request), "#country +code"),
        Column("nation_name", lambda line: _owner_name(line.request), "#country +name"),
        Column("title", "request__title", "#description +title"),
        Column("status", "request__status", "#status"),
        Column("priority", "request__priority", "#severity"),
        Column("needed_by", "request__needed_by", "#date +deadline"),
        Column("delivery_site", "request__delivery_site__code", "#loc +code +delivery"),
        *_LINE_COMMON,
        Column("quantity", "quantity", "#need"),
        *_LINE_TOTALS,
        Column("substitutes_ok", "substitutes_ok", "#meta +substitutes"),
        Column("notes", "notes", "#meta +notes"),
    ],
    "offers": [
        Column("offer_id", "pk", "#meta +id"),
        Column("nation", _owner, "#country +code"),
        Column("title", "title", "#description +title"),
        Column("terms", "terms", "#modality"),
        Column("status", "status", "#status"),
        Column("in_reply_to", "reply_shown", "#meta +request"),  # only a request the reader may see
        Column("transport_included", "transport_included", "#meta +transport"),
        Column("releasability", "releasability", "#meta +releasability"),
        Column("created_at", "created_at", "#date +reported"),
        Column("published_at", "published_at", "#date +published"),
        Column("nation_name", _owner_name, "#country +name"),
    ],
    "offer-lines": [
        Column("offer_id", "offer_id", "#meta +id"),
        Column("line_id", "pk", "#meta +line"),
        Column("nation", lambda line: _owner(line.offer), "#country +code"),
        Column("nation_name", lambda line: _owner_name(line.offer), "#country +name"),
        Column("title", "offer__title", "#description +title"),
        Column("status", "offer__status", "#status"),
        *_LINE_COMMON,
        Column("quantity", "quantity", "#capacity"),
        *_LINE_TOTALS,
        Column("available_from", "available_from", "#date +start"),
        Column("available_until", "available_until", "#date +end"),
        Column("origin_site", "origin_site__code", "#loc +code"),
        Column("notes", "notes", "#meta +notes"),
    ],
    "allocations": [
        Column("allocation_id", "pk", "#meta +id"),
        Column("status", "status", "#status"),
        Column("quantity", "quantity", "#indicator +allocated"),
        Column("request_id", "request_line__request_id", "#meta +request"),
        Column("request_line_id", "request_line_id", "#meta +request +line"),
        Column("requesting_nation", lambda a: _owner(a.request_line.request), "#country +code +recipient"),
        Column("requested_item", "request_line__item__code", "#item +code +requested"),
        Column("requested_item_name", lambda a: _name(a.request_line.item), "#item +name +requested"),
        Column("requested_capability", "request_line__capability__code", "#item +capability +code +requested"),
        Column("offer_id", "offer_line__offer_id", "#meta +offer"),
        Column("offer_line_id", "offer_line_id", "#meta +offer +line"),
        Column("offering_nation", lambda a: _owner(a.offer_line.offer), "#country +code +donor"),
        Column("offered_item", "offer_line__item__code", "#item +code +offered"),
        Column("offered_item_name", lambda a: _name(a.offer_line.item), "#item +name +offered"),
        Column("offered_capability", "offer_line__capability__code", "#item +capability +code +offered"),
        Column("received_quantity", "received_quantity", "#indicator +received"),
        Column("proposed_at", "proposed_at", "#date +reported"),
        Column("decided_at", "decided_at", "#date +decided"),
        Column("shipped_at", "shipped_at", "#date +shipped"),
        Column("delivered_at", "delivered_at", "#date +delivered"),
        Column("cancelled_at", "cancelled_at", "#date +cancelled"),
        Column("match_run", "match_run_id", "#meta +match"),
    ],
}
_EXPORT_ROWS = {
    "requests": _requests,
    "request-lines": _request_lines,
    "offers": _offers,
    "offer-lines": _offer_lines,
    "allocations": _allocations,
}


def export_rows(kind: str, viewer: Any, params: Any) -> QuerySet[Any]:
    """What `viewer` may see of `kind`, filtered as the list page filters (the same GET parameters)."""
    return _EXPORT_ROWS[kind](viewer, params)


# Blank files to fill in, with the import's column names.
TEMPLATE_COLUMNS: dict[str, list[Column]] = {
    "request": [
        Column(name, name, hxl)
        for name, hxl in (
            ("item", "#item +code"),
            ("capability", "#item +capability +code"),
            ("quantity", "#need"),
            ("substitutes_ok", "#meta +substitutes"),
            ("notes", "#meta +notes"),
        )
    ],
    "offer": [
        Column(name, name, hxl)
        for name, hxl in (
            ("item", "#item +code"),
            ("capability", "#item +capability +code"),
            ("quantity", "#capacity"),
            ("available_from", "#date +start"),
            ("available_until", "#date +end"),
            ("origin_site", "#loc +code"),
            ("notes", "#meta +notes"),
        )
    ],
}
