from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the catalogue, sites and helpers)
