"""Logging filters."""

from __future__ import annotations

import logging


class ClientErrorsInOneLine(logging.Filter):
    """A 4xx answer is logged on one line, without the traceback of the exception that made it.

    Django logs a refused request (403 from PermissionDenied, 400 from SuspiciousOperation) with `exc_info`, so every
    "you may not" printed a full traceback in the server log, burying real errors. The client's mistake or a refusal
    needs the line (method, path, status); a 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
