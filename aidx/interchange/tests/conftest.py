from aidx.assistance.tests.conftest import exchange  # noqa: F401  (the catalogue, sites and helpers)
from aidx.preparedness.tests.conftest import prep  # noqa: F401  (a plan, pledges of Spain and Italy)
