"""The lot's workflow, driven by the generated test in aidx/core/tests/test_workflows.py."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from aidx.accounts.services import user_create
from aidx.catalogue.services import item_upsert
from aidx.core.tests.workflow_driver import Driver
from aidx.nations import services as registry
from aidx.stockpile import services
from aidx.stockpile.models import Lot
from aidx.stockpile.workflow import LOT

_numbers = itertools.count(1)


def _setup(world):
    agency = registry.organisation_create(actor=None, code="support-agency", kind="agency", name_en="Support agency")
    registry.site_create(
        actor=None,
        code="taranto",
        name="Taranto",
        kind="warehouse",
        nation=world.ita,
        latitude="40.5",
        longitude="17.2",
    )
    item_upsert(
        actor=None,
        code="ventilator",
        name_en="Ventilator",
        category="respiratory",
        unit="piece",
        unit_weight_kg="45",
        unit_volume_m3="0.2",
        name_nb="",
        name_nn="",
    )
    world.manager = user_create(
        actor=None, username="stockpile", password=world.password, organisation=agency, roles={"stockpile"}
    )
    return world


def _make(world, state):
    # An expired lot is one past its date: the "free" guard and the "expire" transition both look at the date.
    days = -3 if state == Lot.Status.EXPIRED else 200
    lot = services.receive(
        actor=world.manager,
        warehouse="taranto",
        item="ventilator",
        lot_number=f"W{next(_numbers)}",
        quantity=10,
        expiry_date=timezone.localdate() + dt.timedelta(days=days),
    )
    if state != Lot.Status.AVAILABLE:
        Lot.objects.filter(pk=lot.pk).update(status=state)
        lot.refresh_from_db()
    return lot


def _perform(world, actor, lot, name):
    return services.lot_transition(actor=actor, lot=lot, action=name, reason="workflow test")


DRIVERS = [
    Driver(
        workflow=LOT,
        setup=_setup,
        actors=lambda world: {"manager": world.manager},
        make=_make,
        perform=_perform,
        page=lambda lot: f"/stockpile/lots/{lot.pk}/",
        api=lambda lot: f"/api/v1/stockpile/lots/{lot.pk}",
    )
]
