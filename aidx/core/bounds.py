"""Bounded integers for API input: every integer a client sends has a range the database can hold.

An unbounded `int` lets a client send 2**63 or 10**20: PostgreSQL then fails with "bigint out of range" and SQLite
with "datatype mismatch", both 500s. With these types (or a Field with the same bounds) the API refuses such a value
with the one 422 answer before any query runs, and the OpenAPI document states each range, so clients and the
schema-driven fuzzing know it. The bounds are what the columns hold, not what the business rules accept: a quantity
of 0 or -5 fits and is refused by the service, with its own message, among the other problems of the same input.
`aidx/core/tests/test_api_bounds.py` checks that every integer in every operation's parameters and bodies has a
minimum and a maximum, so a new endpoint cannot forget.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Primary keys are 64-bit (DEFAULT_AUTO_FIELD = BigAutoField).
MAX_ID = 2**63 - 1
# Quantities, counts, seeds and sequence numbers are stored in 32-bit integer columns.
MAX_INT32 = 2**31 - 1
# Money in minor units is stored in 64-bit columns and summed into balances: 10**15 minor units (ten trillion euros)
# is far above any real amount and keeps a sum of thousands of them inside 64 bits.
MAX_MINOR_UNITS = 10**15

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Int32 = Annotated[int, Field(ge=-MAX_INT32 - 1, le=MAX_INT32)]
MinorUnits = Annotated[int, Field(ge=-MAX_MINOR_UNITS, le=MAX_MINOR_UNITS)]
