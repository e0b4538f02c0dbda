"""Command line: plan an airlift from a JSON file, or solve a VRPLIB instance.

    python -m aidx.optimize.airlift.cli problem.json [--time-limit S] [--seed N]
    python -m aidx.optimize.airlift.cli --vrplib X-n101-k25.vrp [--round-func round]

Prints JSON on stdout. Bad input: a message on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .jsonio import FormatError, plan_to_json, problem_from_json
from .planner import plan

ROUND_FUNCS = ("round", "trunc", "dimacs", "exact", "none")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit status 2 with a clear message
        self.print_usage(sys.stderr)
        raise _Usage(message)


class _Usage(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="aidx-airlift", description="Plan airlift missions.")
    p.add_argument("problem", nargs="?", help="airlift problem JSON file ('-' for stdin)")
    p.add_argument("--vrplib", metavar="PATH", help="solve a VRPLIB/CVRPLIB instance instead")
    p.add_argument(
        "--round-func",
        choices=ROUND_FUNCS,
        default="round",
        help="VRPLIB rounding (PyVRP read): round (CVRPLIB), dimacs (Solomon ×10), exact (×1000). Default round",
    )
    p.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="seconds of search (default 10)")
    p.add_argument("--seed", type=int, default=0, metavar="N")
    p.add_argument("--indent", type=int, default=2)
    return p


def _fail(message: str) -> int:
    print(f"aidx-airlift: error: {message}", file=sys.stderr)
    return 2


def _vrplib(args) -> int:
    import warnings

    from pyvrp import read, solve
    from pyvrp.stop import MaxRuntime

    path = Path(args.vrplib)
    if not path.is_file():
        return _fail(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = read(path, round_func=args.round_func)
    except Exception as exc:  # vrplib raises a variety of errors on bad files
        return _fail(f"{path}: not a readable VRPLIB instance ({exc})")
    res = solve(data, stop=MaxRuntime(args.time_limit), seed=args.seed, collect_stats=False, display=False)
    best = res.best
    out = {
        "instance": path.stem,
        "round_func": args.round_func,
        "cost": res.cost() if best.is_feasible() else None,
        "feasible": best.is_feasible(),
        "routes": best.num_routes(),
        "iterations": res.num_iterations,
        "runtime_s": round(res.runtime, 3),
    }
    print(json.dumps(out, indent=args.indent))
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except _Usage as exc:
        return _fail(str(exc))
    if args.time_limit < 0:
        return _fail("--time-limit must be >= 0")
    if args.vrplib:
        if args.problem:
            return _fail("give either a problem file or --vrplib, not both")
        return _vrplib(args)
    if not args.problem:
        return _fail("missing problem file (or --vrplib PATH)")
    try:
        text = sys.stdin.read() if args.problem == "-" else Path(args.problem).read_text(encoding="utf-8")
    except OSError as exc:
        return _fail(f"{args.problem}: {exc.strerror or exc}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return _fail(f"{args.problem}: invalid JSON ({exc})")
    try:
        problem = problem_from_json(doc)
    except FormatError as exc:
        return _fail(f"{args.problem}: {exc}")
    result = plan(problem, time_limit=args.time_limit, seed=args.seed)
    print(json.dumps(plan_to_json(result), indent=args.indent, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
