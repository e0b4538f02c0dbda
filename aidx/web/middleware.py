from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse

_NORWEGIAN = re.compile(r"(?<![\w-])no(?=$|[;,\s-])", re.IGNORECASE)


def norwegian_accept_language(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A browser that asks for plain Norwegian ("no", "no-NO") gets Bokmål, the written standard most use."""

    def middleware(request: HttpRequest) -> HttpResponse:
        header = request.META.get("HTTP_ACCEPT_LANGUAGE")
        if header and _NORWEGIAN.search(header):
            request.META["HTTP_ACCEPT_LANGUAGE"] = _NORWEGIAN.sub("nb", header)
        return get_response(request)

    return middleware


class NulCharacter(SuspiciousOperation):
    """A NUL character in the path, the query or a submitted text: no text column can hold it (PostgreSQL refuses
    it outright), so the request is refused before anything reads it. `fields` names where, as far as known."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("NUL character in " + (", ".join(fields) or "the request"))
        self.fields = fields


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_paths(value: Any, where: str) -> list[str]:
    """Where a parsed JSON value holds a NUL character, as dotted paths ("lines.0.notes")."""
    if isinstance(value, str):
        return [where] if "\x00" in value else []
    if isinstance(value, dict):
        found = [where or "request" for key in value if "\x00" in key]
        for key, item in value.items():
            found += _nul_paths(item, f"{where}.{key}" if where else str(key))
        return found
    if isinstance(value, list):
        return [path for index, item in enumerate(value) for path in _nul_paths(item, f"{where}.{index}")]
    return []


def refuse_nul_characters(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Refuse a NUL character anywhere a view might pass it to the database: the path, the query string, a form's
    text fields (files may hold any bytes) and a JSON body. One check for every page and API operation, so no
    search box, filter or free-text field answers 500 on PostgreSQL; the 400 is the API's JSON error there."""

    def middleware(request: HttpRequest) -> HttpResponse:
        fields = ["path"] if "\x00" in request.path_info else []
        fields += [key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)]
        content_type = request.content_type or ""
        if request.method == "POST" and content_type in _FORMS:
            fields += [key for key, values in request.POST.lists() if "\x00" in key or any("\x00" in v for v in values)]
        elif content_type == "application/json" and b"\\u0000" in request.body:
            with contextlib.suppress(ValueError):  # not JSON after all: the API's parser says so
                fields += _nul_paths(json.loads(request.body), "")
        if fields:
            raise NulCharacter(fields)
        return get_response(request)

    return middleware
