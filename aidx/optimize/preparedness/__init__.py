"""Pure preparedness engine: a wave's hospital occupancy, the demand it makes, and a simulation of that demand
against standby pledges, the stockpile, the fund and the pledged airlift, over many uncertain runs.

No Django here. Entry points: :class:`Problem` (immutable), :func:`simulate` (and :func:`greedy`, the naive
comparison) returning a :class:`Result`; :func:`occupancy` (the SEIR curves) and :func:`days_of_cover`.
"""

from .cover import days_of_cover
from .gaps import Gap, gaps
from .model import (
    Airlift,
    Nation,
    Problem,
    ProblemError,
    Resource,
    Result,
    Seir,
    Source,
    Uncertainty,
)
from .seir import occupancy
from .simulate import greedy, simulate

__all__ = [
    "Airlift",
    "Gap",
    "Nation",
    "Problem",
    "ProblemError",
    "Resource",
    "Result",
    "Seir",
    "Source",
    "Uncertainty",
    "days_of_cover",
    "gaps",
    "greedy",
    "occupancy",
    "simulate",
]
