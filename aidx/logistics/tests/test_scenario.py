"""The covid-2020 airlift: pools, aircraft, the flown missions and deployments; loading twice changes nothing."""

from __future__ import annotations

import json

from django.conf import settings

from aidx.assistance.models import Allocation
from aidx.logistics import selectors
from aidx.logistics.models import Aircraft, Deployment, Mission, Pool
from aidx.logistics.scenario import load


def test_it_loads_the_covid_airlift_once(scenario):
    data = json.loads((settings.BASE_DIR / "scenarios" / "covid-2020" / "logistics.json").read_text())
    # The `scenario` fixture loaded it with the rest of covid-2020 (aidx.core.scenario.STEPS).
    sac = Pool.objects.get(code="sac")
    assert sac.memberships.count() == 12
    assert sorted(Aircraft.objects.filter(pool=sac).values_list("tail", flat=True)) == ["SAC 01", "SAC 02", "SAC 03"]
    turkish = Mission.objects.get(scenario_key="covid-2020/tuaf-a400m-2020-04-01")
    assert turkish.status == "completed" and turkish.illustrative
    route = [leg.origin.code for leg in turkish.legs.order_by("sequence")]
    assert route == ["ltad", "leto", "lirf"]
    medevac = Mission.objects.filter(aircraft__scenario_key="covid-2020/gaf-a310-medevac")
    assert medevac.count() == 2
    patients = Allocation.objects.get(offer_line__offer__scenario_key="covid-2020/germany-medevac")
    assert patients.status == "delivered"
    from aidx.accounts.models import User

    figures = selectors.logistics_figures(User.objects.get(username="coordinator"))
    assert figures["patients"] == 12 and figures["medical_staff"] == 45 and figures["tonnes"] == 5.7
    assert Deployment.objects.filter(status="returned").count() == 2
    italy = User.objects.get(username="italy")
    assert selectors.missions_visible_to(italy).count() == 3
    assert selectors.missions_visible_to(User.objects.get(username="montenegro")).count() == 0
    assert load(data) == 0
