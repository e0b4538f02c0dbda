"""``python -m aidx.optimize.airlift problem.json``: see :mod:`.cli`."""

import sys

from .cli import main

sys.exit(main())
