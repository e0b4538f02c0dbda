from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the same fixture for matching tests)
