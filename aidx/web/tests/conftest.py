from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the exchange fixture, shared)
