"""Writes for users, roles and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import APIToken, Role, RoleGrant, User
from aidx.audit.services import record, snapshot
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.nations.models import Nation, Organisation

TOKEN_PREFIX = "aidx_"


def token_digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is as strong as a slow hash here and keeps lookups O(1).
    return hashlib.sha256(token.encode()).hexdigest()


def _check_roles(roles: set[str], *, organisation: Organisation | None) -> None:
    unknown = roles - set(Role.values)
    if unknown:
        raise BusinessError(_("Unknown role: %(role)s.") % {"role": ", ".join(sorted(unknown))}, field="roles")
    if Role.COORDINATOR in roles and (organisation is None or organisation.kind != Organisation.Kind.CENTRE):
        raise BusinessError(_("Only members of the coordination centre can be coordinators."), field="roles")


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    nation: Nation | None = None,
    organisation: Organisation | None = None,
    roles: set[str] | frozenset[str] = frozenset(),
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
    is_demo: bool = False,
) -> User:
    if nation is not None and organisation is not None:
        raise BusinessError(_("A user belongs to a nation or to an organisation, not both."), field="organisation")
    if is_demo and settings.PRODUCTION:
        raise BusinessError(_("Demo accounts cannot be created in production."))
    if User.objects.filter(username__iexact=username).exists():
        raise BusinessError(_("The username %(username)s is taken.") % {"username": username}, field="username")
    if language not in dict(settings.LANGUAGES):
        raise BusinessError(_("Unknown language: %(language)s.") % {"language": language}, field="language")
    roles = set(roles)
    _check_roles(roles, organisation=organisation)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        nation=nation,
        organisation=organisation,
        language=language,
        is_demo=is_demo,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for role in sorted(roles)])
    record(actor=actor, action="user.create", target=user, after={**snapshot(user), "roles": sorted(roles)})
    return user


@transaction.atomic
def demo_accounts_deactivate(*, actor: Any) -> list[str]:
    """Deactivate every active demo account (the well-known password); returns their usernames."""
    demo = list(User.objects.select_for_update().filter(is_demo=True, is_active=True).order_by("username"))
    for user in demo:
        user.is_active = False
        user.save(update_fields=["is_active"])
        record(
            actor=actor, action="user.deactivate", target=user, before={"is_active": True}, after={"is_active": False}
        )
    return [user.username for user in demo]


@transaction.atomic
def user_set_roles(*, actor: Any, user: User, roles: set[str]) -> None:
    _check_roles(roles, organisation=user.organisation)
    before = sorted(user.role_grants.values_list("role", flat=True))
    user.role_grants.exclude(role__in=roles).delete()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for role in roles], ignore_conflicts=True)
    user.__dict__.pop("roles", None)
    record(actor=actor, action="user.roles", target=user, before={"roles": before}, after={"roles": sorted(roles)})


def token_expiry(last_day: dt.date) -> dt.datetime:
    """The moment a token that works through `last_day` (UTC) stops: the midnight that ends that day."""
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


@transaction.atomic
def token_create(
    *, actor: Any, user: User, name: str, write: bool = False, expires_at: dt.datetime | None = None
) -> tuple[APIToken, str]:
    """Make a token for `user`, working until `expires_at` (None: until revoked); returns it with the secret,
    which is never stored and cannot be shown again."""
    if actor != user and not (getattr(actor, "is_superuser", False)):
        raise PermissionDenied(_("You can only make tokens for yourself."))
    name = name.strip()
    if not name:
        raise BusinessError(_("Give the token a name."), field="name")
    if len(name) > 100:
        raise BusinessError(_("The name is too long (at most 100 characters)."), field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise BusinessError(_("A token's expiry must be in the future."), field="expires_at")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = APIToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=token_digest(secret),
        scope=APIToken.Scope.WRITE if write else APIToken.Scope.READ,
        expires_at=expires_at,
    )
    record(actor=actor, action="token.create", target=token, after=snapshot(token, exclude=("digest",)))
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Any, token: APIToken) -> None:
    if actor != token.user and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("You can only revoke your own tokens."))
    token = APIToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise BusinessError(_("This token is already revoked."), code="already_revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor=actor, action="token.revoke", target=token, after={"revoked_at": token.revoked_at.isoformat()})


def token_authenticate(secret: str) -> APIToken | None:
    """The active token for `secret` (not revoked, not expired, its user active); marks it used (at most once a
    minute)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        APIToken.objects.select_related("user", "user__organisation", "user__nation")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if settings.PRODUCTION and token.user.is_demo:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
