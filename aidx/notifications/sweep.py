"""Notifications for the need-to-know sweep (aidx/core/sweep.py): each user's list may name only what that user may
see (the sweep finds the tokens of request and offer titles in the notices' text)."""

from __future__ import annotations

from aidx.core.sweep import exempt, surface

surface("notifications.list", "notifications", ["notifications:list"], "/notifications/")
exempt("a write (marks the user's own notifications read) that redirects to the list", "notifications:read")
