"""Learning-rate-scaled loss: two runs of one paste whose losses differ by a constant factor.

If the loss level scales with the learning rate while accuracy does not change,
the loss is not measuring what the model's predictions do: it is dominated by
something proportional to the weights' size, such as cross-entropy computed on
unbounded logits in the perceptron regime, where the weights (and the margin of
misclassified samples) grow linearly with the learning rate. Evidence: the
per-epoch log ratio of the two loss curves is nearly constant, its level matches
log(lr ratio) when both learning rates are known, and the accuracies agree.
"Nearly constant" is judged by a robust spread (scaled MAD from five epochs on):
in the perceptron regime one run can reach its last epochs in a different phase
than the other (tf.keras on unscaled images: ratios 2.90, 3.04, 2.96, 3.08, 3.34
then 4.69), and one such epoch should not hide five steady ones.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..context.setup import learning_rate
from ..findings import Finding
from ..log import Log, Run
from ..metrics import accuracy_metric, main_loss
from ..numeric import clip01, rfloat
from . import significance as stats
from .base import LogDetector, p_value


class LrScaledLossDetector(LogDetector):
    """Compare every pair of runs in a log.

    Args:
        min_ratio: smallest loss ratio (either way) worth reporting.
        lr_tolerance: how close (as a factor) the loss ratio must be to the lr ratio.
        max_spread: largest (robust) spread of the per-epoch log ratio for "constant multiple".
        max_acc_diff: largest median accuracy difference for "accuracy matches".
        max_gap: each run is compared with at most this many runs after it. Runs of one
            experiment sit next to each other in a paste, and a capture of thousands of
            runs must not cost a number of comparisons that grows with its square.
    """

    symptom = "lr_scaled_loss"

    def __init__(self, min_ratio: float = 1.5, lr_tolerance: float = 1.25, max_spread: float = 0.15,
                 max_acc_diff: float = 0.02, max_gap: int = 16) -> None:
        super().__init__()
        self.min_ratio = min_ratio
        self.lr_tolerance = lr_tolerance
        self.max_spread = max_spread
        self.max_acc_diff = max_acc_diff
        self.max_gap = max_gap

    def _detect(self, log: Log) -> list[Finding]:
        out: list[Finding] = []
        # Each run's loss curve is read once, not once per pair.
        losses = [main_loss(run) for run in log.runs]
        curves = [_Curve.of(run, loss) if loss is not None else None for run, loss in zip(log.runs, losses)]
        usable = [i for i, curve in enumerate(curves) if curve is not None and curve.epochs.size >= 2]
        self._accuracies: dict[int, tuple[str | None, dict[Any, float]]] = {}
        rates = [learning_rate(run.context or {}) for run in log.runs]
        worth = self._screen(log, usable, curves, [r if r else math.nan for r in rates])  # type: ignore[arg-type]
        for k, i in enumerate(usable):
            for j in usable[k + 1:k + 1 + self.max_gap]:
                if losses[i] != losses[j] or (i, j) not in worth:
                    continue
                f = self._pair(log.runs[i], log.runs[j], losses[i], curves[i], curves[j])  # type: ignore[arg-type]
                if f is not None:
                    out.append(f)
        return out

    def _pair(self, a: Run, b: Run, la: str, ca: _Curve, cb: _Curve) -> Finding | None:
        common, r = ca.log_ratios(cb)
        if r.size < 2:
            return None
        loss_ratio = math.exp(stats.median(r))
        if abs(math.log(loss_ratio)) < math.log(self.min_ratio):
            return None
        spread = robust_spread(r)
        lr_a, lr_b = learning_rate(a.context or {}), learning_rate(b.context or {})
        lr_ratio = lr_b / lr_a if lr_a and lr_b else None
        lr_match = (lr_ratio is not None and abs(math.log(lr_ratio)) >= math.log(self.min_ratio)
                    and abs(math.log(loss_ratio / lr_ratio)) <= math.log(self.lr_tolerance))
        if not lr_match and spread > self.max_spread:
            return None  # neither reading can hold, whatever the accuracies say
        first_ratio = math.exp(float(r[0]))
        acc_diff = _acc_diff(self._accuracy(a), self._accuracy(b), common)
        acc_ok = acc_diff is not None and acc_diff <= self.max_acc_diff
        by_lr = lr_match and (acc_diff is None or acc_ok)
        by_shape = spread <= self.max_spread and acc_ok
        if not (by_lr or by_shape):
            return None
        # How sure: the levels really differ (t-test on the log ratios), the multiple is
        # steady, and (when known) it matches the learning-rate ratio.
        p = p_value(stats.ttest_1samp, r, 0.0, default=0.0)  # identical ratios: no doubt about the level
        conf = (1.0 - p) * math.exp(-(spread / self.max_spread) ** 2 / 2)
        if by_lr:
            conf = max(conf, 1.0 - abs(math.log(loss_ratio / lr_ratio)) / math.log(self.lr_tolerance) / 2)
        st: dict[str, Any] = {"runs": [a.index, b.index], "loss_ratio": rfloat(loss_ratio, 5),
                              "lr_ratio": rfloat(lr_ratio, 5) if lr_ratio is not None else None,
                              "acc_diff": rfloat(acc_diff, 4) if acc_diff is not None else None,
                              "first_epoch_ratio": rfloat(first_ratio, 5), "log_ratio_spread": rfloat(spread, 4),
                              "n_epochs": int(r.size), "matched_by": "lr" if by_lr else "shape"}
        msg = (f"{la} of run {b.index} is {loss_ratio:.3g}x run {a.index} (first epoch {first_ratio:.4g}x, "
               f"log-ratio spread {spread:.2g})")
        if lr_ratio is not None:
            msg += f"; learning rates {lr_b:g}/{lr_a:g} = {lr_ratio:.3g}x"
        if acc_diff is not None:
            msg += f"; accuracy differs by {acc_diff:.3g}"
        return Finding(symptom=self.symptom, metric=la, start_epoch=None, end_epoch=None, confidence=clip01(conf),
                       stats=st, runs=[a.index, b.index], source="cross_run", message=msg)


    def _screen(self, log: Log, usable: list[int], curves: list[_Curve],
                rates: list[float]) -> set[tuple[int, int]]:
        """The pairs `_pair` may accept, found for all pairs at once (a log of thousands of runs).

        Runs are laid out as rows of a matrix padded with NaN; each offset between runs is one
        vectorised comparison. The screen is conservative: it drops a pair only when its loss ratio
        is too small, or when neither reading can hold (a steady multiple with matching accuracies,
        or a multiple matching the learning rates' ratio), with a margin for rounding, and keeps
        every pair whose epochs do not line up by position for the exact test.
        """
        if len(usable) < 2:
            return set()
        width = max(curves[i].epochs.size for i in usable)
        epochs = np.full((len(usable), width), np.nan)
        values = np.full((len(usable), width), np.nan)
        accs = np.full((len(usable), width), np.nan)
        names: dict[str | None, int] = {None: -1}
        acc_name = np.empty(len(usable), dtype=int)
        for row, i in enumerate(usable):
            epochs[row, :curves[i].epochs.size] = curves[i].epochs
            values[row, :curves[i].values.size] = curves[i].values
            metric, by_epoch = self._accuracy(log.runs[i])
            acc_name[row] = names.setdefault(metric, len(names))
            accs[row, :curves[i].epochs.size] = [by_epoch.get(e, math.nan) for e in curves[i].epochs.tolist()]
        log_lr = np.log(np.array([rates[i] for i in usable], dtype=float))
        keep: set[tuple[int, int]] = set()
        margin = 1e-9
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: rejected below
            for gap in range(1, min(self.max_gap, len(usable) - 1) + 1):
                ea, eb = epochs[:-gap], epochs[gap:]
                aligned = np.all((ea == eb) | np.isnan(ea) | np.isnan(eb), axis=1)
                r = np.log(values[gap:] / values[:-gap])
                r[~np.isfinite(r)] = np.nan
                count = np.sum(np.isfinite(r), axis=1)
                level = stats.nanmedian_rows(r)
                mad = 1.4826 * stats.nanmedian_rows(np.abs(r - level[:, None]))
                std = np.nanstd(r, axis=1, ddof=1)
                spread = np.where(count >= 5, mad, std)
                lr_ratio = log_lr[gap:] - log_lr[:-gap]
                by_lr = np.isfinite(lr_ratio) & ~(np.abs(lr_ratio) < math.log(self.min_ratio) - margin) & ~(
                    np.abs(level - lr_ratio) > math.log(self.lr_tolerance) + margin)
                acc_diff = stats.nanmedian_rows(np.abs(accs[gap:] - accs[:-gap]))
                same_acc = (acc_name[gap:] == acc_name[:-gap]) & (acc_name[gap:] >= 0)
                by_shape = ~(spread > self.max_spread + margin) & same_acc & np.isfinite(acc_diff) & ~(
                    acc_diff > self.max_acc_diff + margin)
                steady = by_shape | by_lr
                maybe = (count >= 2) & ~(np.abs(level) < math.log(self.min_ratio) - margin) & steady
                for row in np.flatnonzero(maybe | ~aligned).tolist():
                    keep.add((usable[row], usable[row + gap]))
        return keep

    def _accuracy(self, run: Run) -> tuple[str | None, dict[Any, float]]:
        """A run's accuracy metric and its values by epoch, read once however many pairs it is in."""
        if run.index not in self._accuracies:
            metric = accuracy_metric(run)
            self._accuracies[run.index] = (metric, _by_epoch(run, metric) if metric is not None else {})
        return self._accuracies[run.index]


def robust_spread(r: np.ndarray) -> float:
    """The spread of the log ratios: 1.4826 x MAD from five values on (one stray epoch does not
    dominate it), the sample standard deviation below that (a median of fewer is not robust)."""
    if r.size >= 5:
        return 1.4826 * stats.median_abs_deviation(r)
    return float(np.std(r, ddof=1))


class _Curve:
    """One run's loss per epoch: sorted epoch numbers and their finite values, NaN where not positive."""

    __slots__ = ("epochs", "values")

    def __init__(self, epochs: np.ndarray, values: np.ndarray) -> None:
        self.epochs, self.values = epochs, values

    @classmethod
    def of(cls, run: Run, metric: str) -> _Curve:
        curve = _by_epoch(run, metric)
        order = sorted(curve)
        values = np.array([curve[e] for e in order], dtype=float)
        return cls(np.array(order, dtype=float), np.where(values > 0, values, np.nan))

    def log_ratios(self, other: _Curve) -> tuple[np.ndarray, np.ndarray]:
        """The epochs both runs printed, and log(other / self) at those where both losses are positive."""
        n = min(self.epochs.size, other.epochs.size)
        if np.array_equal(self.epochs[:n], other.epochs[:n]):  # the usual case: both count 1, 2, ...
            common, ia, ib = self.epochs[:n], slice(0, n), slice(0, n)
        else:
            common, ia, ib = np.intersect1d(self.epochs, other.epochs, assume_unique=True, return_indices=True)
        ratio = other.values[ib] / self.values[ia]
        return common, np.log(ratio[np.isfinite(ratio)])


def _by_epoch(run: Run, metric: str) -> dict[Any, float]:
    out: dict[Any, float] = {}
    for i, r in enumerate(run.epoch_records):
        try:
            v = float(r.get(metric))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if math.isfinite(v):
            out[r.get("epoch", i)] = v
    return out


def _acc_diff(a: tuple[str | None, dict[Any, float]], b: tuple[str | None, dict[Any, float]],
              common: np.ndarray) -> float | None:
    """Median absolute difference of two runs' accuracies (same metric) over their common epochs."""
    (ma, xa), (mb, xb) = a, b
    if ma is None or ma != mb:
        return None
    d = [abs(xa[e] - xb[e]) for e in common.tolist() if e in xa and e in xb]
    return stats.median(d) if d else None
