"""Telling a lost database connection from an error of the statement.

A worker lives through a PostgreSQL restart, a terminated backend or a cut network (aidx/core/worker.py): it
drops the connection and opens a new one when the database answers again. That is right only when the
connection went away; a deadlock, a cancelled statement or a broken constraint is the task's own error, and
a new connection would not change it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, InterfaceError

T = TypeVar("T")

# Class 08 is "connection exception"; 57P01-57P03 end a session from the server's side: an administrator's
# pg_terminate_backend or a fast shutdown, a crash of another backend, a server still starting.
_LOST_STATES = {"57P01", "57P02", "57P03"}


def _lost(error: BaseException) -> bool:
    if isinstance(error, InterfaceError):  # Django's: the connection is already closed
        return True
    if not type(error).__module__.startswith("psycopg"):
        return False
    import psycopg

    if isinstance(error, psycopg.InterfaceError):
        return True
    if isinstance(error, psycopg.OperationalError):
        state = getattr(error, "sqlstate", None)
        # No state: the client itself found the connection gone ("server closed the connection unexpectedly",
        # "the connection is lost", a refused connect).
        return state is None or state.startswith("08") or state in _LOST_STATES
    return False


def connection_lost(error: BaseException | None) -> bool:
    """Whether `error`, or an error it was raised from or while handling, is the database connection going
    away. Django's OperationalError carries the driver's error as its cause, which says which it was."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _lost(error):
            return True
        error = error.__cause__ or error.__context__
    return False


# 40P01 deadlock_detected, 40001 serialization_failure: PostgreSQL aborted this transaction so that another could
# go on; the same transaction tried again will almost always pass.
_TRANSIENT_STATES = {"40P01", "40001"}


def transient(error: BaseException | None) -> bool:
    """Whether `error` (or the driver's error beneath it) is a deadlock or a serialization failure."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "sqlstate", None) in _TRANSIENT_STATES:
            return True
        error = error.__cause__ or error.__context__
    return False


def retrying(work: Callable[[], T], *, attempts: int = 3) -> T:
    """`work()` (which opens its own transaction), tried again when PostgreSQL aborted it for a deadlock or a
    serialization failure, at most `attempts` times in all; any other error, or the last one, is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DatabaseError as error:
            if attempt == attempts or not transient(error):
                raise
    raise AssertionError("unreachable")
