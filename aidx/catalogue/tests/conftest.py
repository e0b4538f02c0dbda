"""A small catalogue: masks that substitute for each other, a ventilator, gloves, an aircraft and a field hospital."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from aidx.catalogue import services
from aidx.core.actors import SYSTEM

MASK = {
    "name_en": "Surgical mask",
    "name_nb": "Kirurgisk munnbind",
    "name_nn": "Kirurgisk munnbind",
    "category": "ppe",
    "unit": "piece",
    "unit_weight_kg": "0.004",
    "unit_volume_m3": "0.00005",
    "shelf_life_days": 1825,
}


def item(code, **changes):
    return services.item_upsert(actor=SYSTEM, code=code, **{**MASK, **changes})[0]


@pytest.fixture
def catalogue(db):
    surgical = item("mask-surgical")
    ffp3 = item("mask-ffp3", name_en="FFP3 respirator", name_nb="FFP3-maske", name_nn="")
    ffp2 = item("mask-ffp2", name_en="FFP2 respirator", name_nb="FFP2-maske", name_nn="FFP2-maske (nynorsk)")
    ventilator = item(
        "ventilator-icu",
        name_en="Ventilator, intensive care",
        name_nb="Respirator, intensivbehandling",
        name_nn="Respirator, intensivbehandling",
        category="respiratory",
        unit_weight_kg="110",
        unit_volume_m3="0.35",
        shelf_life_days=None,
    )
    gloves = item(
        "gloves-nitrile", name_en="Nitrile gloves", name_nb="Nitrilhansker", name_nn="Nitrilhanskar", unit="pair"
    )
    # The worse substitute first, so that insertion order is not the order of preference.
    services.substitution_set(actor=SYSTEM, item=surgical, substitute=ffp3, penalty=4)
    services.substitution_set(actor=SYSTEM, item=surgical, substitute=ffp2, penalty=2)
    services.substitution_set(actor=SYSTEM, item=ffp2, substitute=ffp3, penalty=1)
    c17 = services.capability_type_upsert(
        actor=SYSTEM, code="c-17", name_en="C-17 Globemaster III", kind="aircraft", payload_kg=77519, volume_m3=590
    )[0]
    hospital = services.capability_type_upsert(
        actor=SYSTEM,
        code="field-hospital-50",
        name_en="Field hospital, 50 beds",
        name_nb="Felthospital, 50 senger",
        name_nn="Felthospital, 50 senger",
        kind="field_hospital",
        beds=50,
        icu_beds=10,
        staff=60,
    )[0]
    return SimpleNamespace(
        surgical=surgical, ffp2=ffp2, ffp3=ffp3, ventilator=ventilator, gloves=gloves, c17=c17, hospital=hospital
    )
