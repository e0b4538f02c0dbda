from django.contrib import admin

from aidx.audit.admin import AuditedAdmin
from aidx.catalogue.models import CapabilityType, Item, Substitution


class SubstitutionInline(admin.TabularInline):
    model = Substitution
    fk_name = "item"
    extra = 0


@admin.register(Item)
class ItemAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "category", "unit", "unit_weight_kg", "illustrative"]
    list_filter = ["category"]
    search_fields = ["code", "name_en", "name_nb", "name_nn"]
    inlines = [SubstitutionInline]


@admin.register(CapabilityType)
class CapabilityTypeAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "kind", "payload_kg", "icu_beds", "staff"]
    list_filter = ["kind"]
