"""The pages that draft a plan, set a draft's consumption rates and write a wave scenario: each calls its service,
shows every problem at once where it belongs, and is offered only to whom the plan's workflow admits."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.test import Client

from aidx.catalogue.services import item_upsert
from aidx.preparedness import services
from aidx.preparedness.models import Plan, SimulationRun, WaveScenario

PLANS = "/preparedness/"
NEW_PLAN = "/preparedness/plans/new/"
NEW_SCENARIO = "/preparedness/scenarios/new/"


def client_of(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def row(response, prefix: str, number: int) -> str:
    """The HTML of the `number`-th row of a formset on the page, as the reader sees it."""
    body = text(response)
    start = body.index(f'id="{prefix}-row-{number}"')
    end = body.find(f'id="{prefix}-row-{number + 1}"', start)
    return body[start : end if end > 0 else len(body)]


def formset(prefix: str, rows: list[dict[str, str | None]], **defaults: str) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for number, given in enumerate(rows):
        for key, value in ({**defaults, **given} if given else {}).items():
            if value is not None:  # None: left out, as an unticked box is
                data[f"{prefix}-{number}-{key}"] = value
    return data


def rates(rows: list[dict[str, str | None]]) -> dict[str, str]:
    """The rates form as the page posts it: a blank row ({}) has the basis and priority it starts with."""
    data = formset("rates", rows, basis="bed", priority="2", illustrative="on")
    for number, given in enumerate(rows):
        if not given:
            data.update({f"rates-{number}-basis": "bed", f"rates-{number}-priority": "2"})
    return data


@pytest.fixture
def draft(prep):
    """A new draft version of the agreed plan, with its two rates copied (ventilator, FFP2 mask)."""
    return services.plan_new_version(actor=prep.world.coordinator, plan=prep.plan)


# --- a new plan ------------------------------------------------------------------------------------------------


def test_only_whom_the_workflow_admits_sees_and_may_use_the_new_plan_and_scenario_forms(prep):
    w = prep.world
    page = client_of(w.coordinator).get(PLANS)
    assert 'data-testid="plan-new"' in text(page) and 'data-testid="scenario-new"' in text(page)
    for user in (w.viewer, w.ally_a, w.partner):
        client = client_of(user)
        page = client.get(PLANS)
        assert page.status_code == 200
        assert 'data-testid="plan-new"' not in text(page) and 'data-testid="scenario-new"' not in text(page)
        plan_page = client.get(f"/preparedness/plans/{prep.plan.pk}/")
        assert 'data-testid="scenario-new"' not in text(plan_page)
        for url in (NEW_PLAN, NEW_SCENARIO, f"{NEW_SCENARIO}?plan={prep.plan.pk}"):
            assert client.get(url).status_code == 403, (user, url)
        posted = client.post(NEW_PLAN, {"name": "Mine", "incident": "theirs", "valid_from": "2026-01-01"})
        assert posted.status_code == 403
        posted = client.post(NEW_SCENARIO, {"name": "Theirs", "start": "2026-01-01", "horizon_days": "30"})
        assert posted.status_code == 403
    assert not Plan.objects.filter(incident="theirs").exists()
    assert not WaveScenario.objects.filter(name="Theirs").exists()


def test_a_coordinator_drafts_a_plan_and_sees_every_problem_at_once(prep):
    client = client_of(prep.world.coordinator)
    assert client.get(NEW_PLAN).status_code == 200
    before = Plan.objects.count()
    answer = client.post(
        NEW_PLAN,
        {
            "name": "",  # the service: a name is needed
            "incident": "covid",  # the service: this incident has a plan already
            "valid_from": "2026-05-01",
            "valid_until": "2026-04-01",  # the service: it ends before it starts
            "fund_lead_days": "-3",  # the service: 0 or more
            "releasability": "named",  # the service: named nations are needed
        },
    )
    assert answer.status_code == 400
    body = text(answer)
    for problem in (
        "Give the plan a name",
        "This incident has a plan already: start a new version of it.",
        "The plan ends before it starts.",
        "Procurement lead time must be 0 or more.",
    ):
        assert problem in body, problem
    assert body.count('class="error" role="alert"') >= 5  # the releasability's problem too
    # what the form cannot read and what the service refuses show together too
    answer = client.post(NEW_PLAN, {"name": "", "incident": "wave-3", "valid_from": "not a day"})
    assert answer.status_code == 400
    assert "Enter a valid date." in text(answer) and "Give the plan a name" in text(answer)
    assert Plan.objects.count() == before

    answer = client.post(
        NEW_PLAN,
        {
            "name": "Third wave",
            "incident": "wave-3",
            "valid_from": "2026-05-01",
            "notes": "For the winter.",
            "fund_lead_days": "21",
            "releasability": "allies",
        },
    )
    plan = Plan.objects.get(incident="wave-3")
    assert answer.status_code == 302 and answer["Location"] == f"/preparedness/plans/{plan.pk}/"
    assert (plan.name, plan.status, plan.version, plan.fund_lead_days, plan.releasability, plan.notes) == (
        "Third wave",
        "draft",
        1,
        21,
        "allies",
        "For the winter.",
    )
    assert plan.owner_organisation == prep.world.centre and plan.created_by == prep.world.coordinator
    # the new draft's page offers its rates form at once
    assert 'data-testid="rates-form"' in text(client.get(answer["Location"]))


# --- a draft's consumption rates ---------------------------------------------------------------------------------


def test_a_drafts_page_offers_its_rates_to_edit_and_saved_rates_replace_the_drafts(prep, draft):
    item_upsert(
        actor=None,
        code="gloves",
        name_en="Examination gloves",
        name_nb="Undersøkelseshansker",
        name_nn="Undersøkingshanskar",
        category="ppe",
        unit="pair",
        unit_weight_kg="0.01",
        unit_volume_m3="0.0001",
    )
    client = client_of(prep.world.coordinator, "nb")
    url = f"/preparedness/plans/{draft.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and 'data-action="rates"' in text(page)
    first = row(page, "rates", 1)  # the copied rates, in the reader's language and money format
    assert 'value="ventilator" selected' in first and 'value="20000,00"' in first
    assert "Undersøkelseshansker" in row(page, "rates", 3)  # a spare row offers the catalogue by name
    assert 'id="rates-row-5"' in text(page) and 'id="rates-row-6"' not in text(page)  # two rates, three spare

    answer = client.post(
        url,
        rates(
            [
                {"item": "mask-ffp2", "rate": "2,5", "unit_price": "1 234,50", "source": "WHO 2020"},
                {},  # a spare blank row: skipped
                {
                    "item": "gloves",
                    "rate": "4",
                    "basis": "icu",
                    "priority": "1",
                    "lead_days": "10",
                    "durable": "on",
                    "illustrative": None,
                },
            ]
        ),
    )
    assert answer.status_code == 302, text(answer)[:2000]
    saved = {r.item.code: r for r in draft.rates.all()}
    assert set(saved) == {"mask-ffp2", "gloves"}  # the ventilator's rate is gone: the rates are replaced
    mask, gloves = saved["mask-ffp2"], saved["gloves"]
    assert (mask.rate, mask.unit_price_minor, mask.basis, mask.priority, mask.source) == (
        Decimal("2.5"),
        123450,
        "bed",
        2,
        "WHO 2020",
    )
    assert mask.illustrative and not mask.durable and mask.lead_days is None
    assert (gloves.rate, gloves.basis, gloves.priority, gloves.lead_days, gloves.durable) == (
        Decimal("4"),
        "icu",
        1,
        10,
        True,
    )
    assert gloves.unit_price_minor == 0 and not gloves.illustrative


def test_every_problem_of_the_rates_shows_on_the_row_it_was_typed_in_at_once(prep, draft):
    client = client_of(prep.world.coordinator)
    url = f"/preparedness/plans/{draft.pk}/"
    answer = client.post(
        url,
        rates(
            [
                {"rate": "1"},  # no item: the service
                {},  # blank: left out
                {"item": "ventilator", "rate": "a lot"},  # not a number: the form
                {"item": "mask-ffp2", "rate": "-1", "lead_days": "-2"},  # the service, twice
                {"item": "mask-ffp2", "rate": "3", "unit_price": "1.234"},  # twice (service), too many decimals (form)
                {"item": "ventilator", "rate": "1", "unit_price": "-5"},  # negative amount: the form
            ]
        ),
    )
    assert answer.status_code == 400
    assert "Rate 1: choose an item." in row(answer, "rates", 1)
    assert "Enter a number such as 12.5." in row(answer, "rates", 3)
    fourth = row(answer, "rates", 4)  # named by its row on the page, though a blank row and a bad one came before
    assert "Rate 4: the rate must not be negative." in fourth and "Rate 4: the lead time must be 0 or more." in fourth
    assert "Too many decimals for EUR." in row(answer, "rates", 5)
    assert "The amount cannot be negative." in row(answer, "rates", 6)
    assert {r.item.code: r.rate for r in draft.rates.all()} == {"ventilator": 1, "mask-ffp2": 5}  # untouched

    twice = client.post(url, rates([{"item": "mask-ffp2", "rate": "1"}, {"item": "mask-ffp2", "rate": "3"}]))
    assert twice.status_code == 400 and "Rate 2: mask-ffp2 is given twice." in row(twice, "rates", 2)


def test_more_rows_draw_what_was_typed_again_and_save_nothing(prep, draft):
    client = client_of(prep.world.coordinator)
    data = rates([{"item": "mask-ffp2", "rate": "7"}, {}])
    answer = client.post(f"/preparedness/plans/{draft.pk}/", {**data, "more": "1"})
    assert answer.status_code == 200
    assert 'value="7"' in row(answer, "rates", 1) and 'id="rates-row-5"' in text(answer)
    assert "error" not in row(answer, "rates", 1)
    assert draft.rates.count() == 2


def test_an_agreed_plans_rates_cannot_be_edited_and_a_viewer_cannot_set_a_drafts(prep, draft):
    w = prep.world
    coordinator = client_of(w.coordinator)
    page = coordinator.get(f"/preparedness/plans/{prep.plan.pk}/")
    body = text(page)
    assert 'data-testid="rates-form"' not in body and 'data-action="rates"' not in body
    assert 'data-testid="rates"' in body  # the rates, to read
    assert 'data-action="new_version"' not in body  # a draft of it exists already (the workflow's guard)
    answer = coordinator.post(f"/preparedness/plans/{prep.plan.pk}/", rates([{"item": "mask-ffp2", "rate": "9"}]))
    assert answer.status_code == 409 and "This cannot be done while it is agreed." in text(answer)
    assert prep.plan.rates.count() == 2 and not prep.plan.rates.filter(rate=9).exists()

    for user in (w.viewer, w.ally_a):
        client = client_of(user)
        page = client.get(f"/preparedness/plans/{draft.pk}/")
        assert page.status_code == 200 and 'data-testid="rates-form"' not in text(page)
        answer = client.post(f"/preparedness/plans/{draft.pk}/", rates([{"item": "mask-ffp2", "rate": "9"}]))
        assert answer.status_code == 403
    assert draft.rates.count() == 2 and not draft.rates.filter(rate=9).exists()

    # once the draft is agreed, its page reads the rates and offers a new version, as a button of the workflow
    services.plan_agree(actor=w.coordinator, plan=draft)
    body = text(coordinator.get(f"/preparedness/plans/{draft.pk}/"))
    assert 'data-action="new_version"' in body and 'data-testid="rates-form"' not in body


# --- a wave scenario ---------------------------------------------------------------------------------------------


def scenario(**given: str) -> dict[str, str]:
    nations = given.pop("nations", None)
    data = {
        "name": "Winter wave",
        "incident": "covid",
        "start": "2026-11-01",
        "horizon_days": "60",
        "releasability": "allies_partners",
        "kind": "seir",
        "illustrative": "on",
        "rt": "0: 1,4; 30: 0,9",
        "infected_share": "0.0005",
        "hospital_rate": "0.04",
        "icu_rate": "0.006",
        "hospital_days": "8",
        "rt_spread": "0.1",
        "shift_days": "7",
        **given,
    }
    rows = (
        nations
        if nations is not None
        else [
            {"nation": "ITA", "population": "59 000 000", "latitude": "41.9", "longitude": "12.5"},
            {},
            {"nation": "ESP", "population": "47000000", "latitude": "40.4", "longitude": "-3.7"},
        ]
    )
    return {**data, **formset("nations", rows)}


def test_a_coordinator_writes_a_seir_scenario_from_a_plan_and_runs_it_there(prep, django_capture_on_commit_callbacks):
    client = client_of(prep.world.coordinator)
    page = client.get(f"{NEW_SCENARIO}?plan={prep.plan.pk}")
    assert page.status_code == 200 and 'value="covid"' in text(page)  # the plan's incident
    for label in ("Admitted to hospital (share of infections)", "Days in hospital", "Population (people)"):
        assert label in text(page), label
    assert "nation,day,hospital,icu\nITA,0," in text(page)  # the pasted curve's format, by example

    answer = client.post(f"{NEW_SCENARIO}?plan={prep.plan.pk}", scenario())
    assert answer.status_code == 302 and answer["Location"] == f"/preparedness/plans/{prep.plan.pk}/"
    made = WaveScenario.objects.get(name="Winter wave")
    assert (made.kind, made.start, made.horizon_days, made.illustrative, made.created_by) == (
        "seir",
        dt.date(2026, 11, 1),
        60,
        True,
        prep.world.coordinator,
    )
    assert made.parameters == {
        "nations": [
            {"code": "ITA", "population": 59_000_000.0, "lat": 41.9, "lon": 12.5},
            {"code": "ESP", "population": 47_000_000.0, "lat": 40.4, "lon": -3.7},
        ],
        "seir": {
            "rt": [[0, 1.4], [30, 0.9]],  # "1,4": a decimal comma is read as such
            "infected_share": 0.0005,
            "hospital_rate": 0.04,
            "icu_rate": 0.006,
            "hospital_days": 8.0,
        },
        "uncertainty": {"rt_spread": 0.1, "shift_days": 7},
    }
    assert made.owner_organisation == prep.world.centre and made.releasability == "allies_partners"

    # it is listed, and offered by the plan page's run form
    assert "Winter wave" in text(client.get(PLANS))
    plan_page = client.get(answer["Location"])
    assert re.search(rf'<option value="{made.pk}"[^>]*>Winter wave</option>', text(plan_page))
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, run at once in tests
        started = client.post(answer["Location"], {"scenario": str(made.pk), "runs": "5", "seed": "1"})
    run = SimulationRun.objects.get(scenario=made)
    assert started.status_code == 302 and started["Location"] == f"/preparedness/runs/{run.pk}/"
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.SUCCEEDED, run.error

    # The run form offers every scenario the user may see, of any incident, and no other.
    answer = client.post(NEW_SCENARIO, scenario(name="Allies only", incident="elsewhere", releasability="allies"))
    allies = WaveScenario.objects.get(name="Allies only")
    assert answer.status_code == 302 and allies.releasability == "allies"
    offered = re.compile(r'<option value="(\d+)"')
    plan_url = f"/preparedness/plans/{prep.plan.pk}/"  # agreed: its page has no other numbered options
    seen = {
        user.username: set(map(int, offered.findall(text(client_of(user).get(plan_url)))))
        for user in (prep.world.coordinator, prep.world.ally_a, prep.world.partner)
    }
    everything = {prep.wave.pk, made.pk, allies.pk}
    assert everything <= seen["coord"] and everything <= seen["ally_a"]
    assert made.pk in seen["partner"] and allies.pk not in seen["partner"]


def test_every_problem_of_a_scenario_shows_at_once_where_it_belongs(prep):
    client = client_of(prep.world.coordinator)
    answer = client.post(
        NEW_SCENARIO,
        scenario(
            name="",
            start="someday",  # the form
            horizon_days="800",  # the service
            rt="0: 0",  # the service
            hospital_rate="2",  # the service, in words
            icu_rate="",  # the service: needed
            hospital_days="a week",  # the form
            shift_days="400",  # the service
            nations=[{"population": "1000"}, {"nation": "ITA", "latitude": "41.9", "longitude": "12.5"}],
        ),
    )
    assert answer.status_code == 400
    body = text(answer)
    for problem in (
        "Give the scenario a name.",
        "Enter a valid date.",
        "The horizon must be 1 to 730 days.",
        "Rt must be greater than zero.",
        "Admitted to hospital (share of infections) must be between 0 and 1.",
        "Need intensive care (share of infections) is needed.",
        "Enter a number such as 12.5.",
        "Uncertainty of the peak's timing (± days) must be between 0 and 90.",
        "Unknown nation —.",
        "Nation ITA: the population must be greater than zero.",
    ):
        assert problem in body, problem
    errors = body[body.index('data-testid="nations-errors"') :]
    assert errors.index("Unknown nation —.") < errors.index('id="nations-row-1"')  # above the nations' rows
    assert not WaveScenario.objects.filter(incident="covid").exclude(pk=prep.wave.pk).exists()

    bad_rt = client.post(NEW_SCENARIO, scenario(rt="from day 0 about 1.3"))
    assert bad_rt.status_code == 400 and "Write each change as day: Rt" in text(bad_rt)


def test_a_pasted_curve_is_read_and_its_every_bad_row_shown(prep):
    client = client_of(prep.world.coordinator)
    pasted = "nation,day,hospital,icu\nITA,0,100,10\nITA,1,120,12\nESP,0,80,8\n"
    answer = client.post(NEW_SCENARIO, scenario(kind="curve", name="Forecast", curve=pasted, hospital_rate="9"))
    assert answer.status_code == 302 and answer["Location"] == PLANS  # the SEIR figures are not the curve's
    made = WaveScenario.objects.get(name="Forecast")
    assert made.kind == "curve" and "seir" not in made.parameters
    assert made.curve == {
        "ITA": {"hospital": [100.0, 120.0], "icu": [10.0, 12.0]},
        "ESP": {"hospital": [80.0], "icu": [8.0]},
    }

    broken = "nation,day,hospital,icu\nITA,0,100,10\nITA,1,lots,12\nFRA,0,5,1\n"
    answer = client.post(NEW_SCENARIO, scenario(kind="curve", name="Broken", curve=broken))
    assert answer.status_code == 400
    body = text(answer)
    assert "Curve row 3: give a nation code, a whole day and two numbers." in body
    assert "Curve row 4: unknown nation FRA." in body
    assert not WaveScenario.objects.filter(name="Broken").exists()
