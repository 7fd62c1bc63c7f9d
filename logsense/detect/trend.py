"""Robust trend statistics shared by the trend-based detectors (Theil-Sen slope + Kendall test)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import significance as stats
from .significance import median_filter


@dataclass(frozen=True)
class Trend:
    """A Theil-Sen line with the one-sided Kendall p-values for rising and falling."""

    slope: float
    intercept: float
    p_up: float
    p_down: float
    n: int

    def at(self, t: float) -> float:
        return self.intercept + self.slope * t


def theil_trend(y: np.ndarray, t: np.ndarray) -> Trend:
    """Theil-Sen slope of ``y`` against ``t`` with Kendall-tau p-values (1.0 when undefined).

    Several detectors ask for the trend of the same series (plateau, oscillation, overfitting, the
    improving check): it is computed once per series, by its bytes.
    """
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    return _trend_of(y.tobytes(), t.tobytes())


@lru_cache(maxsize=4096)
def _trend_of(y_bytes: bytes, t_bytes: bytes) -> Trend:
    return _theil_trend(np.frombuffer(y_bytes), np.frombuffer(t_bytes))


def _theil_trend(y: np.ndarray, t: np.ndarray) -> Trend:
    if SMALL_MIN <= y.size <= SMALL_MAX:
        small = _small_trend(y.tolist(), t.tolist())
        if small is not None:
            return small
    if y.size < 2 or np.ptp(t) == 0:
        return Trend(0.0, float(y.mean()) if y.size else 0.0, 1.0, 1.0, int(y.size))
    ts, ys = thin(t, y)
    slope, intercept, _, _ = stats.theilslopes(ys, ts)
    if y.size < 3 or np.ptp(y) == 0:
        return Trend(float(slope), float(intercept), 1.0, 1.0, int(y.size))
    with np.errstate(all="ignore"):
        up, down = (p if math.isfinite(p) else 1.0 for p in stats.kendall_sides(t, y))
    return Trend(float(slope), float(intercept), up, down, int(y.size))


#: Series this short (a sweep's three-epoch runs) take `_small_trend`: numpy's per-call overhead
#: there was most of the cost of a trend.
SMALL_MIN, SMALL_MAX = 3, 8


def _small_trend(y: list[float], t: list[float]) -> Trend | None:
    """`_theil_trend` of a short series in plain Python, to the last bit: the same pairwise slopes
    (``(y_i - y_j) / (t_i - t_j)`` for ``t_i > t_j``), the same medians, and the exact Kendall
    p-values from the discordant count. None (use the general path) unless every value is finite
    and neither the epochs nor the values have ties, the case where the exact test applies."""
    n = len(y)
    if not all(math.isfinite(v) for v in y) or not all(math.isfinite(v) for v in t):
        return None
    if len(set(y)) < n or len(set(t)) < n:
        return None
    slopes, discordant = [], 0
    for i in range(n):
        for j in range(n):
            if t[i] > t[j]:
                slopes.append((y[i] - y[j]) / (t[i] - t[j]))
                if y[i] < y[j]:
                    discordant += 1
    slopes.sort()
    slope = _median_sorted(slopes)
    intercept = float(_median_sorted(sorted(y)) - slope * _median_sorted(sorted(t)))
    up = stats._kendall_exact(n, discordant, "greater")
    down = stats._kendall_exact(n, discordant, "less")
    return Trend(float(slope), intercept, up if math.isfinite(up) else 1.0, down if math.isfinite(down) else 1.0, n)


def _median_sorted(v: list[float]) -> float:
    h = len(v) // 2
    return v[h] if len(v) % 2 else (v[h - 1] + v[h]) / 2.0


#: Theil-Sen looks at every pair of points; beyond this many points it uses an evenly spaced subset.
MAX_THEIL_POINTS = 400


def thin(t: np.ndarray, y: np.ndarray, limit: int = MAX_THEIL_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced subset of at most ``limit`` points (all of them when fewer).

    Keeps Theil-Sen's O(n^2) pairs affordable on logs of thousands of epochs; the slope
    stays consistent, its interval widens a little (conservative).
    """
    if t.size <= limit:
        return t, y
    idx = np.unique(np.linspace(0, t.size - 1, limit).round().astype(int))
    return t[idx], y[idx]


def running_median(y: np.ndarray, width: int) -> np.ndarray:
    """Centred running median (edges use the nearest values): a trend that ignores zig-zags."""
    if y.size == 0:
        return y
    return median_filter(y, size=min(width, y.size), mode="nearest")


def rising_tail(y: np.ndarray) -> int:
    """How many of the last values each rose above the one before (0 when the last one did not).

    Example:
        >>> rising_tail(np.array([1.0, 0.5, 0.6, 0.7]))
        2
    """
    rises = 0
    while rises + 1 < y.size and y[-1 - rises] > y[-2 - rises]:
        rises += 1
    return rises
