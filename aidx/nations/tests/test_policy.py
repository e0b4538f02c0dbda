"""Need-to-know: the database filter and the per-record predicate agree, and the rules hold."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidx.core.errors import BusinessError
from aidx.documents.models import Document
from aidx.documents.services import document_create
from aidx.nations.models import Membership, Nation, Organisation
from aidx.nations.policy import (
    Releasability,
    Viewer,
    check_derived_releasability,
    derived_releasability,
    may_see,
    viewer_for,
    viewer_for_nation,
    visible,
)

CODES = ["AAA", "BBB", "CCC", "DDD", "EEE"]
DAYS = [dt.date(2020, 1, 1) + dt.timedelta(days=30 * i) for i in range(8)]

membership_spans = st.lists(
    st.tuples(st.sampled_from(["ally", "partner"]), st.integers(0, 6), st.integers(1, 8)), max_size=2
)
records = st.lists(
    st.tuples(
        st.sampled_from(CODES + [None]),  # owner nation (None: owned by an organisation)
        st.sampled_from(Releasability.values),
        st.sets(st.sampled_from(CODES), max_size=3),
    ),
    min_size=1,
    max_size=8,
)
viewers = st.tuples(st.sampled_from(CODES + ["centre", "org", "nobody"]), st.sampled_from(DAYS))


def _random_world(world):
    """Nations AAA..EEE with the drawn memberships (non-overlapping per nation) and an organisation, no records."""
    Document.objects.all().delete()
    Membership.objects.all().delete()
    nations = {code: Nation.objects.get_or_create(code=code)[0] for code in CODES}
    org = Organisation.objects.get_or_create(code="org", defaults={"kind": "international", "name_en": "Org"})[0]
    for code, spans in world.items():
        # Non-overlapping intervals per nation, built from the drawn (start, length) pairs.
        cursor = 0
        for kind, start, length in spans:
            begin = max(start, cursor)
            Membership.objects.create(
                nation=nations[code],
                kind=kind,
                valid_from=DAYS[0] + dt.timedelta(days=30 * begin),
                valid_until=DAYS[0] + dt.timedelta(days=30 * (begin + length)),
            )
            cursor = begin + length
    return nations, org


def _document(nations, org, owner, releasability, named):
    document = Document.objects.create(
        title="t",
        body="b",
        releasability=releasability,
        owner_nation=nations[owner] if owner else None,
        owner_organisation=None if owner else org,
    )
    if releasability == Releasability.NAMED:
        document.release_to.set([nations[c] for c in named])
    return document


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=st.dictionaries(st.sampled_from(CODES), membership_spans), rows=records, who=viewers)
def test_it_filters_in_the_database_exactly_as_the_predicate_decides(world, rows, who):
    nations, org = _random_world(world)
    for owner, releasability, named in rows:
        _document(nations, org, owner, releasability, named)
    affiliation, day = who
    if affiliation == "centre":
        viewer = Viewer(on=day, is_centre=True)
    elif affiliation == "org":
        viewer = Viewer(on=day, organisation=org.pk)
    elif affiliation == "nobody":
        viewer = Viewer(on=day)
    else:
        standing = (
            Membership.objects.filter(nation_id=affiliation, valid_from__lte=day, valid_until__gt=day)
            .values_list("kind", flat=True)
            .first()
        )
        viewer = Viewer(on=day, nation=affiliation, standing=standing)
    by_query = set(visible(Document.objects.all(), viewer).values_list("pk", flat=True))
    by_predicate = {d.pk for d in Document.objects.all() if may_see(viewer, d)}
    assert by_query == by_predicate
    # The filter must never produce duplicates (a join on named nations could).
    assert visible(Document.objects.all(), viewer).count() == len(by_query)


def _doc(author, releasability, release_to=None):
    return document_create(
        actor=author, title=f"{releasability}", body="x", releasability=releasability, release_to=release_to
    )


def test_it_applies_standing_on_the_day_of_viewing(world):
    allies_only = _doc(world.ally_a, Releasability.ALLIES)
    before = viewer_for(world.late_ally, on=dt.date(2020, 3, 26))
    after = viewer_for(world.late_ally, on=dt.date(2020, 3, 27))
    assert before.standing == "partner" and after.standing == "ally"
    assert not may_see(before, allies_only)
    assert may_see(after, allies_only)
    assert not visible(Document.objects.all(), before).filter(pk=allies_only.pk).exists()
    assert visible(Document.objects.all(), after).filter(pk=allies_only.pk).exists()


def test_it_shows_each_base_user_exactly_what_they_may_see(world):
    allies = _doc(world.ally_a, Releasability.ALLIES)
    shared = _doc(world.ally_a, Releasability.ALLIES_AND_PARTNERS)
    bilateral = _doc(world.ally_a, Releasability.NAMED, [world.esp])
    to_partner = _doc(world.ally_a, Releasability.NAMED, [world.aus])
    everything = {allies.pk, shared.pk, bilateral.pk, to_partner.pk}

    def seen(user):
        return set(visible(Document.objects.all(), user).values_list("pk", flat=True))

    assert seen(world.coordinator) == everything
    assert seen(world.ally_a) == everything  # the owner
    assert seen(world.ally_b) == {allies.pk, shared.pk, bilateral.pk}
    assert seen(world.partner) == {shared.pk, to_partner.pk}
    assert seen(world.outsider) == set()


def test_it_sees_nothing_when_signed_out_or_deactivated(world):
    _doc(world.ally_a, Releasability.ALLIES_AND_PARTNERS)
    world.ally_b.is_active = False
    assert visible(Document.objects.all(), world.ally_b).count() == 0
    assert visible(Document.objects.all(), None).count() == 0


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    world=st.dictionaries(st.sampled_from(CODES), membership_spans),
    pair=st.tuples(records, records),
    day=st.sampled_from(DAYS),
)
def test_it_releases_a_derived_record_only_to_those_who_may_see_its_source(world, pair, day):
    """check_derived_releasability: whoever may see a record it lets through (but its owner, who answered the
    source) may see the source, on that day; and derived_releasability's default always passes it."""
    nations, org = _random_world(world)
    source = _document(nations, org, *pair[0][0])
    derived_owner, releasability, named = pair[1][0]
    derived = _document(nations, org, derived_owner, releasability, named)
    readers = [Viewer(on=day, is_centre=True)] + [viewer_for_nation(code, day) for code in CODES]
    try:
        check_derived_releasability(source, releasability, derived.release_to.all(), on=day)
    except BusinessError:
        pass
    else:
        for reader in readers:
            if reader.nation != derived_owner and may_see(reader, derived):
                assert may_see(reader, source), (reader, source.releasability, releasability)
    default, default_named = derived_releasability(source)
    check_derived_releasability(source, default, default_named, on=day)


def test_it_names_what_is_too_wide(world):
    allies_only = _doc(world.ally_a, Releasability.ALLIES)
    with pytest.raises(BusinessError) as wider:
        check_derived_releasability(allies_only, Releasability.ALLIES_AND_PARTNERS, [])
    assert wider.value.field == "releasability" and "allies only" in str(wider.value)
    with pytest.raises(BusinessError) as named:
        check_derived_releasability(allies_only, Releasability.NAMED, ["ESP", "AUS", "BRA"])
    assert named.value.field == "release_to" and str(named.value).startswith("AUS, BRA may not see")
    check_derived_releasability(allies_only, Releasability.NAMED, [world.esp, world.mkd])
