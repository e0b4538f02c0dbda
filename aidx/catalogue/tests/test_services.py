from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from aidx.audit.models import AuditEntry
from aidx.catalogue import services
from aidx.catalogue.models import CapabilityType, Item, Substitution
from aidx.catalogue.tests.conftest import MASK, item
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError


def _entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _written():
    """Everything a refused write must leave as it was."""
    rows = [list(model.objects.order_by("pk").values()) for model in (Item, CapabilityType, Substitution)]
    return rows, AuditEntry.objects.count()


def test_it_creates_an_item_and_audits_it_with_the_actor_and_every_field(world):
    created, changed = services.item_upsert(actor=world.coordinator, code="mask-surgical", **MASK)
    assert changed is True
    created.refresh_from_db()
    assert (created.unit_weight_kg, created.unit_volume_m3) == (Decimal("0.004"), Decimal("0.00005"))
    [entry] = _entries("item.create")
    assert entry.actor == world.coordinator and entry.target_id == str(created.pk)
    assert entry.changes["name_nb"] == [None, "Kirurgisk munnbind"]
    assert entry.changes["unit_weight_kg"] == [None, "0.004"]
    assert entry.changes["category"] == [None, "ppe"]


def test_it_writes_nothing_when_the_same_item_comes_again(db):
    first = item("mask-surgical")
    before = _written()
    # The same figures written differently are the same figures.
    again, changed = services.item_upsert(
        actor=SYSTEM, code="mask-surgical", **{**MASK, "unit_weight_kg": "0.0040", "unit_volume_m3": 0.00005}
    )
    assert changed is False and again.pk == first.pk
    assert _written() == before


def test_it_updates_what_changed_and_audits_before_and_after(world):
    surgical = item("mask-surgical")
    updated, changed = services.item_upsert(
        actor=world.coordinator,
        code="mask-surgical",
        **{**MASK, "name_nn": "Kirurgisk andletsmaske", "unit_weight_kg": "0.005"},
    )
    assert changed is True and updated.pk == surgical.pk
    surgical.refresh_from_db()
    assert surgical.name_nn == "Kirurgisk andletsmaske" and surgical.unit_weight_kg == Decimal("0.005")
    [entry] = _entries("item.update")
    assert entry.actor == world.coordinator
    assert entry.changes == {
        "name_nn": ["Kirurgisk munnbind", "Kirurgisk andletsmaske"],
        "unit_weight_kg": ["0.004", "0.005"],
    }


def test_it_keeps_the_fields_an_update_does_not_give(db):
    surgical = item("mask-surgical")
    changed = services.item_upsert(actor=SYSTEM, code="mask-surgical", shelf_life_days=730)[1]
    assert changed is True
    surgical.refresh_from_db()
    assert surgical.shelf_life_days == 730
    assert (surgical.category, surgical.unit, surgical.name_en) == ("ppe", "piece", "Surgical mask")
    assert surgical.unit_weight_kg == Decimal("0.004")
    [entry] = _entries("item.update")
    assert entry.changes == {"shelf_life_days": [1825, 730]}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"category": "weapons"}, "category"),
        ({"category": ""}, "category"),
        ({"unit": "tonne"}, "unit"),
        ({"unit_weight_kg": 0}, "unit_weight_kg"),
        ({"unit_weight_kg": "-0.5"}, "unit_weight_kg"),
        ({"unit_weight_kg": "heavy"}, "unit_weight_kg"),
        ({"unit_weight_kg": "NaN"}, "unit_weight_kg"),
        ({"unit_weight_kg": "Infinity"}, "unit_weight_kg"),
        ({"unit_weight_kg": None}, "unit_weight_kg"),
        ({"unit_volume_m3": "0"}, "unit_volume_m3"),
        ({"unit_volume_m3": -1}, "unit_volume_m3"),
        ({"unit_volume_m3": "1,5"}, "unit_volume_m3"),
    ],
)
def test_it_refuses_an_unknown_choice_or_a_bad_figure_and_writes_nothing(db, changes, field):
    surgical = item("mask-surgical")
    before = _written()
    for code in ("mask-surgical", "new-item"):  # an update and a creation
        with pytest.raises(BusinessError) as error:
            services.item_upsert(actor=SYSTEM, code=code, **{**MASK, **changes})
        assert error.value.field == field, code
    assert _written() == before
    surgical.refresh_from_db()
    assert surgical.category == "ppe" and surgical.unit_weight_kg == Decimal("0.004")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"code": "Surgical mask!"}, "code"),
        ({"name_en": ""}, "name_en"),
        ({"name_nb": "x" * 201}, "name_nb"),
        ({"unit_weight_kg": "0.00001"}, "unit_weight_kg"),  # more decimals than the column keeps
        ({"unit_volume_m3": "123456789"}, "unit_volume_m3"),  # more digits than the column keeps
        ({"shelf_life_days": -1}, "shelf_life_days"),
        ({"shelf_life_days": "a year"}, "shelf_life_days"),
        ({"source": "x" * 301}, "source"),
    ],
)
def test_it_reports_the_models_own_checks_on_the_field_and_writes_nothing(db, changes, field):
    item("mask-surgical")
    before = _written()
    fields = {**MASK, **changes}
    codes = [fields.pop("code")] if "code" in fields else ["mask-surgical", "new-item"]  # an update and a creation
    for code in codes:
        with pytest.raises(BusinessError) as error:
            services.item_upsert(actor=SYSTEM, code=code, **fields)
        assert error.value.field == field, code
    assert _written() == before


def test_it_says_what_is_missing_from_a_new_item(db):
    for missing in ("name_en", "category", "unit", "unit_weight_kg", "unit_volume_m3"):
        fields = {name: value for name, value in MASK.items() if name != missing}
        with translation.override("en"), pytest.raises(BusinessError) as error:
            services.item_upsert(actor=SYSTEM, code="new-item", **fields)
        assert (error.value.field, str(error.value)) == (missing, "This field is required."), missing
    assert not Item.objects.exists() and not AuditEntry.objects.exists()


def test_it_refuses_a_field_an_item_does_not_have(db):
    surgical = item("mask-surgical")
    before = _written()
    for code in ("mask-surgical", "new-item"):
        with pytest.raises(TypeError, match="shelf_life"):
            services.item_upsert(actor=SYSTEM, code=code, **{**MASK, "shelf_life": 30})
    assert _written() == before and surgical.shelf_life_days == 1825


def test_it_explains_a_refusal_in_the_readers_language(catalogue):
    refusals = [
        lambda: services.item_upsert(actor=SYSTEM, code="new-item", **{**MASK, "unit_weight_kg": 0}),
        lambda: services.item_upsert(actor=SYSTEM, code="new-item", **{**MASK, "category": "weapons"}),
        lambda: services.item_upsert(actor=SYSTEM, code="new-item", **{**MASK, "shelf_life_days": -1}),
        lambda: services.item_upsert(actor=SYSTEM, code="new-item", name_en="New"),
        lambda: services.capability_type_upsert(actor=SYSTEM, code="new-type", name_en="New", kind="aircraft"),
        lambda: services.substitution_set(actor=SYSTEM, item=catalogue.gloves, substitute=catalogue.ffp2, penalty=-1),
    ]

    def message(language, refusal):
        with translation.override(language), pytest.raises(BusinessError) as error:
            refusal()
        return str(error.value)

    for number, refusal in enumerate(refusals):
        english, bokmal, nynorsk = (message(language, refusal) for language in ("en", "nb", "nn"))
        assert english != bokmal and english != nynorsk, number


def test_it_creates_and_updates_a_capability_type_and_audits_both(world):
    c17, changed = services.capability_type_upsert(
        actor=world.coordinator, code="c-17", name_en="C-17 Globemaster III", kind="aircraft", payload_kg=77519
    )
    assert changed is True
    again = services.capability_type_upsert(
        actor=world.coordinator, code="c-17", name_en="C-17 Globemaster III", kind="aircraft", payload_kg="77519"
    )
    assert again == (c17, False)
    services.capability_type_upsert(actor=world.coordinator, code="c-17", range_km=4480)
    c17.refresh_from_db()
    assert (c17.payload_kg, c17.range_km) == (77519, 4480)
    created, updated = _entries("capabilitytype.create"), _entries("capabilitytype.update")
    assert len(created) == 1 and created[0].changes["payload_kg"] == [None, 77519]
    assert len(updated) == 1 and updated[0].changes == {"range_km": [None, 4480]}
    assert {entry.actor for entry in created + updated} == {world.coordinator}


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"kind": "submarine", "payload_kg": 1000}, "kind"),
        ({"payload_kg": 1000}, "kind"),
        ({"kind": "aircraft"}, "payload_kg"),  # an aircraft that carries nothing
        ({"kind": "aircraft", "payload_kg": 0, "icu_beds": 0}, "payload_kg"),
        ({"kind": "aircraft", "payload_kg": -5}, "payload_kg"),
        ({"kind": "medical_team", "staff": "fifteen"}, "staff"),
        ({"kind": "field_hospital", "beds": -50}, "beds"),
    ],
)
def test_it_refuses_a_bad_capability_type_and_writes_nothing(db, fields, field):
    before = _written()
    with pytest.raises(BusinessError) as error:
        services.capability_type_upsert(actor=SYSTEM, code="new-type", name_en="New", **fields)
    assert error.value.field == field
    assert _written() == before


def test_it_accepts_an_aircraft_that_carries_patients_only(db):
    medevac, _changed = services.capability_type_upsert(
        actor=SYSTEM, code="a310", name_en="A310 MedEvac", kind="aircraft", icu_beds=6
    )
    assert medevac.payload_kg is None and medevac.icu_beds == 6


def test_it_refuses_a_substitute_for_itself_or_a_negative_penalty(catalogue):
    before = _written()
    refusals = [
        ({"item": catalogue.gloves, "substitute": catalogue.gloves, "penalty": 1}, "substitute"),
        ({"item": catalogue.gloves, "substitute": catalogue.surgical, "penalty": -1}, "penalty"),
        ({"item": catalogue.surgical, "substitute": catalogue.ffp2, "penalty": -1}, "penalty"),  # an existing one
        ({"item": catalogue.gloves, "substitute": catalogue.surgical, "penalty": "low"}, "penalty"),
        ({"item": catalogue.gloves, "substitute": catalogue.surgical, "penalty": 1.5}, "penalty"),
    ]
    for arguments, field in refusals:
        with pytest.raises(BusinessError) as error:
            services.substitution_set(actor=SYSTEM, **arguments)
        assert error.value.field == field, arguments
    assert _written() == before


def test_it_sets_a_substitution_once_and_audits_each_change(world, catalogue):
    count = AuditEntry.objects.filter(action="substitution.set").count()
    made, changed = services.substitution_set(
        actor=world.coordinator, item=catalogue.gloves, substitute=catalogue.surgical, penalty=0
    )
    assert changed is True and made.penalty == 0
    assert services.substitution_set(
        actor=world.coordinator, item=catalogue.gloves, substitute=catalogue.surgical, penalty=0
    ) == (made, False)
    changed_again = services.substitution_set(
        actor=world.coordinator, item=catalogue.gloves, substitute=catalogue.surgical, penalty=3
    )
    assert changed_again == (made, True)
    assert Substitution.objects.get(item=catalogue.gloves, substitute=catalogue.surgical).penalty == 3
    entries = _entries("substitution.set")[count:]
    assert [entry.changes for entry in entries] == [
        {"item": [None, catalogue.gloves.pk], "substitute": [None, catalogue.surgical.pk], "penalty": [None, 0]},
        {"penalty": [0, 3]},
    ]
    assert {entry.actor for entry in entries} == {world.coordinator}
    assert {entry.target_id for entry in entries} == {str(made.pk)}
