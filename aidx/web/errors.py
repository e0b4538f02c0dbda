"""Error answers Django gives when no view does (urls.py's handler400/403/404/500).

An unknown path, a request refused before any view (a NUL character, too many form fields), an uncaught exception in
production: under /api/ the client gets the API's one JSON error shape, as from any operation, never an HTML page;
elsewhere the site's pages.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from aidx.api import error_response
from aidx.web.middleware import NulCharacter


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    status, fields = 400, {}
    if isinstance(exception, NulCharacter):
        code, reason = "nul_character", _("The request contains a NUL character, which no text may hold.")
        fields = {field: [_("The text contains a NUL character.")] for field in exception.fields}
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        code, reason = "too_many_fields", _("The form sends too many fields.")
    elif isinstance(exception, RequestDataTooBig):
        status, code, reason = 413, "too_large", _("The request is too large.")
    else:
        code, reason = "bad_request", _("The request is not valid.")
    if _is_api(request):
        return error_response(request, status, code, reason, fields)
    return render(request, "400.html", {"reason": reason}, status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return error_response(request, 403, "forbidden", _("You may not do this."))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return error_response(request, 404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return error_response(
            request, 500, "server_error", _("Something went wrong on the server. The error is logged; try again later.")
        )
    return defaults.server_error(request)
