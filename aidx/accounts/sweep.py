"""Accounts for the need-to-know sweep (aidx/core/sweep.py): the user's own tokens and details only."""

from __future__ import annotations

from aidx.core.sweep import exempt, surface

surface("accounts.tokens", "page", ["accounts:tokens"], "/accounts/tokens/")
surface("accounts.password", "form", ["accounts:password"], "/accounts/password/")
surface("accounts.api_me", "api-detail", ["api:me"], "/api/v1/me", api=True)
exempt("a write: revokes the user's own token and redirects", "accounts:token_revoke")
exempt("a confirmation with no record in it", "accounts:password_done")
