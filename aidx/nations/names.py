"""One name per country in each language: pycountry's ISO 3166 names and their translations, with a small reviewed
table of corrections where those translations are wrong or give two names.

pycountry's Nynorsk catalogue leaves some names in English ("Czechia", "North Macedonia", "Türkiye"), misspells
one ("Portugual") and gives two names separated by a semicolon for others ("USA; Sambandsstatane",
"Luxembourg; Luxemburg"); its Bokmål one uses the formal "De forente stater" and "Moldova, Republikken". Each name
below was checked against Språkrådet's list of country names (Språkrådet, "Namn på land og statar / Navn på land
og stater", the list the Norwegian Ministry of Foreign Affairs follows); the short everyday name is used, as
everywhere else on the platform.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry

SPRAKRADET = "Språkrådet, list of country names (nb/nn)"

# (ISO 3166-1 alpha-3, language) → (name, source).
OVERRIDES: dict[tuple[str, str], tuple[str, str]] = {
    ("CZE", "nb"): ("Tsjekkia", SPRAKRADET),
    ("CZE", "nn"): ("Tsjekkia", SPRAKRADET),  # pycountry nn: "Czechia" (untranslated)
    ("MKD", "nn"): ("Nord-Makedonia", SPRAKRADET),  # pycountry nn: "North Macedonia" (untranslated)
    ("TUR", "nn"): ("Tyrkia", SPRAKRADET),  # pycountry nn: "Türkiye" (untranslated)
    ("PRT", "nn"): ("Portugal", SPRAKRADET),  # pycountry nn: "Portugual" (misspelt)
    ("USA", "nb"): ("USA", SPRAKRADET),  # pycountry nb: "De forente stater" (the formal name)
    ("USA", "nn"): ("USA", SPRAKRADET),  # pycountry nn: "USA; Sambandsstatane" (two names)
    ("LUX", "nb"): ("Luxemburg", SPRAKRADET),  # pycountry nb: "Luxembourg" (the French spelling)
    ("LUX", "nn"): ("Luxemburg", SPRAKRADET),  # pycountry nn: "Luxembourg; Luxemburg" (two names)
    ("MDA", "nb"): ("Moldova", SPRAKRADET),  # pycountry nb: "Moldova, Republikken" (inverted formal name)
    ("MDA", "nn"): ("Moldova", SPRAKRADET),  # pycountry nn: "Republikken Moldova" (the formal name)
    ("KNA", "nn"): ("Saint Kitts og Nevis", SPRAKRADET),  # pycountry nn: "St. Kitts og Nevis; Saint Kitts og Nevis"
    ("LCA", "nn"): ("Saint Lucia", SPRAKRADET),  # pycountry nn: "St. Lucia; Saint Lucia"
}


@lru_cache(maxsize=8)
def _translation(language: str) -> gettext.NullTranslations:
    # pycountry ships Bokmål as nb_NO and Nynorsk as nn.
    languages = {"nb": ["nb_NO", "nb"], "nn": ["nn"]}.get(language, [])
    if not languages:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=languages, fallback=True)


def country_name(code: str, language: str) -> str:
    """The country's one name in `language` (en, nb or nn); the code itself if ISO 3166 does not know it."""
    override = OVERRIDES.get((code, language))
    if override is not None:
        return override[0]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code
    english = getattr(country, "common_name", None) or country.name
    translated = _translation(language).gettext(country.name)
    if translated == country.name:
        return english
    # A catalogue entry with two names that the table above does not yet correct: the first, never both.
    return translated.split(";")[0].strip()
