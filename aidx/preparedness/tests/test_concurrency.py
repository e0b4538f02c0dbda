"""Parallel clients activating the same pledge never take more than it holds: the pledge's row is locked."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.models import Sum

from aidx.core.errors import BusinessError
from aidx.preparedness import services
from aidx.preparedness.models import Activation, Pledge

CLIENTS = 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_never_activates_a_pledge_twice_for_the_same_quantity(prep):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proved on PostgreSQL (make test runs this file again there)")
    pledge = prep.spain_open  # 50 ventilators
    actors = [prep.world.coordinator, prep.world.ally_b]
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                services.pledge_activate(actor=actors[number % 2], pledge=pledge, quantity=7)
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
    assert len(outcomes) == CLIENTS
    assert outcomes.count("ok") == 7  # 7 × 7 = 49 of 50; the others find too little left
    pledge.refresh_from_db()
    taken = Activation.objects.filter(pledge=pledge).aggregate(n=Sum("quantity"))["n"]
    assert taken == 49 and pledge.remaining == 1 and pledge.status == Pledge.Status.STANDBY
    assert pledge.activations.values("offer").distinct().count() == 7
