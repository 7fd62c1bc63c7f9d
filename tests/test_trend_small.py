"""The plain-Python trend of short series (`trend._small_trend`) equals the numpy path to the bit."""
from __future__ import annotations

import math
import random

import numpy as np

from logsense.detect import trend


def _general(y: np.ndarray, t: np.ndarray) -> trend.Trend:
    slope, intercept, _, _ = trend.stats.theilslopes(y, t)
    up, down = (p if math.isfinite(p) else 1.0 for p in trend.stats.kendall_sides(t, y))
    return trend.Trend(float(slope), float(intercept), up, down, int(y.size))


def test_small_trend_matches_general_path_on_random_short_series():
    rng = random.Random(7)
    compared = 0
    for _ in range(3000):
        n = rng.randint(trend.SMALL_MIN, trend.SMALL_MAX)
        y = np.array([round(rng.uniform(0.0, 3.0), rng.choice([1, 4, 8])) for _ in range(n)])
        start = rng.choice([0, 1, 928])
        t = np.arange(start, start + n, dtype=float)
        small = trend._small_trend(y.tolist(), t.tolist())
        if small is None:  # ties: the general path answers
            assert len(set(y.tolist())) < n
            continue
        compared += 1
        assert small == _general(y, t)
    assert compared > 2000


def test_small_trend_declines_ties_and_non_finite_values():
    assert trend._small_trend([1.0, 1.0, 0.5], [1.0, 2.0, 3.0]) is None
    assert trend._small_trend([1.0, math.nan, 0.5], [1.0, 2.0, 3.0]) is None
    falling = trend._small_trend([1.0, 0.7, 0.5], [1.0, 2.0, 3.0])
    assert falling is not None and falling.slope == -0.25 and falling.p_down < falling.p_up
