"""The words of the airlift maps' routes: what a proposed leg carries of the loads still kept, in the reader's
language and number format."""

from __future__ import annotations

from django.utils import translation

from aidx.logistics import maps


def _proposal(dropped_mission: bool = False) -> dict:
    leg = {"from": [40.49, -3.57], "to": [41.8, 12.25], "from_name": "Madrid", "to_name": "Rome"}
    return {
        "missions": [
            {
                "aircraft_label": "A400M T.23-01",
                "dropped": dropped_mission,
                "legs": [
                    {**leg, "origin": "madrid", "destination": "rome"},
                    {**leg, "origin": "rome", "destination": "milan", "from_name": "Rome", "to_name": "Milan"},
                ],
                "loads": [
                    {"kg": 4500, "board": 1, "unload": 1, "dropped": False},
                    {"kg": 900, "board": 1, "unload": 2, "dropped": False},
                    {"kg": 2000, "board": 2, "unload": 2, "dropped": True},
                ],
            }
        ]
    }


def test_a_proposed_leg_carries_the_loads_kept_on_board_and_names_its_ends(airlift):
    with translation.override("en"):
        first, second = maps.proposal_map(_proposal())
    assert (first["route"], first["status"], first["status_words"], first["load"]) == (
        "Madrid → Rome",
        "planned",
        "Status: planned",
        "Load: 5.4 t",
    )
    assert (first["from_site"], first["to_site"]) == (
        {"name": "Madrid", "nation": "Spain"},
        {"name": "Rome", "nation": "Italy"},
    )
    assert second["load"] == "Load: 0.9 t"  # the dropped load is off
    assert second["to_site"] == {"name": "Milan", "nation": "Italy"}
    with translation.override("en"):
        (first, _second) = maps.proposal_map(_proposal(dropped_mission=True))
    assert (first["status"], first["status_words"]) == ("dropped", "Status: dropped")


def test_it_says_when_the_viewer_may_see_no_load_and_sums_the_others():
    with translation.override("en"):
        assert maps.load_words(0, 0) == "No load you may see."
        assert maps.load_words(40, 3) == "Load: 40 kg · patients: 3"
        assert maps.others_words(2, 1200, 0) == "Other loads: 2 · 1.2 t"
        assert maps.others_words(0, 0, 0) == ""
