from __future__ import annotations

from aidx.accounts.models import User
from aidx.assistance import selectors
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.audit.models import AuditEntry
from aidx.catalogue.models import CapabilityType, Item, Substitution
from aidx.core.scenario import load
from aidx.documents.models import Document
from aidx.nations.models import Membership, Nation, Organisation, Site


def _counts():
    return [
        m.objects.count()
        for m in (
            Nation,
            Membership,
            Organisation,
            Site,
            Item,
            Substitution,
            CapabilityType,
            User,
            Document,
            AssistanceRequest,
            Offer,
            Allocation,
            AuditEntry,
        )
    ]


def test_it_loads_the_covid_2020_scenario_and_a_second_load_changes_nothing(db):
    load("covid-2020", say=lambda _m: None)
    first = _counts()
    assert set(load("covid-2020", say=lambda _m: None).values()) == {0}
    assert _counts() == first
    assert Site.objects.filter(code="taranto-warehouse", kind="warehouse").exists()
    assert Site.objects.filter(icao="LHPA").exists()  # Pápa, home of the C-17s
    assert User.objects.filter(is_demo=True).count() == 15
    assert {
        "coordinator",
        "italy",
        "spain",
        "turkey",
        "poland",
        "albania",
        "northmacedonia",
        "czechia",
        "australia",
        "viewer",
    } <= set(User.objects.values_list("username", flat=True))
    assert User.objects.get(username="australia").nation_id == "AUS"
    assert User.objects.get(username="italy").check_password("demo")


def test_it_replays_the_exchange_of_2020(scenario):
    turkish = Offer.objects.get(scenario_key="covid-2020/turkey-a400m-load")
    receivers = set(
        Allocation.objects.filter(offer_line__offer=turkish).values_list(
            "request_line__request__owner_nation_id", flat=True
        )
    )
    assert receivers == {"ESP", "ITA"}  # one A400M load split between Spain and Italy
    czech = AssistanceRequest.objects.get(scenario_key="covid-2020/czechia-ventilators")
    line = selectors.request_lines(czech).get()
    assert (line.quantity, line.delivered) == (60, 60) and czech.status == "met"
    staff = AssistanceRequest.objects.get(scenario_key="covid-2020/italy-lombardy-staff")
    offering = set(
        Allocation.objects.filter(request_line__request=staff).values_list(
            "offer_line__offer__owner_nation_id", flat=True
        )
    )
    assert offering == {"POL", "ALB"} and staff.status == "met"
    assert AssistanceRequest.objects.filter(incident="Second-wave exercise", status="submitted").count() == 2


def test_it_leaves_a_match_run_ready_for_review(scenario):
    from aidx.matching.models import MatchRun

    run = MatchRun.objects.get(scope__scenario="covid-2020/second-wave-exercise")
    assert run.status == "succeeded" and run.result["certificate"]["verified"]
    proposed = {(p.offer_line.item.code, p.request_line.request.owner_nation_id) for p in run.proposals.all()}
    assert ("test-kit-pcr", "MKD") in proposed  # Germany's standby test kits for Skopje


def test_it_keeps_the_dates_of_2020_on_the_records_and_the_load_time_in_the_audit_log(scenario):
    import datetime as dt

    from django.utils import timezone

    spain = AssistanceRequest.objects.get(scenario_key="covid-2020/spain-ppe")
    assert (spain.created_at.date(), spain.submitted_at.date()) == (dt.date(2020, 3, 24), dt.date(2020, 3, 24))
    assert spain.updated_at.date() == dt.date(2020, 4, 1)  # its last delivery: the A400M's
    czech = AssistanceRequest.objects.get(scenario_key="covid-2020/czechia-ventilators")
    assert czech.status == "met" and czech.closed_at.date() == dt.date(2020, 10, 20)
    turkish = Offer.objects.get(scenario_key="covid-2020/turkey-a400m-load")
    assert (turkish.created_at.date(), turkish.published_at.date()) == (dt.date(2020, 3, 30), dt.date(2020, 3, 30))
    flown = Allocation.objects.filter(offer_line__offer=turkish).first()
    assert [d.date() for d in (flown.proposed_at, flown.decided_at, flown.shipped_at, flown.delivered_at)] == [
        dt.date(2020, 3, 30),
        dt.date(2020, 3, 30),  # no decision date given: the day of the proposal
        dt.date(2020, 4, 1),
        dt.date(2020, 4, 1),
    ]
    medevac = Allocation.objects.get(offer_line__offer__scenario_key="covid-2020/germany-medevac")
    assert (medevac.shipped_at.date(), medevac.delivered_at.date()) == (dt.date(2020, 3, 28), dt.date(2020, 3, 29))
    from aidx.logistics.models import Mission

    assert Mission.objects.get(scenario_key="covid-2020/tuaf-a400m-2020-04-01").created_at.date() == dt.date(2020, 4, 1)
    # The audit entries still say when the records entered this database.
    entry = AuditEntry.objects.filter(target_type="assistance.assistancerequest", target_id=str(spain.pk)).first()
    assert entry.at.date() == timezone.now().date()
    # The exercise of the second wave stays relative to the day of loading.
    exercise = AssistanceRequest.objects.filter(incident="Second-wave exercise").first()
    assert exercise.created_at.date() == timezone.localdate()


def test_it_shows_the_dates_of_2020_on_the_pages(scenario, client):
    client.force_login(User.objects.get(username="coordinator"))
    offers = client.get("/exchange/offers/?page_size=100").content.decode()
    assert "30 Mar 2020" in offers  # the A400M's load, made on 30 March 2020
    spain = AssistanceRequest.objects.get(scenario_key="covid-2020/spain-ppe")
    page = client.get(f"/exchange/requests/{spain.pk}/").content.decode()
    assert "24 Mar 2020, 12:00" in page


def test_it_shows_people_no_notes_meant_for_developers():
    """Scenario text that reaches a page (sources, notes) cites the public record, never the repository's files;
    only the "_about" notes are for developers."""
    import json

    from aidx.core.scenario import SCENARIOS_DIR

    def texts(value, key=""):
        if isinstance(value, dict):
            for name, inner in value.items():
                if name != "_about":
                    yield from texts(inner, name)
        elif isinstance(value, list):
            for inner in value:
                yield from texts(inner, key)
        elif isinstance(value, str):
            yield key, value

    shown = [
        (path.name, key, text)
        for path in sorted((SCENARIOS_DIR / "covid-2020").glob("*.json"))
        for key, text in texts(json.loads(path.read_text(encoding="utf-8")))
    ]
    assert len(shown) > 100
    assert [entry for entry in shown if ".md" in entry[2]] == []
