"""The REST API at /api/v1/: one NinjaAPI, a router per domain app, one JSON error format.

Every error answer is {"error": {"code": str, "message": str (translated), "fields": {field: [messages]}}}.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from aidx.accounts.api import auth_methods
from aidx.accounts.api import router as accounts_router
from aidx.assistance.api import router as exchange_router
from aidx.catalogue.api import router as catalogue_router
from aidx.core.errors import BusinessError
from aidx.documents.api import router as documents_router
from aidx.fund.api import router as fund_router
from aidx.interchange.api import router as interchange_router
from aidx.logistics.api import router as logistics_router
from aidx.matching.api import router as matching_router
from aidx.nations.api import router as nations_router
from aidx.preparedness.api import router as preparedness_router
from aidx.resilience.api import router as resilience_router
from aidx.stockpile.api import router as stockpile_router


class ErrorDetail(Schema):
    code: str = Field(..., description="stable for clients, e.g. not_found, invalid_input, bad_state")
    message: str = Field(..., description="translated by Accept-Language")
    fields: dict[str, list[str]] = Field(..., description="messages per input field (dotted path), if any")


class ErrorOut(Schema):
    """Every refusal: a stable `code` for programs, a `message` in the caller's language, and per-field messages."""

    error: ErrorDetail


# What each status means for every operation; all answer with ErrorOut. Added to the OpenAPI document in one place
# (AidxAPI) rather than to each of the ~90 operations, so a new operation is documented by being added.
ERROR_RESPONSES = {
    400: "Refused by a business rule (the message says which), or a NUL character in the input",
    401: "No valid API token (missing, unknown, revoked or expired) and no signed-in session",
    403: "Signed in, but this user or token (read-only) may not do this",
    404: "No such record, or not one the caller may see (need-to-know)",
    409: "The record is not in a state that allows this (e.g. a request already withdrawn)",
    413: "The request body is too large",
    422: "The input does not match the schema (types, ranges, required fields): `fields` names each problem",
}


class AidxAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error.pop("$defs", {}))
        components["Error"] = error
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    if status == 413 and "requestBody" not in operation:
                        continue
                    responses.setdefault(status, {"description": description, "content": content})
        return schema


api = AidxAPI(
    title="aidx API",
    version="1",
    description="The aid exchange: registry, catalogue and documents; requests, offers and allocations; matching; "
    "airlift missions and deployments; the stockpile and the trust fund; preparedness plans, standby pledges and "
    "simulations of a wave; resilience self-assessments and supply vulnerability. "
    "Authenticate with `Authorization: Bearer <token>`.",
    auth=auth_methods,
    urls_namespace="api",
)


def error_response(
    request: HttpRequest, status: int, code: str, message: Any, fields: dict[str, list[str]] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": str(message), "fields": fields or {}}}, status=status
    )


@api.exception_handler(BusinessError)
def on_business_error(request: HttpRequest, exc: BusinessError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(location) or "request", []).append(_translate_pydantic(error))
    return error_response(request, 422, "invalid_input", _("The request has invalid values."), fields)


def _translate_pydantic(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith("int") or kind.startswith("float") or kind.startswith("decimal"):
        return _("Enter a number.")
    if kind in {"greater_than", "greater_than_equal"}:
        return _("The value is too small.")
    if kind in {"less_than", "less_than_equal"}:
        return _("The value is too large.")
    if kind in {"string_too_long"}:
        return _("The text is too long.")
    if kind in {"string_too_short"}:
        return _("The text is too short.")
    if kind in {"json_invalid"}:
        return _("The body is not valid JSON.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of the allowed values.")
    return _("This value is not valid.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(AuthorizationError)
def on_forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("You may not do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    # A record named by the client that is not there: services raise BusinessError(status=404) for their own
    # look-ups; this answers the same for any other .get() on an id from the request.
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, 413, "too_large", _("The request is too large."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja answers a body it cannot parse with an English HttpError raised from the parser's error.
    if isinstance(exc.__cause__, ValueError):  # json.JSONDecodeError, UnicodeDecodeError
        return error_response(request, 400, "bad_json", _("The body is not valid JSON."))
    return error_response(request, exc.status_code, "error", exc.message)


api.add_router("/", accounts_router)
api.add_router("/", nations_router)
api.add_router("/", catalogue_router)
api.add_router("/documents", documents_router)
api.add_router("/", exchange_router)
api.add_router("/", matching_router)
api.add_router("/logistics", logistics_router)
api.add_router("/stockpile", stockpile_router)
api.add_router("/fund", fund_router)
api.add_router("/interchange", interchange_router)
api.add_router("/preparedness", preparedness_router)
api.add_router("/resilience", resilience_router)
