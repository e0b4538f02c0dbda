"""The system as an actor: what scheduled jobs and derived changes act as.

Services take an `actor`; when nobody signed in makes a change (a request expires at midnight, a lot passes
its expiry date, a run's worker is lost), the actor is `SYSTEM`, never `None`. It goes through the same
workflow tables as a person (transitions name it with `Rule(system=True)`), holds no role, sees no record
through need-to-know, and the audit log records it as "system".
"""

from __future__ import annotations

from typing import Any


class SystemActor:
    is_system = True
    is_authenticated = False  # not a signed-in user: need-to-know gives it nothing
    is_active = True
    is_anonymous = False
    is_centre = False
    pk = None
    id = None
    nation_id = None
    nation = None
    organisation = None
    organisation_id = None
    roles: frozenset[str] = frozenset()

    def has_role(self, *roles: str) -> bool:
        return False

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return getattr(actor, "is_system", False) is True
