from django.contrib import admin

from aidx.audit.admin import ReadOnlyAdmin
from aidx.documents.models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "owner_nation", "owner_organisation", "releasability", "created_at"]
    list_filter = ["kind", "releasability"]
