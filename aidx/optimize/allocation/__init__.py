"""Pure allocation engine: match requests for assistance with offers.

No Django here.  Entry points: :class:`Problem` (immutable, columnar),
:func:`solve` and :class:`Result`; :mod:`.cli` reads/writes JSON.
"""

from .model import (
    Certificate,
    FairShare,
    Item,
    OfferLine,
    Params,
    Problem,
    ProblemError,
    RequestLine,
    Result,
    Site,
    Substitution,
)
from .solver import solve

__all__ = [
    "Certificate",
    "FairShare",
    "Item",
    "OfferLine",
    "Params",
    "Problem",
    "ProblemError",
    "RequestLine",
    "Result",
    "Site",
    "Substitution",
    "solve",
]
