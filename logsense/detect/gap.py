"""Train/validation gap: the training loss stays above the validation loss.

Normally training loss is the lower one. When it is persistently higher while
validation is not deteriorating, something is added to (or done to) training
only: a regularisation penalty included in the reported loss, dropout, or
augmentation. The test is a one-sample t-test of log(train/val) against
log(``min_ratio``), so a consistent 200x gap over two epochs is as convincing as
a consistent 1.3x gap over many. Validation is taken at mid-epoch (see
`mid_epoch`), because the printed training loss is an average over the epoch. "Not deteriorating" excludes validation rising
significantly and either faster than training or by more than half (then
divergence or overfitting explain the picture); a gap that closes because training catches up still counts.
"""
from __future__ import annotations

import math

import numpy as np

from ..findings import Finding
from ..log import Run
from ..metrics import train_val_pairs
from ..numeric import clip01, rfloat
from . import significance as stats
from .base import RunDetector, epoch_int, p_value
from .trend import theil_trend


class TrainValGapDetector(RunDetector):
    """Flag training loss persistently above validation loss.

    Args:
        min_ratio: median train/val ratio that counts as a gap.
        min_share: share of epochs in which train must exceed val.
        alpha: significance level of the t-test on log ratios.
        max_relative_drift: how much faster (in log units over the run) validation may
            rise than training before the gap is blamed on validation getting worse.
        max_val_rise: relative rise of validation over the run beyond which it is not
            "flat or improving" however training moves (both diverging).
    """

    symptom = "train_val_gap"

    def __init__(self, min_ratio: float = 1.2, min_share: float = 0.75, alpha: float = 0.05,
                 max_relative_drift: float = 0.1, max_val_rise: float = 0.5) -> None:
        super().__init__()
        self.max_val_rise = max_val_rise
        self.min_ratio = min_ratio
        self.min_share = min_share
        self.alpha = alpha
        self.max_relative_drift = max_relative_drift

    def _detect(self, run: Run) -> list[Finding]:
        out: list[Finding] = []
        ep_all = run.epoch_numbers()
        for train, val in train_val_pairs(run, "loss"):
            tr, va = run.series(train), run.series(val)
            ok = np.isfinite(tr) & np.isfinite(va) & (tr > 0) & (va > 0)
            tr, va, ep = tr[ok], va[ok], ep_all[ok]
            if tr.size < 2:
                continue
            va_mid = mid_epoch(va)
            lr = np.log(tr / va_mid)
            ratio = float(np.exp(stats.median(lr)))
            share = float(np.mean(tr > va_mid))
            if ratio < self.min_ratio or share < self.min_share:
                continue
            if tr.size >= 3:
                span = float(ep[-1] - ep[0])
                val_trend = theil_trend(np.log(va), ep)
                drift = (val_trend.slope - theil_trend(np.log(tr), ep).slope) * span
                val_rise = math.expm1(val_trend.slope * span)
                if val_trend.p_up < self.alpha and (drift > self.max_relative_drift or val_rise > self.max_val_rise):
                    continue  # validation is getting worse: faster than training, or by a lot
            p = _t_greater(lr, math.log(self.min_ratio))
            if p >= self.alpha:
                continue
            st = {"ratio": rfloat(ratio, 5), "gap": rfloat(stats.median(tr - va)),
                  "first_gap": rfloat(float(tr[0] - va[0])),
                  "raw_ratio": rfloat(float(np.exp(stats.median(np.log(tr / va)))), 5), "share_above": rfloat(share, 3),
                  "p_value": rfloat(p, 3), "n_epochs": int(tr.size)}
            msg = (f"{train} above {val} in {share:.0%} of epochs: median ratio {ratio:.3g}x, "
                   f"median gap {st['gap']:.4g} (first epoch {st['first_gap']:.4g}), p={p:.2g}")
            out.append(Finding(symptom=self.symptom, metric=train, start_epoch=epoch_int(ep[0]),
                               end_epoch=epoch_int(ep[-1]), confidence=clip01(1.0 - p), stats=st, message=msg))
        return out


def mid_epoch(val: np.ndarray) -> np.ndarray:
    """Validation loss half an epoch earlier, by geometric interpolation between epochs.

    Keras prints the training loss as the mean over the epoch, the validation loss
    at its end. While the loss falls, the mean lags by about half an epoch, so a
    healthy run shows train above val; comparing with val at mid-epoch removes
    that. The first epoch is extrapolated from the first two.
    """
    if val.size < 2:
        return val.copy()
    logv = np.log(val)
    mid = np.empty_like(logv)
    mid[1:] = 0.5 * (logv[1:] + logv[:-1])
    mid[0] = logv[0] + 0.5 * (logv[0] - logv[1])
    return np.exp(mid)


def _t_greater(x: np.ndarray, mu: float) -> float:
    """One-sided one-sample t-test p-value for mean(x) > mu; identical values give 0 or 1."""
    if np.ptp(x) == 0:
        return 0.0 if x[0] > mu else 1.0
    return p_value(stats.ttest_1samp, x, mu, alternative="greater")
