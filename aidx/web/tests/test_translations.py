"""locale/nb and locale/nn are complete: every string translated, nothing fuzzy, and the catalogue current."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings

LANGUAGES = ["nb", "nn"]


def _po(language: str) -> Path:
    return django_settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_every_string_translated(language):
    assert shutil.which("msgattrib"), "gettext tools are needed (Debian package gettext)"
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(_po(language))], capture_output=True, text=True, check=True
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(_po(language))], capture_output=True, text=True, check=True
    ).stdout
    assert untranslated.count("msgid") == 0, untranslated[:2000]
    assert fuzzy.count("msgid") == 0, fuzzy[:2000]


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_a_catalogue_that_covers_the_source(language, tmp_path, settings):
    """Every translatable string in the code and templates is in the catalogue (makemessages adds nothing)."""
    from django.core.management import call_command

    work = tmp_path / "project"
    shutil.copytree(
        django_settings.BASE_DIR / "aidx", work / "aidx", ignore=shutil.ignore_patterns("__pycache__", "tests")
    )
    shutil.copytree(django_settings.BASE_DIR / "locale", work / "locale")
    settings.LOCALE_PATHS = [work / "locale"]  # makemessages writes to the first locale path: the copy, not ours
    cwd = Path.cwd()
    try:
        os.chdir(work)
        call_command("makemessages", locale=[language], no_obsolete=True, verbosity=0, ignore_patterns=["tests/*"])
    finally:
        os.chdir(cwd)
    fresh = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(work / "locale" / language / "LC_MESSAGES" / "django.po")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert fresh.count("msgid") == 0, "strings missing from the catalogue:\n" + fresh[:3000]
