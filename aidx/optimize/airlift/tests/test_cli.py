"""The JSON file interface and the VRPLIB reader."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

from aidx.optimize.airlift import problem_from_json, violations
from aidx.optimize.airlift.cli import main

REPO = Path(__file__).resolve().parents[4]
EXAMPLE = REPO / "docs" / "examples" / "airlift-problem.json"
VRP_DIR = Path(os.environ.get("AIDX_VRP_DIR", REPO.parent / "shared" / "data" / "vrp"))


def test_it_plans_the_documented_example(capsys):
    assert main([str(EXAMPLE), "--time-limit", "1", "--seed", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["missions"] == len(out["missions"]) >= 1
    assert {u["shipment"]: u["reason"] for u in out["unplaced"]} == {"alloc-104": "too_heavy"}
    for mission in out["missions"]:
        assert mission["stops"][0]["airfield"] == mission["stops"][-1]["airfield"]
        assert len(mission["legs"]) == len(mission["stops"]) - 1


def test_it_round_trips_the_example_through_the_checker():
    from aidx.optimize.airlift import plan

    problem = problem_from_json(json.loads(EXAMPLE.read_text()))
    result = plan(problem, time_limit=1)
    assert violations(problem, result) == []
    assert result.placed_kg == 15_000 + 18_000 + 45_000


@pytest.mark.parametrize(
    "doc, message",
    [
        ("{not json", "invalid JSON"),
        ('{"airfields": []}', "missing field(s) aircraft, shipments"),
        (
            '{"airfields": [], "aircraft": [], "shipments": [{"id": "s", "pickup": "X",'
            ' "delivery": "Y", "kg": 1, "m3": 1}]}',
            "unknown pickup airfield",
        ),
        (
            '{"airfields": [{"code": "A", "lat": 1, "lon": 2, "alt": 3}], "aircraft": [], "shipments": []}',
            "unknown field(s) alt",
        ),
        (
            '{"airfields": [{"code": "A", "lat": 1, "lon": 2}], "aircraft": [], '
            '"shipments": [{"id": "s", "pickup": "A", "delivery": "A", "kg": 1, '
            '"m3": 1, "earliest_pickup": "tomorrow"}]}',
            "not an ISO 8601 datetime",
        ),
    ],
)
def test_it_rejects_bad_input_with_exit_status_2(tmp_path, capsys, doc, message):
    path = tmp_path / "bad.json"
    path.write_text(doc)
    assert main([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_it_rejects_missing_files_and_bad_options(capsys):
    assert main(["/nonexistent/problem.json"]) == 2
    assert main([]) == 2
    assert main([str(EXAMPLE), "--time-limit", "soon"]) == 2
    err = capsys.readouterr().err
    assert "No such file" in err and "missing problem file" in err


needs_data = pytest.mark.skipif(not (VRP_DIR / "X-n101-k25.vrp").exists(), reason="shared VRP data not present")

# instance -> (PyVRP rounding that matches the .sol cost convention, scale)
CONVENTIONS = {
    "X-n101-k25": ("round", 1),
    "RC208": ("dimacs", 10),
    "PR11A": ("exact", 1),
    "X115-HVRP": ("exact", 100_000),
}


@needs_data
@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_it_reads_the_shared_vrplib_instances_and_their_best_known_costs(name):
    import vrplib
    from pyvrp import read
    from pyvrp.read import read_solution

    round_func, scale = CONVENTIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read(VRP_DIR / f"{name}.vrp", round_func=round_func)
    best = read_solution(VRP_DIR / f"{name}.sol", data)
    assert best.is_feasible() and best.is_complete()
    cost = best.distance_cost() + best.fixed_vehicle_cost()
    published = vrplib.read_solution(str(VRP_DIR / f"{name}.sol"))["cost"]
    assert cost / scale == pytest.approx(published, abs=0.01)


@needs_data
def test_it_solves_a_vrplib_instance_from_the_command_line(capsys):
    path = VRP_DIR / "X-n101-k25.vrp"
    assert main(["--vrplib", str(path), "--time-limit", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["feasible"] is True
    assert 27_591 <= out["cost"] <= 27_591 * 1.10
