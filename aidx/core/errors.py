"""The one error type for business-rule failures.

Services raise it; the API maps it to a translated 4xx JSON answer and the web UI to a form error.
The message must already be translatable (gettext / gettext_lazy); `code` is stable for clients.
"""

from __future__ import annotations

from typing import Any

# A refusal because of the record's state (a request already withdrawn, a transition its workflow does not allow
# now) is a conflict with that state, not bad input: the API answers 409, as its OpenAPI document says.
CONFLICT_CODES = frozenset({"bad_state"})


class BusinessError(Exception):
    status = 400

    def __init__(self, message: Any, *, code: str = "invalid", field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        if status is not None:
            self.status = status
        elif code in CONFLICT_CODES:
            self.status = 409

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(BusinessError):
    status = 403

    def __init__(self, message: Any, *, code: str = "forbidden"):
        super().__init__(message, code=code)
