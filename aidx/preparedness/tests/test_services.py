"""Services of preparedness: every problem at once and nothing written, the plan's versions, pledges' life."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.assistance import services as exchange
from aidx.assistance.models import Offer
from aidx.assistance.services import LineInput
from aidx.audit.models import AuditEntry as Entry
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.preparedness import services
from aidx.preparedness.models import Activation, Plan, Pledge, WaveScenario
from aidx.preparedness.services import PledgeInput, RateInput


def test_it_reports_every_problem_of_a_pledge_at_once_and_writes_nothing(prep):
    before = Pledge.objects.count()
    with pytest.raises(BusinessError) as caught:
        services.pledges_create(
            actor=prep.world.ally_b,
            plan=prep.plan,
            pledges=[
                PledgeInput(item="unobtainium", quantity=0, notice_days=-1, origin_site="atlantis", valid_from=None),
                PledgeInput(item="ventilator", quantity=5, notice_days=1, origin_site="madrid", valid_from=prep.today),
            ],
            rows=True,
        )
    text = str(caught.value)
    for fault in (
        "unknown item unobtainium",
        "greater than zero",
        "0 or more",
        "unknown origin site atlantis",
        "valid from",
    ):
        assert fault in text, fault
    assert len(caught.value.fields["rows.1"]) == 5
    assert Pledge.objects.count() == before


def test_it_refuses_bad_rates_all_at_once(prep):
    draft = services.plan_new_version(actor=prep.world.coordinator, plan=prep.plan)
    with pytest.raises(BusinessError) as caught:
        services.rates_set(
            actor=prep.world.coordinator,
            plan=draft,
            rates=[
                RateInput(item="ventilator", basis="lung", rate="-1", priority=9),
                RateInput(item="nope", basis="bed", rate="1"),
            ],
        )
    assert len(caught.value.fields["rates.1"]) == 3 and "unknown item nope" in str(caught.value)
    assert draft.rates.count() == 2  # the copy's rates are untouched


def test_it_refuses_a_bad_scenario_all_at_once(prep):
    with pytest.raises(BusinessError) as caught:
        services.scenario_create(
            actor=prep.world.coordinator,
            name="",
            incident="covid",
            start=prep.today,
            horizon_days=800,
            parameters={
                "seir": {"rt": [[0, 0]], "hospital_rate": 2},
                "nations": [{"code": "XXX", "population": -5, "lat": 1, "lon": 2}],
                "uncertainty": {"shift_days": 400},
            },
        )
    text = str(caught.value)
    for fault in (
        "name",
        "Unknown nation XXX",
        "population",
        "Rt must be greater than zero",
        "Admitted to hospital (share of infections) must be between 0 and 1",  # in words, not hospital_rate
        "Need intensive care (share of infections) is needed",  # without it a run fails on the worker
        "Uncertainty of the peak's timing (± days) must be between 0 and 90",
        "horizon",
    ):
        assert fault in text, fault
    assert {"hospital_rate", "icu_rate", "shift_days"} <= set(caught.value.fields)
    assert not WaveScenario.objects.filter(incident="covid", name="").exists()


def test_it_writes_the_limits_of_a_figure_as_the_reader_writes_numbers(prep):
    from django.utils import translation

    with translation.override("nb"), pytest.raises(BusinessError) as caught:
        services.scenario_create(
            actor=prep.world.coordinator,
            name="Bølge",
            incident="covid",
            start=prep.today,
            horizon_days=100,
            parameters={
                "seir": {"rt": [[0, 1.2]], "hospital_rate": 0.05, "icu_rate": 0.01},
                "nations": [{"code": "ITA", "population": 1000, "lat": 1, "lon": 2}],
                "uncertainty": {"rt_spread": 5},
            },
        )
    assert "0,99" in str(caught.value) and "0.99" not in str(caught.value)


def test_it_lists_every_malformed_row_of_an_uploaded_curve(prep):
    csv = "nation,day,hospital,icu\nITA,0,10,1\nITA,2,x,1\nFRA,1,5,1\nITA,3,-4,1\n"
    with pytest.raises(BusinessError) as caught:
        services.scenario_create(
            actor=prep.world.coordinator,
            name="Curve",
            incident="covid",
            start=prep.today,
            kind="curve",
            parameters={"nations": [{"code": "ITA", "lat": 41.9, "lon": 12.5}]},
            curve_csv=csv,
        )
    text = str(caught.value)
    assert "row 3" in text and "row 4: unknown nation FRA" in text and "row 5" in text


def test_it_keeps_one_agreed_plan_per_incident_and_every_version_readable(prep):
    coordinator = prep.world.coordinator
    v2 = services.plan_new_version(actor=coordinator, plan=prep.plan)
    assert (v2.version, v2.status, v2.rates.count()) == (2, Plan.Status.DRAFT, 2)
    assert v2.pledges.count() == 3  # what was on standby is carried over
    services.plan_agree(actor=coordinator, plan=v2)
    prep.plan.refresh_from_db()
    assert prep.plan.status == Plan.Status.SUPERSEDED
    assert Plan.objects.filter(incident="covid", status=Plan.Status.AGREED).get() == v2
    with pytest.raises(BusinessError):
        services.plan_agree(actor=coordinator, plan=prep.plan)


def test_only_the_centre_drafts_plans(prep):
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=prep.world.ally_a, name="Mine", incident="x", valid_from=prep.today)


def test_it_activates_a_pledge_into_an_open_offer_that_answers_a_request(prep):
    w = prep.world
    request = exchange.request_submit(
        actor=w.ally_a,
        request=exchange.request_create(
            actor=w.ally_a,
            title="Ventilators",
            needed_by=prep.today + dt.timedelta(days=20),
            delivery_site="rome",
            lines=[LineInput(item="ventilator", quantity=30)],
        ),
    )
    activation = services.pledge_activate(actor=w.coordinator, pledge=prep.spain_open, quantity=30, request=request)
    offer = activation.offer
    assert offer.status == Offer.Status.OPEN and offer.owner_nation_id == "ESP" and offer.in_reply_to == request
    line = offer.lines.get()
    assert line.quantity == 30 and line.available_from == prep.today + dt.timedelta(days=2)  # notice to move
    prep.spain_open.refresh_from_db()
    assert prep.spain_open.remaining == 20 and prep.spain_open.status == Pledge.Status.STANDBY
    # Italy accepts what is proposed from it, as from any offer
    allocation = exchange.allocation_propose(
        actor=w.coordinator, offer_line=line, request_line=request.lines.get(), quantity=30
    )
    assert exchange.allocation_accept(actor=w.ally_a, allocation=allocation).status == "accepted"
    with pytest.raises(BusinessError) as caught:
        services.pledge_activate(actor=w.ally_b, pledge=prep.spain_open, quantity=21)
    assert "Only 20" in str(caught.value)
    services.pledge_activate(actor=w.ally_b, pledge=prep.spain_open, quantity=20)
    prep.spain_open.refresh_from_db()
    assert (
        prep.spain_open.status == Pledge.Status.USED and Activation.objects.filter(pledge=prep.spain_open).count() == 2
    )
    assert Entry.objects.filter(action="pledge.activate").count() == 2


def test_another_nation_cannot_activate_or_withdraw_a_pledge(prep):
    with pytest.raises(PermissionDenied):
        services.pledge_activate(actor=prep.world.ally_a, pledge=prep.spain_open, quantity=1)
    with pytest.raises(PermissionDenied):
        services.pledge_withdraw(actor=prep.world.partner, pledge=prep.spain_open)


def test_it_expires_pledges_past_their_validity_as_the_system(prep):
    late = prep.pledge(prep.world.ally_b, valid_until=prep.today)
    assert services.pledges_expire(today=prep.today + dt.timedelta(days=1)) == 1
    late.refresh_from_db()
    assert late.status == Pledge.Status.EXPIRED
    assert Entry.objects.filter(action="pledge.expire").count() == 1


def test_own_stock_is_released_to_the_centre_only(prep):
    from aidx.preparedness import selectors

    w = prep.world
    assert list(selectors.own_stock(w.coordinator)) == [prep.own]
    assert list(selectors.own_stock(w.ally_a)) == [prep.own]
    for other in (w.ally_b, w.partner, w.outsider):
        assert list(selectors.own_stock(other)) == []
