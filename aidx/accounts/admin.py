from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import APIToken, RoleGrant, User
from aidx.audit.admin import AuditedAdmin, ReadOnlyAdmin


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "nation", "organisation", "is_active", "is_demo"]
    list_filter = ["is_active", "is_demo", "nation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Affiliation"), {"fields": ("nation", "organisation", "language")}),
    )
    inlines = [RoleGrantInline]


@admin.register(APIToken)
class APITokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "name", "scope", "created_at", "revoked_at"]
    exclude = ["digest"]
