from __future__ import annotations

import datetime as dt

import pytest

from aidx.accounts.models import User
from aidx.audit.models import AuditEntry
from aidx.core.errors import BusinessError
from aidx.nations import selectors, services
from aidx.nations.models import Membership, Nation, Site


def test_it_refuses_overlapping_memberships_and_writes_nothing(world):
    before = Membership.objects.count(), AuditEntry.objects.count()
    with pytest.raises(BusinessError) as error:
        services.membership_add(
            actor=world.coordinator,
            nation=world.ita,
            kind="partner",
            valid_from=dt.date(2000, 1, 1),
            valid_until=dt.date(2001, 1, 1),
        )
    assert error.value.code == "overlap"
    assert (Membership.objects.count(), AuditEntry.objects.count()) == before


def test_it_refuses_an_end_before_the_start(world):
    with pytest.raises(BusinessError):
        services.membership_add(
            actor=None,
            nation=world.bra,
            kind="partner",
            valid_from=dt.date(2020, 1, 1),
            valid_until=dt.date(2019, 1, 1),
        )


def test_it_allows_adjacent_memberships_and_answers_by_date(world):
    assert {n.code for n in selectors.allies_on(dt.date(2020, 3, 26))} == {"ITA", "ESP"}
    assert {n.code for n in selectors.allies_on(dt.date(2020, 3, 27))} == {"ITA", "ESP", "MKD"}
    partners = selectors.nations_on(dt.date(2020, 3, 26), kind="partner")
    assert {n.code for n in partners} == {"AUS", "MKD"}


def test_it_refuses_unknown_country_codes(db):
    with pytest.raises(BusinessError):
        services.nation_create(actor=None, code="XYZ")
    with pytest.raises(BusinessError):
        services.nation_create(actor=None, code="")


def test_it_registers_an_airfield_from_its_icao_or_iata_code(world):
    site = services.airfield_create(actor=None, code="LETO")
    assert site.kind == Site.Kind.AIRFIELD and site.nation_id == "ESP"
    assert abs(float(site.latitude) - 40.4967) < 0.01
    assert services.airfield_create(actor=None, code="LETO").pk == site.pk  # no duplicate
    assert services.airfield_lookup("FCO")["icao"] == "LIRF"
    with pytest.raises(BusinessError):
        services.airfield_lookup("ZZZZ")


def test_it_refuses_coordinates_off_the_globe(world):
    with pytest.raises(BusinessError) as error:
        services.site_create(
            actor=None, code="x", name="X", kind="city", nation=world.ita, latitude="91", longitude="10"
        )
    assert error.value.field == "latitude"
    with pytest.raises(BusinessError):
        services.site_create(
            actor=None, code="y", name="Y", kind="city", nation=world.ita, latitude="abc", longitude="10"
        )
    assert not Site.objects.filter(code__in=["x", "y"]).exists()


def test_it_names_nations_in_bokmal_and_nynorsk(db):
    from django.utils import translation

    nation = services.nation_create(actor=None, code="NOR")
    with translation.override("nb"):
        assert nation.name == "Norge"
    with translation.override("nn"):
        assert nation.name == "Noreg"
    with translation.override("en"):
        assert nation.name == "Norway"


def test_it_gives_a_nation_a_home_airfield_and_only_an_airfield(world):
    rome = services.site_create(
        actor=None, code="rome", name="Rome", kind="airfield", nation=world.ita, latitude="41.8", longitude="12.25"
    )
    city = services.site_create(
        actor=None, code="milan", name="Milan", kind="city", nation=world.ita, latitude="45.46", longitude="9.19"
    )
    for site, field in ((city, "home_site"), ("nowhere", "home_site")):
        with pytest.raises(BusinessError) as refused:
            services.nation_set_home_site(actor=None, nation="ITA", site=site)
        assert refused.value.field == field
    assert services.nation_set_home_site(actor=None, nation=world.ita, site="rome").home_site == rome
    assert AuditEntry.objects.filter(action="nation.home_site", target_id="ITA").count() == 1


def test_it_gives_the_covid_scenarios_nations_their_home_airfields(scenario, client):
    homes = dict(Nation.objects.filter(home_site__isnull=False).values_list("code", "home_site__icao"))
    assert (homes["TUR"], homes["ITA"], homes["ESP"], homes["AUS"]) == ("LTAD", "LIRF", "LEMD", "YSCB")
    assert "MDA" not in homes  # a partner with no airfield in the scenario: its lines are left out, with the reason
    client.force_login(User.objects.get(username="italy"))
    assert "Etimesgut" in client.get("/registry/nations/TUR/").content.decode()
