from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from aidx.accounts.http import AuthenticatedHttpRequest
from aidx.core.paging import page_of, query_without_page
from aidx.notifications import services
from aidx.notifications.selectors import notifications_of


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = page_of(request, notifications_of(request.user))
    return render(request, "notifications/notification_list.html", {"page": page, "query": query_without_page(request)})


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.mark_read(user=request.user)
    messages.success(
        request, ngettext("Marked %(n)s notification read.", "Marked %(n)s notifications read.", count) % {"n": count}
    )
    return redirect("notifications:list")
