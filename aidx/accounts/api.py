import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.security import HttpBearer, SessionAuth

from aidx.accounts.models import APIToken, User
from aidx.accounts.services import token_authenticate
from aidx.core.errors import PermissionDenied
from aidx.nations.policy import viewer_for


class TokenAuth(HttpBearer):
    openapi_description = "A personal API token: `Authorization: Bearer aidx_…`"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class ActiveSessionAuth(SessionAuth):
    """The browser's session (with CSRF on writes) for the web UI's own calls."""

    def __call__(self, request: HttpRequest) -> Any:
        # Only a signed-in session has anything for a forged request to use: without one (a script whose token was
        # refused, revoked or expired) this method just does not authenticate, and the answer is 401, not the
        # CSRF check's 403 that made a bad token on a POST look like a browser problem.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None:
            request.api_token = None  # type: ignore[attr-defined]
        return user


auth_methods = [TokenAuth(), ActiveSessionAuth()]


def api_user(request: HttpRequest) -> User:
    """The user an authenticated API call acts for: what one of `auth_methods` returned."""
    return cast(User, request.auth)  # type: ignore[attr-defined]  # set by django-ninja; not in HttpRequest stubs


def require_write(request: HttpRequest) -> User:
    """The acting user, refusing tokens that were made read-only."""
    token = getattr(request, "api_token", None)
    if token is not None and token.scope != APIToken.Scope.WRITE:
        raise PermissionDenied(_("This API token is read-only."), code="read_only_token")
    return api_user(request)


router = Router(tags=["me"])


class MeOut(Schema):
    username: str
    name: str
    nation: str | None
    organisation: str | None
    is_centre: bool
    roles: list[str]
    language: str
    standing: str | None
    token_scope: str | None
    token_expires_at: dt.datetime | None = Field(None, description="when the token in use stops working")


@router.get("/me", response=MeOut, summary="The signed-in user, their affiliation, roles and standing today")
def me(request: HttpRequest) -> dict[str, Any]:
    user = api_user(request)
    viewer = viewer_for(user)
    token = getattr(request, "api_token", None)
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "nation": user.acting_nation_id,
        "organisation": user.organisation.code if user.organisation else None,
        "is_centre": viewer.is_centre,
        "roles": sorted(user.roles),
        "language": user.language,
        "standing": viewer.standing,
        "token_scope": token.scope if token else None,
        "token_expires_at": token.expires_at if token else None,
    }
