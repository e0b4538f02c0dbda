"""The one error type for business-rule failures.

Services raise it; the API maps it to a translated 4xx JSON answer and the web UI to a form error.
The message must already be translatable (gettext / gettext_lazy); `code` is stable for clients.
"""

from __future__ import annotations

from typing import Any


class BusinessError(Exception):
    status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str = "invalid",
        field: str | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        self.fields = fields  # every problem by field, when there are several (see Problems)
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(BusinessError):
    status = 403

    def __init__(self, message: Any, *, code: str = "forbidden"):
        super().__init__(message, code=code)


class Problems:
    """Collects every problem of an input, so that one error reports them all and nothing is written:

        problems = Problems()
        if quantity <= 0:
            problems.add(_("The quantity must be greater than zero."), "quantity")
        ...
        problems.raise_any()
    """

    def __init__(self) -> None:
        self.found: list[tuple[str | None, str]] = []

    def add(self, message: Any, field: str | None = None) -> None:
        self.found.append((field, str(message)))

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_any(self) -> None:
        if not self.found:
            return
        fields: dict[str, list[str]] = {}
        for field, message in self.found:
            fields.setdefault(field or "request", []).append(message)
        raise BusinessError(
            " ".join(message for _field, message in self.found),
            field=self.found[0][0],
            fields=fields,
        )
