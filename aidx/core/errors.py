"""The one error type for business-rule failures.

Services raise it; the API maps it to a translated 4xx JSON answer and the web UI to a form error.
The message must already be translatable (gettext / gettext_lazy); `code` is stable for clients.
"""

from __future__ import annotations

from typing import Any


class BusinessError(Exception):
    status = 400

    def __init__(self, message: Any, *, code: str = "invalid", field: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(BusinessError):
    status = 403

    def __init__(self, message: Any, *, code: str = "forbidden"):
        super().__init__(message, code=code)
