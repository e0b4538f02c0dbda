"""File interface: ``problem.json [--mode priority|fair] [--time-limit S]``.

Reads the JSON problem described in docs/allocation-format.md, writes the
result JSON on stdout.  Bad input: a message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .explain import explain
from .model import (
    Item,
    OfferLine,
    Params,
    Problem,
    ProblemError,
    RequestLine,
    Result,
    Site,
    Substitution,
    day_number,
)
from .solver import solve


def _req(obj: dict, key: str, where: str) -> Any:
    if not isinstance(obj, dict):
        raise ProblemError(f"{where}: expected an object")
    if key not in obj:
        raise ProblemError(f"{where}: missing key {key!r}")
    return obj[key]


def _list(doc: dict, key: str, required: bool = True) -> list:
    if key not in doc:
        if required:
            raise ProblemError(f"missing top-level key {key!r}")
        return []
    v = doc[key]
    if not isinstance(v, list):
        raise ProblemError(f"{key!r} must be a list")
    return v


def _num(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ProblemError(f"{where}: expected a number, got {v!r}")
    return float(v)


def problem_from_json(doc: Any) -> Problem:
    """Build a :class:`Problem` from the parsed JSON document."""
    if not isinstance(doc, dict):
        raise ProblemError("the problem must be a JSON object")
    sites = [
        Site(
            str(_req(s, "id", f"sites[{k}]")),
            _num(_req(s, "lat", f"sites[{k}]"), f"sites[{k}].lat"),
            _num(_req(s, "lon", f"sites[{k}]"), f"sites[{k}].lon"),
        )
        for k, s in enumerate(_list(doc, "sites"))
    ]
    items = [
        Item(
            str(_req(i, "id", f"items[{k}]")),
            _num(_req(i, "unit_weight_kg", f"items[{k}]"), f"items[{k}].unit_weight_kg"),
        )
        for k, i in enumerate(_list(doc, "items"))
    ]
    subs = [
        Substitution(
            str(_req(s, "offered", f"substitutions[{k}]")),
            str(_req(s, "requested", f"substitutions[{k}]")),
            _req(s, "penalty", f"substitutions[{k}]"),
        )
        for k, s in enumerate(_list(doc, "substitutions", required=False))
    ]
    reqs = []
    for k, r in enumerate(_list(doc, "requests")):
        w = f"requests[{k}]"
        reqs.append(
            RequestLine(
                _req(r, "id", w),
                str(_req(r, "nation", w)),
                str(_req(r, "item", w)),
                _req(r, "quantity", w),
                _req(r, "priority", w),
                day_number(_req(r, "needed_by", w)),
                str(_req(r, "site", w)),
            )
        )
    offs = []
    for k, o in enumerate(_list(doc, "offers")):
        w = f"offers[{k}]"
        rel = o.get("releasable_to") if isinstance(o, dict) else None
        if rel is not None and not (isinstance(rel, list) and all(isinstance(x, str) for x in rel)):
            raise ProblemError(f"{w}.releasable_to must be null or a list of nation codes")
        offs.append(
            OfferLine(
                _req(o, "id", w),
                str(_req(o, "nation", w)),
                str(_req(o, "item", w)),
                _req(o, "quantity", w),
                day_number(_req(o, "available_from", w)),
                day_number(_req(o, "available_until", w)),
                str(_req(o, "site", w)),
                None if rel is None else frozenset(rel),
            )
        )
    ex = [
        (_req(e, "offer", f"excluded[{k}]"), _req(e, "request", f"excluded[{k}]"))
        for k, e in enumerate(_list(doc, "excluded", required=False))
    ]
    fx = [
        (_req(f, "offer", f"fixed[{k}]"), _req(f, "request", f"fixed[{k}]"), _req(f, "quantity", f"fixed[{k}]"))
        for k, f in enumerate(_list(doc, "fixed", required=False))
    ]
    prm = doc.get("params") or {}
    if not isinstance(prm, dict):
        raise ProblemError("'params' must be an object")
    unknown = set(prm) - {"base_days", "km_per_day", "today"}
    if unknown:
        raise ProblemError(f"unknown params: {sorted(unknown)}")
    base_days = prm.get("base_days", 1)
    if isinstance(base_days, bool) or not isinstance(base_days, int):
        raise ProblemError("params.base_days must be an integer")
    params = Params(
        base_days=base_days,
        km_per_day=_num(prm.get("km_per_day", 2000.0), "params.km_per_day"),
        today=None if prm.get("today") is None else day_number(prm["today"]),
    )
    return Problem.build(
        requests=reqs, offers=offs, sites=sites, items=items, substitutions=subs, excluded=ex, fixed=fx, params=params
    )


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def excluded_causes(doc: dict) -> dict[tuple[Any, Any], str]:
    """The cause an input gives for each excluded pair (its optional ``why``), for the reasons of the output."""
    return {(e["offer"], e["request"]): str(e["why"]) for e in doc.get("excluded") or () if e.get("why")}


def result_to_json(problem: Problem, res: Result, *, excluded_why: dict[tuple[Any, Any], str] | None = None) -> dict:
    """The output document; every unmet request line and unused offer line carries its ``reason`` (explain.py)."""
    oid, rid = problem.offers.ids, problem.requests.ids
    reasons = explain(problem, res, excluded_why=excluded_why)
    allocs = [
        {"offer": _plain(oid[o]), "request": _plain(rid[r]), "quantity": int(q), "fixed": bool(f)}
        for o, r, q, f in zip(
            res.alloc_offer.tolist(),
            res.alloc_request.tolist(),
            res.alloc_qty.tolist(),
            res.alloc_fixed.tolist(),
            strict=False,
        )
    ]
    unmet = [{"request": row.line, "quantity": row.quantity, "reason": row.reason} for row in reasons.requests]
    unused = [{"offer": row.line, "quantity": row.quantity, "reason": row.reason} for row in reasons.offers]
    return {
        "status": res.status,
        "mode": res.mode,
        "allocations": allocs,
        "unmet": unmet,
        "unused": unused,
        "objective": {
            "met_by_priority": {str(p): m for p, m in zip((1, 2, 3, 4), res.met_by_priority, strict=False)},
            "demand_by_priority": {str(p): d for p, d in zip((1, 2, 3, 4), res.demand_by_priority, strict=False)},
            "ton_km": res.ton_km,
            "kg_km": res.kg_km,
            "substitution_penalty": res.penalty,
        },
        "certificate": {
            "kind": res.certificate.kind,
            "verified": res.certificate.verified,
            "primal": res.certificate.primal,
            "dual": res.certificate.dual,
            "detail": res.certificate.detail,
        },
        "fair_share": [
            {
                "family_item": problem.items[f.family].id,
                "priority": f.priority,
                "lp_bound": f.lp_bound,
                "achieved": f.achieved,
            }
            for f in res.fair_share
        ],
        "stats": dict(res.stats.items()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="aidx optimize allocate", description="Match offers to requests.")
    ap.add_argument("problem", help="problem JSON file (docs/allocation-format.md), '-' for stdin")
    ap.add_argument("--mode", choices=("priority", "fair"), default="priority")
    ap.add_argument("--time-limit", type=float, default=None, metavar="S")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the message
        return 2 if exc.code else 0
    try:
        if args.problem == "-":
            doc = json.load(sys.stdin)
        else:
            with open(args.problem, encoding="utf-8") as fh:
                doc = json.load(fh)
        problem = problem_from_json(doc)
    except (OSError, json.JSONDecodeError, ProblemError) as exc:
        print(f"allocation: bad input: {exc}", file=sys.stderr)
        return 2
    try:
        res = solve(problem, mode=args.mode, time_limit=args.time_limit)
    except TimeoutError as exc:
        print(f"allocation: {exc}", file=sys.stderr)
        return 1
    json.dump(result_to_json(problem, res, excluded_why=excluded_causes(doc)), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
