"""Request type of the pages behind `login_required`, for the type checker."""

from __future__ import annotations

from django.http import HttpRequest

from aidx.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that passed `login_required`: its user is a signed-in `User`, never `AnonymousUser`.

    Only an annotation: Django still builds its own request objects, this class is never instantiated.
    """

    user: User
