"""The detector interface and the small statistics every detector shares.

Shaped like ruptures' estimators: the constructor takes configuration, ``fit``
takes data, and the result is read with ``findings()``. Three kinds of data:
one metric series (`SeriesDetector`), a whole `Run` (`RunDetector`, for
detectors that compare metrics) and a whole `Log` (`LogDetector`, for effects
between runs or in pasted predictions).
"""
from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..findings import Finding
from ..log import Log, Run
from . import significance as stats

#: Gaussian consistency constant: 1.4826 * MAD estimates the standard deviation.
MAD_TO_SIGMA = 1.482602218505602


class Detector(ABC):
    """Base of every detector: ``fit`` stores findings, ``findings`` returns them."""

    #: The contract's symptom id this detector reports.
    symptom: str = ""

    def __init__(self) -> None:
        self._findings: list[Finding] | None = None

    def findings(self) -> list[Finding]:
        """What the last ``fit`` found (empty list when nothing)."""
        if self._findings is None:
            raise RuntimeError(f"{type(self).__name__}.fit() must be called before findings()")
        return list(self._findings)


class SeriesDetector(Detector):
    """A detector that looks at one metric series on its own."""

    def fit(self, values: ArrayLike, epochs: ArrayLike | None = None, *, metric: str = "loss",
            run: int | None = None) -> SeriesDetector:
        """Args:
            values: the metric per epoch (non-finite values allowed).
            epochs: epoch numbers as printed (default 1..n).
            metric: the metric's name, copied into the findings.
            run: the run index, copied into the findings.
        """
        y = np.asarray(values, dtype=float).ravel()
        ep = np.arange(1, y.size + 1, dtype=float) if epochs is None else np.asarray(epochs, dtype=float).ravel()
        if ep.size != y.size:
            raise ValueError(f"{y.size} values but {ep.size} epoch numbers")
        found = self._detect(y, ep, metric)
        for f in found:
            f.run = run
        self._findings = found
        return self

    @abstractmethod
    def _detect(self, y: np.ndarray, epochs: np.ndarray, metric: str) -> list[Finding]:
        ...


class RunDetector(Detector):
    """A detector that needs several metrics of one run (train against validation, loss against accuracy)."""

    def fit(self, run: Run) -> RunDetector:
        found = self._detect(run)
        for f in found:
            f.run = run.index
        self._findings = found
        return self

    @abstractmethod
    def _detect(self, run: Run) -> list[Finding]:
        ...


class LogDetector(Detector):
    """A detector that needs the whole log: several runs, or pasted predictions."""

    def fit(self, log: Log) -> LogDetector:
        self._findings = self._detect(log)
        return self

    @abstractmethod
    def _detect(self, log: Log) -> list[Finding]:
        ...


# --- shared statistics -------------------------------------------------------------------------

def noise_sigma(y: ArrayLike) -> float:
    """Robust noise level of a series: MAD of first differences / sqrt(2).

    Differencing removes a slowly varying trend, the MAD ignores the few large
    steps a jump or a spike makes, and a difference of two independent errors
    has sqrt(2) times their spread. Returns 0.0 for fewer than three points.
    """
    v = np.asarray(y, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 3:
        return 0.0
    d = np.diff(v)
    mad = stats.median_abs_deviation(d)
    return MAD_TO_SIGMA * mad / math.sqrt(2.0)


def curve_noise(y: ArrayLike) -> float:
    """Noise level of a curve whose slope keeps changing: the smaller of `noise_sigma` and the MAD of
    second differences / sqrt(6) (0.0 for fewer than four points).

    Under a schedule that bends the curve every few epochs (warm restarts, a cosine), first
    differences spread with the slope itself, not only with the noise: a steep fall after each
    restart and a flat end of each cycle. Second differences remove any locally straight trend
    and have sqrt(6) times the spread of independent errors; where the curve is straight both
    estimates measure the same noise, where it bends the second is the one the trend spoils less.
    """
    v = np.asarray(y, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 4:
        return noise_sigma(v)
    d2 = np.diff(v, 2)
    return min(noise_sigma(v), MAD_TO_SIGMA * stats.median_abs_deviation(d2) / math.sqrt(6.0))


def level_noise(y: ArrayLike, window: int = 9, breaks: Sequence[int] = (),
                base: float | None = None) -> float:
    """Robust noise level of a series whose errors may be autocorrelated: the MAD of its
    residuals about a running median, never below `noise_sigma`.

    Epoch values are averages over many batches and their errors drift together (AR(1)-like,
    lag-1 correlation phi up to 0.95): first differences then see only sqrt(1 - phi) of the
    spread, and a wander of two sigmas looks like a step of nine. A running median follows the
    trend and keeps a genuine step sharp (it is edge-preserving), so the residuals about it hold
    the drift a shift must clear, while the MAD ignores heavy-tailed single-epoch spikes.
    ``breaks``: positions of steps known beforehand (warm restarts, milestones), where a running
    median would smear the step into the residuals; each piece between them is filtered alone.
    ``base``: the floor instead of `noise_sigma` (e.g. `curve_noise`).
    """
    v = np.asarray(y, dtype=float)
    v = v[np.isfinite(v)]
    base = noise_sigma(v) if base is None else base
    if v.size < 7:
        return base
    w = min(window, (v.size // 3) | 1)
    from .significance import median_filter  # scipy.ndimage's, without its imports

    if breaks:  # known steps (abrupt changes of the printed rate): each piece about its own median
        cuts = sorted({int(b) for b in breaks if 0 < b < v.size})
        pieces = [v[lo:hi] for lo, hi in zip([0, *cuts], [*cuts, v.size]) if hi - lo >= 5]
        if not pieces:
            return base
        r = np.concatenate([p - median_filter(p, size=min(w, (p.size // 3) | 1), mode="nearest") for p in pieces])
    else:
        r = v - median_filter(v, size=w, mode="nearest")
    return max(base, MAD_TO_SIGMA * stats.median_abs_deviation(r))


def epoch_int(e: float) -> int:
    """Epoch numbers are stored as floats in arrays; findings carry them as printed integers."""
    return round(float(e))


def p_value(test: Callable[..., Any], *args: Any, default: float = 1.0, **kwargs: Any) -> float:
    """Run a scipy.stats test and return its p-value; ``default`` when it is undefined.

    Near-constant samples make scipy warn about precision and return NaN: for a
    detector that is "no evidence either way", not an error worth a traceback.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            p = float(test(*args, **kwargs).pvalue)
        except (ValueError, FloatingPointError):
            return default
    return p if math.isfinite(p) else default
