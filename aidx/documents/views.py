from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from aidx.core.errors import BusinessError
from aidx.core.paging import page_of, query_without_page
from aidx.documents import selectors, services
from aidx.documents.forms import DocumentForm
from aidx.documents.models import Document
from aidx.nations.policy import get_visible_or_404, viewer_for


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") if request.GET.get("kind") in Document.Kind.values else None
    search = request.GET.get("q", "").strip()[:100] or None
    viewer = viewer_for(request.user)
    page = page_of(request, selectors.documents_visible_to(viewer, kind=kind, search=search))
    return render(
        request,
        "documents/document_list.html",
        {
            "page": page,
            "kind": kind,
            "q": search or "",
            "kinds": Document.Kind.choices,
            "query": query_without_page(request),
        },
    )


@login_required
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    viewer = viewer_for(request.user)
    document = get_visible_or_404(selectors.documents_visible_to(viewer), viewer, pk=document_id)
    return render(request, "documents/document_detail.html", {"document": document})


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_create(
                actor=request.user,
                title=data["title"],
                body=data["body"],
                kind=data["kind"],
                releasability=data["releasability"],
                release_to=list(data["release_to"]),
            )
        except BusinessError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            return redirect("documents:detail", document_id=document.pk)
    return render(request, "documents/document_form.html", {"form": form}, status=400 if form.errors else 200)
