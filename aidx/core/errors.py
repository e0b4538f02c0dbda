"""The one error type for business-rule failures.

Services raise it; the API maps it to a translated 4xx JSON answer and the web UI to a form error.
The message must already be translatable (gettext / gettext_lazy); `code` is stable for clients.

A service that validates several things collects them in `Problems` and raises once, so the person sees every
problem of their input at once (and nothing is written): `error.problems` lists (field, message) pairs, which
the API answers as its `fields` and a page as one form error per problem.
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
        problems: list[tuple[str | None, str]] | None = None,
    ):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        self.problems: list[tuple[str | None, str]] = problems if problems else [(field, str(message))]
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(BusinessError):
    status = 403

    def __init__(self, message: Any, *, code: str = "forbidden"):
        super().__init__(message, code=code)


class Problems:
    """Every problem found in one input, raised together as one BusinessError."""

    def __init__(self) -> None:
        self.found: list[tuple[str | None, str]] = []

    def add(self, message: Any, field: str | None = None) -> None:
        self.found.append((field, str(message)))

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_any(self, *, code: str = "invalid") -> None:
        if not self.found:
            return
        fields = {field for field, _message in self.found}
        field = next(iter(fields)) if len(fields) == 1 else None
        raise BusinessError(
            " ".join(message for _field, message in self.found), code=code, field=field, problems=self.found
        )
