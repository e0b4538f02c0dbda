from __future__ import annotations

from aidx.accounts.models import User
from aidx.audit.models import AuditEntry
from aidx.catalogue.models import CapabilityType, Item, Substitution
from aidx.core.scenario import load
from aidx.documents.models import Document
from aidx.nations.models import Membership, Nation, Organisation, Site


def _counts():
    return [m.objects.count() for m in (Nation, Membership, Organisation, Site, Item, Substitution, CapabilityType,
                                         User, Document, AuditEntry)]


def test_it_loads_the_covid_2020_scenario_and_a_second_load_changes_nothing(db):
    load("covid-2020", say=lambda _m: None)
    first = _counts()
    assert load("covid-2020", say=lambda _m: None) == {"registry": 0, "catalogue": 0, "accounts": 0, "documents": 0}
    assert _counts() == first
    assert Site.objects.filter(code="taranto-warehouse", kind="warehouse").exists()
    assert Site.objects.filter(icao="LHPA").exists()  # Pápa, home of the C-17s
    assert User.objects.filter(is_demo=True).count() == 10
    assert User.objects.get(username="australia").nation_id == "AUS"
    assert User.objects.get(username="italy").check_password("demo")
