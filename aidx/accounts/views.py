from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aidx.accounts import services
from aidx.accounts.forms import TokenForm
from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.core.errors import BusinessError


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """Shown after too many failed sign-ins (django-axes calls this)."""
    return render(request, "accounts/locked_out.html", status=429)


@login_required
def tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    new_secret = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            last_day = form.cleaned_data["expires_on"]
            _token, new_secret = services.token_create(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                write=form.cleaned_data["write"],
                expires_at=services.token_expiry(last_day) if last_day else None,
            )
        except BusinessError as error:
            field = "expires_on" if error.field == "expires_at" else error.field
            form.add_error(field if field in form.fields else None, str(error.message))
        else:
            form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": request.user.api_tokens.all(), "new_secret": new_secret},
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=token_id)
    try:
        services.token_revoke(actor=request.user, token=token)
    except BusinessError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
