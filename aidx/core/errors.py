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
        self.problems: list[BusinessError] = [self]  # every problem of the input (see Problems)

    def __str__(self) -> str:
        return str(self.message)

    @property
    def fields(self) -> dict[str, list[str]] | None:
        """Every problem by the field it is about ("request" for the input as a whole); None for one problem
        about no field."""
        found: dict[str, list[str]] = {}
        for problem in self.problems:
            found.setdefault(problem.field or "request", []).append(str(problem.message))
        return None if list(found) == ["request"] and len(self.problems) == 1 else found


class PermissionDenied(BusinessError):
    status = 403

    def __init__(self, message: Any, *, code: str = "forbidden"):
        super().__init__(message, code=code)


class Problems:
    """Every problem of one input, found before anything is written, reported at once.

    A service checks all its fields (`add` a problem, or `collect` the error of a check that raises), then
    `raise_any()`: one `BusinessError` whose `problems` lists each (and whose message says them all), so a form
    marks every field and the API's `fields` names every one, instead of the person fixing one error only to meet
    the next:

        problems = Problems()
        if quantity <= 0:
            problems.add(_("The quantity must be greater than zero."), "quantity")
        ...
        problems.raise_any()
    """

    def __init__(self) -> None:
        self.found: list[BusinessError] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, message: Any, field: str | None = None, *, code: str = "invalid") -> None:
        self.found.append(BusinessError(message, code=code, field=field))

    def collect(self, check: Any, default: Any = None) -> Any:
        """The value of `check()`, or `default` with its error noted (a refusal of who may act is not an input
        problem: it is raised at once)."""
        try:
            return check()
        except PermissionDenied:
            raise
        except BusinessError as error:
            self.found.extend(error.problems)
            return default

    def raise_any(self, *, code: str | None = None) -> None:
        """Raise the problems found, if any; `code` names them all for clients (else the first problem's)."""
        if not self.found:
            return
        first = self.found[0]
        if len(self.found) == 1:
            if code is not None:
                first.code = code
            raise first
        error = BusinessError(" ".join(str(p.message) for p in self.found), code=code or first.code, field=first.field)
        error.problems = list(self.found)
        raise error
