from __future__ import annotations

from aidx.catalogue import selectors


def _codes(rows):
    return [row.code for row in rows]


def test_it_lists_items_by_category_then_code(catalogue):
    assert _codes(selectors.items()) == [
        "gloves-nitrile",
        "mask-ffp2",
        "mask-ffp3",
        "mask-surgical",
        "ventilator-icu",
    ]  # ppe before respiratory: categories sort by their stored value
    assert _codes(selectors.items(category="respiratory")) == ["ventilator-icu"]
    assert _codes(selectors.items(category="diagnostics")) == []


def test_it_finds_items_by_code_or_by_a_name_in_any_language(catalogue):
    assert _codes(selectors.items(search="ventilator")) == ["ventilator-icu"]  # English
    assert _codes(selectors.items(search="intensivbehandling")) == ["ventilator-icu"]  # Bokmål and Nynorsk
    assert _codes(selectors.items(search="nitrilhanskar")) == ["gloves-nitrile"]  # Nynorsk only
    assert _codes(selectors.items(search="FFP2")) == ["mask-ffp2"]
    assert _codes(selectors.items(search="MUNNBIND")) == ["mask-surgical"]  # whatever the case
    assert _codes(selectors.items(search="ffp", category="respiratory")) == []


def test_it_gives_each_items_substitutes_the_most_fitting_first(catalogue, django_assert_num_queries):
    with django_assert_num_queries(2):  # the items, then all their substitutes with their items
        rows = {row.code: row for row in selectors.items()}
        offered = {code: [(s.substitute.code, s.penalty) for s in rows[code].substitutions.all()] for code in rows}
    assert offered["mask-surgical"] == [("mask-ffp2", 2), ("mask-ffp3", 4)]
    assert offered["mask-ffp2"] == [("mask-ffp3", 1)]
    assert offered["mask-ffp3"] == offered["gloves-nitrile"] == []


def test_it_names_the_items_that_may_serve_a_request_one_way_only(catalogue):
    assert _codes(selectors.substitutes_for(catalogue.surgical)) == ["mask-ffp2", "mask-ffp3"]
    assert _codes(selectors.substitutes_for(catalogue.ffp2)) == ["mask-ffp3"]
    assert _codes(selectors.substitutes_for(catalogue.ffp3)) == []  # serves others, is served by none


def test_it_lists_capability_types_by_kind(catalogue):
    assert _codes(selectors.capability_types()) == ["c-17", "field-hospital-50"]
    assert _codes(selectors.capability_types(kind="field_hospital")) == ["field-hospital-50"]
    assert _codes(selectors.capability_types(kind="medevac")) == []
