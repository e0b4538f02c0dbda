"""Production mode refuses unsafe configuration; embedded mode needs none."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from aidx.accounts.checks import no_demo_accounts_in_production

PRODUCTION = {
    "AIDX_ENV": "production",
    "AIDX_SECRET_KEY": "k" * 20 + "a-long-random-secret-for-the-test-only-0123456789",
    "AIDX_ALLOWED_HOSTS": "aidx.example.org",
    "DATABASE_URL": "postgres://aidx@127.0.0.1:1/aidx",  # never connected to by `check --deploy`
}


def run(env, *args):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AIDX_", "DATABASE_URL", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "aidx.cli", *args], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_it_passes_the_deploy_check_in_production_mode():
    result = run(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "change, complaint",
    [
        ({"AIDX_SECRET_KEY": ""}, "AIDX_SECRET_KEY"),
        ({"AIDX_DEBUG": "true"}, "AIDX_DEBUG"),
        ({"AIDX_ALLOWED_HOSTS": ""}, "AIDX_ALLOWED_HOSTS"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
    ],
)
def test_it_refuses_unsafe_production_settings(change, complaint):
    env = {k: v for k, v in {**PRODUCTION, **change}.items() if v}
    result = run(env, "check", "--deploy")
    assert result.returncode != 0
    assert complaint in result.stderr


def test_it_refuses_demo_accounts_in_production(world, settings):
    settings.PRODUCTION = True
    assert no_demo_accounts_in_production(None) == []
    world.ally_a.is_demo = True
    world.ally_a.save()
    errors = no_demo_accounts_in_production(None)
    assert [e.id for e in errors] == ["aidx.E001"] and "ally_a" in errors[0].msg
    with pytest.raises(SystemCheckError):
        call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")


def test_it_generates_and_keeps_a_secret_key_in_embedded_mode(tmp_path):
    env = {"AIDX_VAR_DIR": str(tmp_path)}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AIDX_", "DATABASE_URL", "DJANGO_"))}
    first = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django,os;os.environ['DJANGO_SETTINGS_MODULE']='aidx.settings';django.setup();{code}",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and (tmp_path / "secret_key").read_text().strip() == key
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize("key", ["short", "x" * 60, "django-insecure-" + "abcdefghij" * 5])
def test_the_deploy_check_refuses_a_short_or_weak_secret_key(key):
    result = run({**PRODUCTION, "AIDX_SECRET_KEY": key}, "check", "--deploy")
    assert result.returncode != 0
    assert "aidx.E003" in result.stderr and "secrets.token_urlsafe" in result.stderr


def test_the_checks_hints_name_commands_that_exist(world, settings):
    """The demo-accounts hint named `aidx demo_accounts --deactivate`, which did not exist."""
    from django.core.checks import registry
    from django.core.management import get_commands

    settings.PRODUCTION = True
    settings.SECRET_KEY = "short"
    world.ally_a.is_demo = True
    world.ally_a.save()
    messages = registry.registry.run_checks(include_deployment_checks=True)
    hints = [m.hint for m in messages if m.id and m.id.startswith("aidx.") and m.hint]
    assert len(hints) >= 2
    named = {word.split()[0] for hint in hints for word in hint.split("aidx ")[1:]}
    assert named and named <= set(get_commands()), named
    out = io.StringIO()
    call_command("demo_accounts", "--deactivate", stdout=out)
    assert "ally_a" in out.getvalue()
    world.ally_a.refresh_from_db()
    assert not world.ally_a.is_active and no_demo_accounts_in_production(None) == []
