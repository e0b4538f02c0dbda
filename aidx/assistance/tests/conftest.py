from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from aidx.assistance import services
from aidx.assistance.services import LineInput
from aidx.catalogue.services import item_upsert, substitution_set
from aidx.nations.services import site_create


@pytest.fixture
def exchange(world, settings):
    """The base users plus a catalogue, sites, and helpers that make open requests and offers."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    common = {"category": "ppe", "unit": "piece", "unit_volume_m3": "0.0002", "name_nb": "", "name_nn": ""}
    surgical = item_upsert(actor=None, code="mask-surgical", name_en="Surgical mask", unit_weight_kg="0.004", **common)[
        0
    ]
    ffp2 = item_upsert(actor=None, code="mask-ffp2", name_en="FFP2 mask", unit_weight_kg="0.012", **common)[0]
    ventilator = item_upsert(
        actor=None,
        code="ventilator",
        name_en="Ventilator",
        unit_weight_kg="45",
        **{**common, "category": "respiratory"},
    )[0]
    substitution_set(actor=None, item=surgical, substitute=ffp2, penalty=2)
    rome = site_create(
        actor=None, code="rome", name="Rome", kind="airfield", nation=world.ita, latitude="41.8", longitude="12.25"
    )
    madrid = site_create(
        actor=None, code="madrid", name="Madrid", kind="airfield", nation=world.esp, latitude="40.49", longitude="-3.57"
    )
    today = timezone.localdate()

    def request(
        user=None,
        *,
        lines=(("mask-surgical", 1000),),
        releasability="allies_partners",
        release_to=None,
        priority=1,
        submit=True,
        site=None,
    ):
        created = services.request_create(
            actor=user or world.ally_a,
            title="Masks for Lombardy",
            needed_by=today + dt.timedelta(days=10),
            delivery_site=site or rome,
            priority=priority,
            releasability=releasability,
            release_to=release_to,
            lines=[LineInput(item=code, quantity=qty) for code, qty in lines],
        )
        return services.request_submit(actor=user or world.ally_a, request=created) if submit else created

    def offer(
        user=None, *, lines=(("mask-surgical", 600),), releasability="allies_partners", release_to=None, publish=True
    ):
        created = services.offer_create(
            actor=user or world.ally_b,
            title="Masks from Spain",
            releasability=releasability,
            release_to=release_to,
            lines=[
                LineInput(item=code, quantity=qty, available_from=today, origin_site="madrid") for code, qty in lines
            ],
        )
        return services.offer_publish(actor=user or world.ally_b, offer=created) if publish else created

    return SimpleNamespace(
        world=world,
        surgical=surgical,
        ffp2=ffp2,
        ventilator=ventilator,
        rome=rome,
        madrid=madrid,
        request=request,
        offer=offer,
        today=today,
    )
