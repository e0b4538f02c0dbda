from __future__ import annotations

from django.db.models import QuerySet

from aidx.accounts.models import User
from aidx.notifications.models import Notification


def notifications_of(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    result = Notification.objects.filter(user=user)
    if unread_only:
        result = result.filter(read_at__isnull=True)
    return result.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
