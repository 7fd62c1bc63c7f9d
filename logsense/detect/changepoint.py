"""Penalised changepoint search (PELT) with a piecewise-linear or piecewise-constant cost, on numpy.

PELT (Killick, Fearnhead & Eckley 2012) finds the segmentation minimising
``sum(cost(segment)) + penalty * n_changes`` exactly, pruning candidates that can
never again be optimal, so it stays near-linear in practice. The cost here is
the residual sum of squares of a least-squares line (``"linear"``) or mean
(``"mean"``) per segment, evaluated in O(1) from prefix sums, so each step is a
vectorised numpy expression over the surviving candidates.

Training curves trend (losses decay), so a mean-shift model would cut every
decay into steps; a line per segment absorbs the trend and leaves genuine
discontinuities for the caller to classify.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


class PrefixSums:
    """Cumulative sums that give a segment's least-squares residual in O(1)."""

    def __init__(self, y: np.ndarray) -> None:
        t = np.arange(y.size, dtype=float)
        z = np.zeros(1)
        self.n = np.arange(y.size + 1, dtype=float)
        self.st = np.concatenate([z, np.cumsum(t)])
        self.stt = np.concatenate([z, np.cumsum(t * t)])
        self.sy = np.concatenate([z, np.cumsum(y)])
        self.syy = np.concatenate([z, np.cumsum(y * y)])
        self.sty = np.concatenate([z, np.cumsum(t * y)])

    def cost(self, s: np.ndarray, e: int | np.ndarray, model: str) -> np.ndarray:
        """Residual sum of squares of segments ``[s, e)`` for an array of starts ``s`` (``e`` may be an
        array that broadcasts against ``s``: every segment's cost at once)."""
        n = self.n[e] - self.n[s]
        sy = self.sy[e] - self.sy[s]
        syy = self.syy[e] - self.syy[s]
        rss = syy - sy * sy / n
        if model == "linear":
            st = self.st[e] - self.st[s]
            stt = self.stt[e] - self.stt[s]
            sty = self.sty[e] - self.sty[s]
            vtt = stt - st * st / n
            cov = sty - st * sy / n
            with np.errstate(divide="ignore", invalid="ignore"):
                rss = rss - np.where(vtt > 0, cov * cov / vtt, 0.0)
        return np.maximum(rss, 0.0)


#: Longest series whose segment costs are tabulated before the search ((n + 1)^2 floats).
TABLE_LIMIT = 512


def pelt(signal: ArrayLike, penalty: float, *, model: str = "linear", min_size: int = 2) -> list[int]:
    """Optimal segmentation of a 1-D signal under a linear penalty.

    Args:
        signal: the values (finite).
        penalty: cost of one extra changepoint, in the units of the squared signal
            (e.g. ``bic_penalty(n, sigma)``).
        model: ``"linear"`` (a line per segment) or ``"mean"`` (a constant).
        min_size: shortest allowed segment.

    Returns:
        Sorted changepoints: the index where each new segment starts (0 and n excluded).
    """
    y = np.asarray(signal, dtype=float).ravel()
    n = y.size
    if model not in ("linear", "mean"):
        raise ValueError(f"unknown cost model {model!r}")
    if n < 2 * min_size:
        return []
    sums = PrefixSums(y)
    # A short series (most training curves) has all its segment costs computed in one vectorised
    # expression up front, so each step of the search is a few list lookups rather than a dozen
    # numpy calls on arrays of a handful of candidates. Longer series compute each step's costs
    # as they go (the table would take (n + 1)^2 floats).
    if n <= TABLE_LIMIT:
        idx = np.arange(n + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            by_end = sums.cost(idx[None, :], idx[:, None], model).tolist()  # by_end[e][s]

        def costs(starts: list[int], t: int) -> list[float]:
            row = by_end[t]
            return [row[s] for s in starts]
    else:
        def costs(starts: list[int], t: int) -> list[float]:
            return sums.cost(np.array(starts), t, model).tolist()

    best = [math.inf] * (n + 1)
    best[0] = -penalty
    last = [0] * (n + 1)
    candidates = [0]
    expires = {0: n + 1}  # time from which a pruned candidate can no longer win
    for t in range(min_size, n + 1):
        if t - min_size >= min_size:  # a segment starting here becomes admissible
            candidates.append(t - min_size)
            expires[t - min_size] = n + 1
        candidates = [c for c in candidates if expires[c] > t]
        starts = [c for c in candidates if t - c >= min_size]
        if not starts:
            continue
        totals = [best[c] + cost for c, cost in zip(starts, costs(starts, t))]
        k = min(range(len(totals)), key=totals.__getitem__)
        best[t] = totals[k] + penalty
        last[t] = starts[k]
        # Prune: if F(s) + C(s, t) > F(t), a split at t beats s for every end T >= t + min_size
        # (RSS is superadditive); before that the split at t is not admissible, so s stays until then.
        for c, total in zip(starts, totals):
            if total > best[t]:
                expires[c] = min(expires[c], t + min_size)
    cps: list[int] = []
    t = n
    while t > 0:
        s = int(last[t])
        if s > 0:
            cps.append(s)
        t = s
    return sorted(cps)


def bic_penalty(n: int, sigma: float, params_per_change: float = 3) -> float:
    """BIC penalty for a Gaussian model with known noise: ``k * sigma^2 * ln n``.

    Each new linear segment costs an intercept, a slope and a location (k = 3).
    """
    return params_per_change * sigma * sigma * math.log(max(n, 2))


def line_fit(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares (intercept at t=0, slope); a single point gives a flat line."""
    if y.size == 1:
        return float(y[0]), 0.0
    slope, intercept = np.polyfit(t, y, 1)
    return float(intercept), float(slope)
