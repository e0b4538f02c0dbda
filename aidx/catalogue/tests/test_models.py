"""What the database holds even when something writes past the services, and names in the reader's language."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from aidx.catalogue.models import CapabilityType, Item, Substitution


def _refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_database_refuses_items_that_weigh_or_fill_nothing(catalogue):
    figures = {"name_en": "x", "category": "ppe", "unit": "piece"}
    _refused(lambda: Item.objects.create(code="a", unit_weight_kg=0, unit_volume_m3=1, **figures))
    _refused(lambda: Item.objects.create(code="b", unit_weight_kg=1, unit_volume_m3=-1, **figures))
    _refused(lambda: Item.objects.filter(pk=catalogue.gloves.pk).update(unit_weight_kg=0))


def test_the_database_refuses_an_aircraft_that_carries_nothing(db):
    _refused(lambda: CapabilityType.objects.create(code="a", name_en="A", kind="aircraft"))
    _refused(lambda: CapabilityType.objects.create(code="b", name_en="B", kind="aircraft", payload_kg=0, icu_beds=0))
    CapabilityType.objects.create(code="c", name_en="C", kind="aircraft", icu_beds=6)
    CapabilityType.objects.create(code="d", name_en="D", kind="medical_team", staff=15)
    assert CapabilityType.objects.count() == 2


def test_the_database_refuses_a_substitute_for_itself_or_twice(catalogue):
    _refused(lambda: Substitution.objects.create(item=catalogue.gloves, substitute=catalogue.gloves))
    _refused(lambda: Substitution.objects.create(item=catalogue.surgical, substitute=catalogue.ffp2, penalty=9))


@pytest.mark.parametrize(
    "language, surgical, ffp3",
    [
        ("en", "Surgical mask", "FFP3 respirator"),
        ("nb", "Kirurgisk munnbind", "FFP3-maske"),
        ("nn", "Kirurgisk munnbind", "FFP3 respirator"),  # no Nynorsk name: the English one
    ],
)
def test_it_names_an_item_in_the_readers_language(catalogue, language, surgical, ffp3):
    with translation.override(language):
        assert (catalogue.surgical.name, str(catalogue.ffp3)) == (surgical, ffp3)
