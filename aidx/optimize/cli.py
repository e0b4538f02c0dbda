"""`aidx optimize allocate|airlift FILE ...`: the engines' file interfaces, without Django."""

from __future__ import annotations

import sys

USAGE = "usage: aidx optimize {allocate,airlift} problem.json [options]  (--help after the engine name for more)"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if argv else 2
    engine, rest = argv[0], argv[1:]
    if engine == "allocate":
        from aidx.optimize.allocation.cli import main as allocate

        return allocate(rest)
    if engine == "airlift":
        from aidx.optimize.airlift.cli import main as airlift

        return airlift(rest)
    print(f"aidx optimize: unknown engine {engine!r}\n{USAGE}", file=sys.stderr)
    return 2
