"""Templates, assessments, the supplier registry: the happy paths, and bad input reported all at once with
nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from aidx.audit.models import AuditEntry
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.resilience import selectors, services
from aidx.resilience.models import Action, Answer, Assessment, Indicator, Manufacturer, Ownership, Template
from aidx.resilience.tests.conftest import TITLES, fill, indicator, indicators, submitted


def test_it_numbers_the_versions_of_a_template(template):
    again = services.template_create(actor=SYSTEM, code="baseline", titles=TITLES, indicators=indicators())
    assert (template.version, again.version) == (1, 2)
    assert again.indicators.count() == 14


def test_it_lets_the_centre_change_an_unused_version(world, template):
    rows = indicators()
    rows[0]["weight"] = 5
    services.template_update(actor=world.coordinator, template=template, titles=TITLES, indicators=rows)
    assert Indicator.objects.get(template=template, code="1.1").weight == 5


def test_it_refuses_to_change_a_version_that_was_used(world, template):
    services.assessment_start(actor=world.ally_a, template=template)
    rows = indicators()
    rows[0]["weight"] = 5
    with pytest.raises(BusinessError) as error:
        services.template_update(actor=world.coordinator, template=template, titles=TITLES, indicators=rows)
    assert error.value.code == "template_in_use" and "new version" in str(error.value)
    assert Indicator.objects.get(template=template, code="1.1").weight == 1


def test_it_lists_every_problem_of_a_template_and_writes_nothing(world):
    bad = indicators()
    bad[0]["weight"] = 0
    bad[1]["question_nb"] = ""
    bad[2]["levels"]["nn"] = ["only", "four", "levels", "here"]
    bad[3]["requirement"] = 9
    bad[4]["code"] = bad[5]["code"]
    with pytest.raises(BusinessError) as error:
        services.template_create(
            actor=world.coordinator, code="baseline", titles={"en": "x", "nb": "", "nn": "y"}, indicators=bad
        )
    fields = {problem.field for problem in error.value.problems}
    assert {
        "indicators.0.weight",
        "indicators.1.question_nb",
        "indicators.2.levels.nn",
        "indicators.3.requirement",
        "indicators.5.code",
        "title_nb",
    } <= fields
    assert not Template.objects.exists() and not Indicator.objects.exists()


def test_it_lets_only_the_centre_keep_templates(world):
    with pytest.raises(PermissionDenied):
        services.template_create(actor=world.ally_a, code="mine", titles=TITLES, indicators=[indicator("1.1", 1)])


def test_it_walks_an_assessment_from_draft_to_reviewed(world, template):
    started = services.assessment_start(actor=world.ally_a, template=template)
    assert started.owner_nation_id == "ITA" and started.releasability == "owner_centre"
    assert started.answers.count() == 14
    fill(world.ally_a, started, level=3)
    services.assessment_transition(actor=world.ally_a, assessment=started, action="submit")
    services.comment_add(actor=world.coordinator, assessment=started, indicator="5.2", text="Show the stock figures.")
    done = services.assessment_transition(actor=world.coordinator, assessment=started, action="review")
    assert done.status == Assessment.Status.REVIEWED and done.reviewed_by == world.coordinator
    assert selectors.scores(done).overall == 3
    assert AuditEntry.objects.filter(action="resilience.assessment.review", target_id=str(done.pk)).exists()


def test_it_lists_every_unanswered_indicator_on_submission(world, template):
    started = services.assessment_start(actor=world.ally_a, template=template)
    services.answers_save(
        actor=world.ally_a,
        assessment=started,
        answers=[
            {"indicator": a.indicator.code, "level": 1}
            for a in started.answers.all()
            if a.indicator.code != "3.2" and a.indicator.code != "6.1"
        ],
    )
    with pytest.raises(BusinessError) as error:
        services.assessment_transition(actor=world.ally_a, assessment=started, action="submit")
    assert error.value.code == "incomplete"
    assert [problem.field for problem in error.value.problems] == ["3.2", "6.1"]
    started.refresh_from_db()
    assert started.status == Assessment.Status.DRAFT


def test_it_submits_without_the_optional_indicators(world):
    rows = [indicator("1.1", 1), indicator("1.2", 1, required=False)]
    made = services.template_create(actor=SYSTEM, code="short", titles=TITLES, indicators=rows)
    started = services.assessment_start(actor=world.ally_a, template=made)
    services.answers_save(actor=world.ally_a, assessment=started, answers=[{"indicator": "1.1", "level": 4}])
    assert services.assessment_transition(actor=world.ally_a, assessment=started, action="submit").status == "submitted"


def test_it_refuses_levels_outside_the_scale_all_at_once_and_writes_nothing(world, template):
    started = services.assessment_start(actor=world.ally_a, template=template)
    with pytest.raises(BusinessError) as error:
        services.answers_save(
            actor=world.ally_a,
            assessment=started,
            answers=[
                {"indicator": "1.1", "level": 2},
                {"indicator": "1.2", "level": 5},
                {"indicator": "2.1", "level": -1},
                {"indicator": "2.2", "level": "high"},
                {"indicator": "9.9", "level": 1},
            ],
        )
    fields = [problem.field for problem in error.value.problems]
    assert fields == ["1.2.level", "2.1.level", "2.2.level", "indicator"]
    assert not Answer.objects.filter(assessment=started, level__isnull=False).exists()


def test_it_lets_only_the_nation_answer_its_draft(world, template):
    started = services.assessment_start(actor=world.ally_a, template=template)
    for other in (world.ally_b, world.coordinator, world.partner):
        with pytest.raises(PermissionDenied):
            services.answers_save(actor=other, assessment=started, answers=[{"indicator": "1.1", "level": 1}])
    fill(world.ally_a, started)
    services.assessment_transition(actor=world.ally_a, assessment=started, action="submit")
    with pytest.raises(PermissionDenied):  # submitted: no longer a draft
        services.answers_save(actor=world.ally_a, assessment=started, answers=[{"indicator": "1.1", "level": 1}])


def test_it_sends_an_assessment_back_with_the_reason(world, template):
    sent = submitted(world.ally_a, template)
    back = services.assessment_transition(
        actor=world.coordinator, assessment=sent, action="return", reason="Evidence for 5.2"
    )
    assert back.status == Assessment.Status.DRAFT
    assert back.comments.get().text == "Evidence for 5.2"


def test_it_keeps_every_submitted_assessment_as_history(world, template):
    first = submitted(world.ally_a, template, level=1, title="2020")
    second = submitted(world.ally_a, template, level=3, title="2021")
    assert selectors.previous(world.ally_a, second) == first
    assert [a.title for a in selectors.history(world.ally_a, second)] == ["2020", "2021"]


def test_it_plans_actions_and_lists_the_overdue_ones(world, template):
    sent = submitted(world.ally_a, template)
    late = services.action_create(
        actor=world.ally_a,
        assessment=sent,
        description="Buy gowns",
        responsible="Health ministry",
        due=dt.date(2020, 1, 1),
        indicator="5.2",
    )
    services.action_create(
        actor=world.ally_a,
        assessment=sent,
        description="Exercise",
        responsible="Civil protection",
        due=dt.date(2999, 1, 1),
    )
    assert list(selectors.overdue_actions(world.ally_a)) == [late]
    services.action_transition(actor=world.ally_a, action=late, name="complete")
    assert not selectors.overdue_actions(world.ally_a).exists()


def test_it_lists_every_problem_of_an_action(world, template):
    sent = submitted(world.ally_a, template)
    with pytest.raises(BusinessError) as error:
        services.action_create(
            actor=world.ally_a, assessment=sent, description="", responsible="", due=None, indicator="8.8"
        )
    assert {problem.field for problem in error.value.problems} == {"indicator", "description", "responsible", "due"}
    assert not Action.objects.exists()


def test_it_widens_releasability_only_for_its_nation(world, template):
    sent = submitted(world.ally_a, template)
    with pytest.raises(PermissionDenied):
        services.assessment_release(actor=world.ally_b, assessment=sent, releasability="allies")
    with pytest.raises(BusinessError):
        services.assessment_release(actor=world.ally_a, assessment=sent, releasability="named")
    with pytest.raises(BusinessError):
        services.assessment_release(actor=world.ally_a, assessment=sent, releasability="everyone")
    services.assessment_release(actor=world.ally_a, assessment=sent, releasability="named", release_to=[world.esp])
    sent.refresh_from_db()
    assert sent.releasability == "named" and list(sent.release_to.all()) == [world.esp]


# --- suppliers --------------------------------------------------------------------------------------------------


def _maker(actor, code="maker", country="DEU", ownerships=None, items=()):
    return services.manufacturer_create(
        actor=actor, code=code, name=code.title(), production_country=country, items=items, ownerships=ownerships
    )


def test_it_lists_every_problem_of_a_manufacturer_and_writes_nothing(world):
    with pytest.raises(BusinessError) as error:
        services.manufacturer_create(
            actor=world.coordinator,
            code="",
            name="",
            production_country="XXX",
            items=["no-such-item"],
            ownerships=[
                {
                    "owner_name": "A",
                    "owner_country": "ZZZ",
                    "valid_from": dt.date(2010, 1, 1),
                    "valid_until": dt.date(2020, 1, 1),
                },
                {"owner_name": "B", "owner_country": "CHN", "valid_from": dt.date(2019, 1, 1)},
            ],
        )
    fields = {problem.field for problem in error.value.problems}
    assert fields == {
        "code",
        "name",
        "production_country",
        "items",
        "ownerships.0.owner_country",
        "ownerships.1.valid_from",  # overlaps the first
    }
    assert not Manufacturer.objects.exists() and not Ownership.objects.exists()


def test_it_closes_the_current_owner_when_the_owner_changes(world):
    maker = _maker(
        world.coordinator,
        ownerships=[{"owner_name": "Family", "owner_country": "DEU", "valid_from": dt.date(1990, 1, 1)}],
    )
    services.ownership_add(
        actor=world.coordinator,
        manufacturer=maker,
        owner_name="Holding",
        owner_country="CHN",
        valid_from=dt.date(2019, 6, 1),
    )
    spans = list(maker.ownerships.order_by("valid_from").values_list("owner_country", "valid_from", "valid_until"))
    assert spans == [("DEU", dt.date(1990, 1, 1), dt.date(2019, 6, 1)), ("CHN", dt.date(2019, 6, 1), None)]


def test_it_refuses_an_owner_change_that_overlaps_a_closed_one(world):
    maker = _maker(
        world.coordinator,
        ownerships=[
            {
                "owner_name": "A",
                "owner_country": "DEU",
                "valid_from": dt.date(2000, 1, 1),
                "valid_until": dt.date(2010, 1, 1),
            },
            {"owner_name": "B", "owner_country": "FRA", "valid_from": dt.date(2010, 1, 1)},
        ],
    )
    with pytest.raises(BusinessError) as error:
        services.ownership_add(
            actor=world.coordinator,
            manufacturer=maker,
            owner_name="C",
            owner_country="QQQ",
            valid_from=dt.date(2005, 1, 1),
            valid_until=dt.date(2006, 1, 1),
        )
    assert {problem.field for problem in error.value.problems} == {"owner_country", "valid_from"}
    assert maker.ownerships.count() == 2


def test_it_lets_only_the_centre_and_stockpile_managers_keep_suppliers(world):
    with pytest.raises(PermissionDenied):
        _maker(world.ally_a)
