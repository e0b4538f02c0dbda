from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from aidx.accounts.models import APIToken, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "nation", "organisation", "is_active", "is_demo"]
    list_filter = ["is_active", "is_demo", "nation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Affiliation"), {"fields": ("nation", "organisation", "language")}),
    )
    inlines = [RoleGrantInline]


@admin.register(APIToken)
class APITokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "scope", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
