"""The preparedness engine is pure: its tests need no Django.

``aidx/conftest.py`` has an autouse fixture that needs pytest-django's
``settings``; it is overridden here by a no-op so that these tests also run
with ``-p no:django``.
"""

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords():
    return None
