"""Users, their affiliation and roles, and personal API tokens."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aidx.nations.models import Nation, Organisation


class Role(models.TextChoices):
    POINT_OF_CONTACT = "poc", _("national point of contact")
    COORDINATOR = "coordinator", _("coordinator")
    LOGISTICS = "logistics", _("logistics officer")
    STOCKPILE = "stockpile", _("stockpile and fund manager")
    VIEWER = "viewer", _("viewer")


class User(AbstractUser):
    """A person who belongs to a nation, an organisation (the coordination centre is one), or neither."""

    nation = models.ForeignKey(
        Nation, verbose_name=_("nation"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="en")
    is_demo = models.BooleanField(_("demo account"), default=False, help_text=_("Has the well-known demo password."))

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(nation__isnull=True) | Q(organisation__isnull=True), name="user_one_affiliation"
            )
        ]

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_centre(self) -> bool:
        return self.organisation is not None and self.organisation.kind == Organisation.Kind.CENTRE

    @property
    def affiliation(self) -> Nation | Organisation | None:
        return self.nation or self.organisation

    @property
    def acting_nation_id(self) -> str | None:
        """The nation this user speaks for: their own, or their organisation's."""
        if self.nation_id:
            return self.nation_id
        return self.organisation.nation_id if self.organisation is not None else None


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="rolegrant_unique")]

    def __str__(self) -> str:
        return str(self.get_role_display())


class APIToken(models.Model):
    """A personal token for scripts. Only its SHA-256 digest is stored; the token is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("read")
        WRITE = "write", _("read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, help_text=_("The start of the token, to recognise it."))
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("The token stops working at this moment; empty: never.")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
