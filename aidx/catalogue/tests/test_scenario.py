"""The covid-2020 catalogue, loaded as `aidx scenario load` loads it (the catalogue's step alone: it needs no other)."""

from __future__ import annotations

import copy
import json

import pytest

from aidx.audit.models import AuditEntry
from aidx.catalogue import scenario
from aidx.catalogue.models import CapabilityType, Item, Substitution
from aidx.core.scenario import SCENARIOS_DIR


@pytest.fixture
def data():
    return json.loads((SCENARIOS_DIR / "covid-2020" / "catalogue.json").read_text(encoding="utf-8"))


def _state():
    rows = [list(model.objects.order_by("pk").values()) for model in (Item, CapabilityType, Substitution)]
    return rows, list(AuditEntry.objects.order_by("id").values_list("id", flat=True))


def test_it_loads_the_catalogue_as_the_system(db, data):
    total = len(data["items"]) + len(data["capability_types"]) + len(data["substitutions"])
    assert scenario.load(data) == total == 28
    assert (Item.objects.count(), CapabilityType.objects.count(), Substitution.objects.count()) == (15, 7, 6)
    assert AuditEntry.objects.count() == total
    assert set(AuditEntry.objects.values_list("actor_name", flat=True)) == {"system"}
    assert not AuditEntry.objects.filter(actor__isnull=False).exists()
    ventilator = Item.objects.get(code="ventilator-icu")
    assert ventilator.illustrative and ventilator.source == "illustrative planning estimate"
    assert CapabilityType.objects.get(code="c-17").payload_kg == 77519


def test_loading_it_again_changes_nothing(db, data):
    scenario.load(copy.deepcopy(data))
    before = _state()
    assert scenario.load(data) == 0
    assert _state() == before


def test_loading_a_corrected_file_changes_only_what_was_corrected(db, data):
    scenario.load(copy.deepcopy(data))
    count = AuditEntry.objects.count()
    next(entry for entry in data["items"] if entry["code"] == "goggles")["name_nn"] = "Vernebriller (nynorsk)"
    next(entry for entry in data["substitutions"] if entry["item"] == "goggles")["penalty"] = 2
    assert scenario.load(data) == 2
    assert [(entry.action, entry.changes) for entry in AuditEntry.objects.order_by("id")[count:]] == [
        ("item.update", {"name_nn": ["Vernebriller", "Vernebriller (nynorsk)"]}),
        ("substitution.set", {"penalty": [1, 2]}),
    ]
