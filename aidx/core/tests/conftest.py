from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the worker's database tests queue match runs)
