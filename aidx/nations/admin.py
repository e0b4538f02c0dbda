from django.contrib import admin

from aidx.audit.admin import AuditedAdmin
from aidx.nations.models import Membership, Nation, Organisation, Site


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Nation)
class NationAdmin(AuditedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code"]
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["code", "name_en", "kind", "nation"]


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "nation", "icao"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "icao", "iata"]
