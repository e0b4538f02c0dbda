from __future__ import annotations

import re
from collections.abc import Callable

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
