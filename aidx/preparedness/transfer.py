"""Standby pledges out and in. Export: `PLEDGE_COLUMNS` (with HXL hashtags). Import from CSV or XLSX: columns
item | capability, quantity, notice_days, origin_site, valid_from, valid_until, terms, notes (header names
case-insensitive), or a row of HXL hashtags as the header or right under it (`HXL_RULES`: what the export writes,
read back). Rows become `PledgeInput`s; the service checks them all and writes all or none. An upload is first
previewed (every row checked, every problem listed, nothing written); the rows are kept in the session until the
user records them, checked again then."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from dataclasses import asdict
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from aidx.core.errors import BusinessError
from aidx.core.exports import Column, hashtag, hxl_field
from aidx.preparedness.services import PledgeInput

MAX_BYTES = 5 * 1024 * 1024
COLUMNS = (
    "item",
    "capability",
    "quantity",
    "notice_days",
    "origin_site",
    "valid_from",
    "valid_until",
    "terms",
    "notes",
)

PLEDGE_COLUMNS = [
    Column("nation", lambda p: p.owner_nation_id or p.owner_organisation.code, "#org +provider +v_iso3"),
    Column("item", lambda p: p.item.code if p.item else "", "#item +code"),
    Column("capability", lambda p: p.capability.code if p.capability else "", "#item +capability"),
    Column("quantity", "quantity", "#capacity"),
    Column("remaining", "remaining", "#capacity +remaining"),
    Column("notice_days", "notice_days", "#meta +notice_days"),
    Column("origin_site", "origin_site__code", "#loc +code"),
    Column("valid_from", "valid_from", "#date +start"),
    Column("valid_until", "valid_until", "#date +end"),
    Column("terms", "terms", "#meta +terms"),
    Column("status", "status", "#status"),
    Column("illustrative", "illustrative", "#meta +illustrative"),
    Column("notes", "notes", "#description +notes"),
]
HXL_RULES = [
    ("item", frozenset({"capability"}), "capability"),
    ("item", frozenset({"code"}), "item"),
    ("capacity", frozenset({"remaining"}), ""),  # what is left of an exported pledge: not imported
    ("capacity", frozenset(), "quantity"),
    ("meta", frozenset({"notice_days"}), "notice_days"),
    ("loc", frozenset({"code"}), "origin_site"),
    ("date", frozenset({"start"}), "valid_from"),
    ("date", frozenset({"end"}), "valid_until"),
    ("meta", frozenset({"terms"}), "terms"),
    ("description", frozenset(), "notes"),
]


def _rows(upload: UploadedFile) -> list[list[Any]]:
    name = (upload.name or "").lower()
    if upload.size is not None and upload.size > MAX_BYTES:
        raise BusinessError(_("The file is too large: at most %(mb)s MB.") % {"mb": 5}, field="file", status=413)
    try:
        if name.endswith(".xlsx"):
            book = load_workbook(upload, read_only=True, data_only=True)
            try:
                return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
            finally:
                book.close()
        if name.endswith(".csv"):
            return list(csv.reader(io.StringIO(upload.read().decode("utf-8-sig"))))
    except Exception:
        raise BusinessError(_("The file could not be read as CSV (UTF-8) or XLSX."), field="file", status=415) from None
    raise BusinessError(_("Upload a CSV or XLSX file."), field="file", status=415)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _is_hashtags(cells: list[Any]) -> bool:
    filled = [cell for cell in cells if cell not in (None, "")]
    return bool(filled) and all(hashtag(cell) for cell in filled)


def _header(rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """The field of each column and the rows under the header: by a row of HXL hashtags (the header or right
    under it), else by the header's names."""
    for at in (0, 1):
        if at < len(rows) and _is_hashtags(rows[at]):
            return [hxl_field(cell, HXL_RULES) or "" for cell in rows[at]], rows[at:]
    return [str(h or "").strip().lower().replace(" ", "_").replace("-", "_") for h in rows[0]], rows


def read_pledges(upload: UploadedFile) -> list[PledgeInput]:
    rows = [r for r in _rows(upload) if any(c not in (None, "") for c in r)]
    if not rows:
        raise BusinessError(_("The file is empty."), field="file")
    header, rows = _header(rows)
    missing = [c for c in ("quantity", "notice_days", "origin_site", "valid_from") if c not in header]
    if missing or not {"item", "capability"} & set(header):
        raise BusinessError(
            _("Missing column: %(names)s.") % {"names": ", ".join(missing or ["item / capability"])}, field="file"
        )
    at = {name: header.index(name) for name in COLUMNS if name in header}

    def cell(row: list[Any], name: str) -> Any:
        return row[at[name]] if name in at and at[name] < len(row) else None

    return [
        PledgeInput(
            item=str(cell(row, "item") or "").strip() or None,
            capability=str(cell(row, "capability") or "").strip() or None,
            quantity=cell(row, "quantity"),
            notice_days=cell(row, "notice_days"),
            origin_site=str(cell(row, "origin_site") or "").strip(),
            valid_from=_date(cell(row, "valid_from")),
            valid_until=_date(cell(row, "valid_until")),
            terms=str(cell(row, "terms") or "donation").strip().lower(),
            notes=str(cell(row, "notes") or ""),
        )
        for row in rows[1:]
    ]


SESSION_KEY = "preparedness-pledge-import"


def store_preview(session: Any, plan_id: int, pledges: list[PledgeInput], releasability: str) -> str:
    """Keep a good preview's rows in the session until the user records them; returns its id (one at a time)."""
    token = uuid.uuid4().hex
    session[SESSION_KEY] = {
        "id": token,
        "plan": plan_id,
        "releasability": releasability,
        "rows": [
            {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in asdict(p).items()}
            for p in pledges
        ],
    }
    return token


def take_preview(session: Any, plan_id: int, token: str) -> tuple[list[PledgeInput], str] | None:
    """The stored preview's rows and releasability, forgotten as they are taken (a second click records nothing)."""
    stored = session.get(SESSION_KEY)
    if not stored or stored.get("id") != token or stored.get("plan") != plan_id:
        return None
    session.pop(SESSION_KEY, None)
    rows = [
        PledgeInput(**{**row, "valid_from": _date(row["valid_from"]), "valid_until": _date(row["valid_until"])})
        for row in stored["rows"]
    ]
    return rows, stored["releasability"]
