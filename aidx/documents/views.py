from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from aidx.core import exports
from aidx.core.errors import BusinessError
from aidx.core.exports import Column
from aidx.core.forms import show_problems
from aidx.core.paging import page_of, query_without_page
from aidx.documents import selectors, services
from aidx.documents.forms import DocumentForm
from aidx.documents.models import Document
from aidx.nations.policy import get_visible_or_404, viewer_for

DOCUMENT_COLUMNS = [
    Column("id", "pk"),
    Column("title", "title", "#meta +title"),
    Column("kind", "kind", "#meta +type"),
    Column("nation", lambda document: document.owner_nation_id or "", "#country +code"),
    Column("written", "created_at", "#date +reported"),
]


@login_required
def document_list(request: HttpRequest) -> HttpResponseBase:
    kind = request.GET.get("kind") if request.GET.get("kind") in Document.Kind.values else None
    search = request.GET.get("q", "").strip()[:100] or None
    viewer = viewer_for(request.user)
    documents = selectors.documents_visible_to(viewer, kind=kind, search=search)
    if file := exports.for_list(request, DOCUMENT_COLUMNS, documents, stem="documents"):
        return file
    page = page_of(request, documents)
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
            show_problems(form, error)
        else:
            return redirect("documents:detail", document_id=document.pk)
    return render(request, "documents/document_form.html", {"form": form}, status=400 if form.errors else 200)
