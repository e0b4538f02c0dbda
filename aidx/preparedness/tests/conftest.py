from __future__ import annotations

import pytest

from aidx.preparedness.tests.factory import build


@pytest.fixture
def prep(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return build(world)
