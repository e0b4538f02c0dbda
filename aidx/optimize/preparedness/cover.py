"""Days of cover: how long a stock lasts at a given daily use."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def days_of_cover(stock: float, daily_use: Sequence[float] | np.ndarray) -> int | None:
    """The number of whole days `stock` covers `daily_use` (day 0 first): the index of the first day whose use
    can no longer be met in full. None if the stock outlasts every day given.

    >>> days_of_cover(10, [3, 3, 3, 3])   # days 0, 1 and 2 use 9; day 3 would need 12
    3
    >>> days_of_cover(100, [1, 1]) is None
    True
    """
    use = np.asarray(daily_use, dtype=np.float64)
    if stock < 0 or (use < 0).any():
        raise ValueError("stock and daily use must be zero or more")
    short = np.flatnonzero(np.cumsum(use) > stock + 1e-9)
    return int(short[0]) if short.size else None
