"""The airlift planner is pure Python: its tests run without Django.

``aidx/conftest.py`` has an autouse fixture that needs pytest-django's
``settings``; overriding it here lets ``pytest -p no:django`` run these tests.
"""

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords():
    """No Django settings to adjust for the pure planner."""
