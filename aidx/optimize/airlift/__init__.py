"""Airlift planner: which aircraft flies which shipments, in which order.

Pure Python on top of PyVRP; no Django. Entry point :func:`plan`::

    from aidx.optimize.airlift import Problem, plan
    result = plan(problem, time_limit=10, seed=0)

See ``docs/airlift-format.md`` for the model and the JSON file format.
"""

from .check import violations
from .jsonio import FormatError, plan_to_json, problem_from_json
from .planner import PlanningCancelled, plan
from .problem import Aircraft, Airfield, Problem, Shipment
from .result import Leg, Load, Mission, Plan, Reason, Stop, Unplaced

__all__ = [
    "Aircraft",
    "Airfield",
    "FormatError",
    "Leg",
    "Load",
    "Mission",
    "Plan",
    "PlanningCancelled",
    "Problem",
    "Reason",
    "Shipment",
    "Stop",
    "Unplaced",
    "plan",
    "plan_to_json",
    "problem_from_json",
    "violations",
]
