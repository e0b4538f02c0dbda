"""One name per country in each language."""

from __future__ import annotations

import pycountry
import pytest

from aidx.nations.names import OVERRIDES, country_name


@pytest.mark.parametrize(
    ("code", "nb", "nn"),
    [
        ("CZE", "Tsjekkia", "Tsjekkia"),
        ("MKD", "Nord-Makedonia", "Nord-Makedonia"),
        ("USA", "USA", "USA"),
        ("LUX", "Luxemburg", "Luxemburg"),
        ("PRT", "Portugal", "Portugal"),
        ("TUR", "Tyrkia", "Tyrkia"),
        ("NOR", "Norge", "Noreg"),
        ("ITA", "Italia", "Italia"),
    ],
)
def test_it_names_the_countries_of_2020_as_norwegians_do(code, nb, nn):
    assert (country_name(code, "nb"), country_name(code, "nn")) == (nb, nn)


@pytest.mark.parametrize("language", ["en", "nb", "nn"])
def test_it_gives_every_country_one_name(language):
    names = {country.alpha_3: country_name(country.alpha_3, language) for country in pycountry.countries}
    assert [code for code, name in names.items() if ";" in name or not name] == []
    assert "Portugual" not in names.values()


def test_every_correction_names_its_source():
    assert OVERRIDES and all(name and source for name, source in OVERRIDES.values())
    assert {language for _code, language in OVERRIDES} <= {"nb", "nn"}
