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

    def cost(self, s: np.ndarray, e: int, model: str) -> np.ndarray:
        """Residual sum of squares of segments ``[s, e)`` for an array of starts ``s``."""
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
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    last = np.zeros(n + 1, dtype=int)
    candidates = np.array([0])
    expires = np.array([n + 1])  # time from which a pruned candidate can no longer win
    for t in range(min_size, n + 1):
        if t - min_size >= min_size:  # a segment starting here becomes admissible
            candidates = np.append(candidates, t - min_size)
            expires = np.append(expires, n + 1)
        alive = expires > t
        candidates, expires = candidates[alive], expires[alive]
        adm = t - candidates >= min_size
        starts = candidates[adm]
        if starts.size == 0:
            continue
        total = best[starts] + sums.cost(starts, t, model)
        k = int(np.argmin(total))
        best[t] = total[k] + penalty
        last[t] = starts[k]
        # Prune: if F(s) + C(s, t) > F(t), a split at t beats s for every end T >= t + min_size
        # (RSS is superadditive); before that the split at t is not admissible, so s stays until then.
        beaten = total > best[t]
        exp_adm = expires[adm]
        exp_adm[beaten] = np.minimum(exp_adm[beaten], t + min_size)
        expires[adm] = exp_adm
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
