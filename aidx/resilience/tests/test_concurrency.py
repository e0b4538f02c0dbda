"""Owner changes recorded at once by several managers never leave two owners of one manufacturer on the same day:
the service locks the manufacturer's row before it checks for overlaps."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.db import connection, connections

from aidx.core.errors import BusinessError
from aidx.resilience import services
from aidx.resilience.models import Ownership

CLIENTS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_records_overlapping_owners_from_parallel_clients(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proved on PostgreSQL (make test runs this file again there)")
    maker = services.manufacturer_create(
        actor=world.coordinator,
        code="maker",
        name="Maker",
        production_country="DEU",
        ownerships=[
            {
                "owner_name": "Family",
                "owner_country": "DEU",
                "valid_from": dt.date(1990, 1, 1),
                "valid_until": dt.date(2000, 1, 1),
            }
        ],
    )
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                # every client claims 2005–2010 for a different buyer: they all overlap each other
                services.ownership_add(
                    actor=world.coordinator,
                    manufacturer=maker,
                    owner_name=f"Buyer {n}",
                    owner_country="CHN",
                    valid_from=dt.date(2005, 1, 1 + n),
                    valid_until=dt.date(2010, 1, 1),
                )
                result = "ok"
            except BusinessError as error:
                result = error.code
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["invalid"] * (CLIENTS - 1) + ["ok"]
    spans = list(Ownership.objects.filter(manufacturer=maker).order_by("valid_from"))
    for before, after in itertools.pairwise(spans):
        assert before.valid_until is not None and before.valid_until <= after.valid_from
