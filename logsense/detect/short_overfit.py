"""Overfitting on the logs people paste: a few epochs, an excerpt, or accuracy curves only.

`OverfittingDetector` wants four epochs after the parting point and significance
tests; a forum paste often shows five epochs in all, or epochs 12 and 95-100, or
only the accuracies moving. This fallback (run only when that detector found
nothing) reads the same picture with plain arithmetic, and asks for every part
of it at once so a noisy calm run does not qualify:

* loss: the validation loss rose in most epochs after its minimum, ends at
  least `MIN_RISE` above it, while the training loss fell at least
  `MIN_TRAIN_FALL` over the same epochs, and it ends above the training loss
  (a validation loss below training, as dropout makes it, is not overfitting);
* accuracy: the validation error ends at least `MIN_ERROR_RISE` (relative) and
  one point (absolute) above its best, every epoch after the best stays below
  it, while training accuracy held or rose to `MIN_TRAIN_ACC` and ends well above
  validation (a best validation epoch far above training is luck, not a parting point).

Confidence stays below the full detector's: few epochs carry less weight.
"""
from __future__ import annotations

import numpy as np

from ..findings import Finding
from ..log import Run
from ..metrics import train_val_pairs
from ..numeric import clip01, rfloat
from .base import RunDetector, epoch_int

#: Relative rise of the validation loss above its minimum, at the end.
MIN_RISE = 0.03
#: Validation over training loss at the parting epoch: a validation loss far below training there is
#: dropout's or noise's (saturated logits swing by x10), not two curves about to part.
MIN_PART_RATIO = 0.7
#: Relative fall of the training loss over the same epochs.
MIN_TRAIN_FALL = 0.05
#: Relative rise of the validation error rate (1 - accuracy) above its best.
MIN_ERROR_RISE = 0.3
#: Training accuracy above validation accuracy at the end, in accuracy points.
MIN_ACC_GAP = 0.03
#: Shown epochs above which the paste is no short log: OverfittingDetector alone judges it (this
#: fallback's arithmetic called 6 of 100 healthy synthetic runs of 49-146 epochs overfitting).
MAX_EPOCHS = 20
#: Training accuracy at the end: memorising drives it towards 1.
MIN_TRAIN_ACC = 0.9
#: Validation accuracy above training at the best epoch: more than this is a lucky epoch, not a parting point.
MAX_VAL_LEAD = 0.05
#: Epochs after the best validation epoch (`LONG_AFTER` once the paste shows `LONG_RUN` epochs: two late
#: epochs above the minimum of a long run are the noise of a converged run as often as a trend).
MIN_AFTER = 2
LONG_RUN = 8
LONG_AFTER = 3


class ShortOverfittingDetector(RunDetector):
    """Flag validation getting worse while training improves, on short or excerpted logs."""

    symptom = "overfitting"

    def _detect(self, run: Run) -> list[Finding]:
        ep = run.epoch_numbers()
        if ep.size > MAX_EPOCHS:
            return []  # a long run is the full detector's to judge, with its significance tests
        for train, val in train_val_pairs(run, "loss"):
            f = self._loss(run.series(train), run.series(val), ep, train, val)
            if f is not None:
                return [f]
        for train, val in train_val_pairs(run, "accuracy"):
            f = self._accuracy(run.series(train), run.series(val), ep, train, val)
            if f is not None:
                return [f]
        return []

    def _loss(self, t: np.ndarray, v: np.ndarray, ep: np.ndarray, train: str, val: str) -> Finding | None:
        ok = np.isfinite(t) & np.isfinite(v) & (t > 0) & (v > 0)
        t, v, ep = t[ok], v[ok], ep[ok]
        if v.size < MIN_AFTER + 1:
            return None
        i = int(np.argmin(v))
        after = v.size - 1 - i
        if after < _needed(v.size):
            return None
        rise = float(v[-1] / v[i] - 1.0)
        fall = float(1.0 - t[-1] / t[i])
        ups = int(np.sum(np.diff(v[i:]) > 0))
        if (rise < MIN_RISE or fall < MIN_TRAIN_FALL or 2 * ups < after or v[-2] <= v[i] or v[-1] <= t[-1]
                or v[i] < MIN_PART_RATIO * t[i]):
            return None
        conf = clip01(0.5 + 0.1 * min(after, 3) + min(rise, 0.3)) * 0.9
        return Finding(self.symptom, conf, metric=val, start_epoch=epoch_int(ep[i]), end_epoch=epoch_int(ep[-1]),
                       stats={"part_epoch": epoch_int(ep[i]), "val_rise": rfloat(rise), "train_fall": rfloat(fall),
                              "epochs_after": after, "short": True},
                       message=f"{val} lowest at epoch {epoch_int(ep[i])} ({v[i]:.4g}), {100 * rise:.0f}% higher "
                               f"{after} epochs later while {train} fell {100 * fall:.0f}%")

    def _accuracy(self, t: np.ndarray, v: np.ndarray, ep: np.ndarray, train: str, val: str) -> Finding | None:
        ok = np.isfinite(t) & np.isfinite(v) & (t >= 0) & (t <= 1) & (v >= 0) & (v <= 1)
        t, v, ep = t[ok], v[ok], ep[ok]
        if v.size < MIN_AFTER + 1:
            return None
        j = int(np.argmax(v))
        after = v.size - 1 - j
        if after < _needed(v.size):
            return None
        best_err, end_err = 1.0 - float(v[j]), 1.0 - float(v[-1])
        drop = float(v[j] - v[-1])
        rel = end_err / best_err - 1.0 if best_err > 0 else float("inf")
        if (drop < 0.01 or rel < MIN_ERROR_RISE or np.any(v[j + 1:] >= v[j]) or t[-1] < t[j]
                or t[-1] - v[-1] < MIN_ACC_GAP or t[-1] < MIN_TRAIN_ACC or v[j] > t[j] + MAX_VAL_LEAD):
            return None
        conf = clip01(0.5 + 0.1 * min(after, 3) + min(drop, 0.2)) * 0.9
        return Finding(self.symptom, conf, metric=val, start_epoch=epoch_int(ep[j]), end_epoch=epoch_int(ep[-1]),
                       stats={"part_epoch": epoch_int(ep[j]), "val_drop": rfloat(drop),
                              "train_end": rfloat(float(t[-1])), "epochs_after": after, "short": True},
                       message=f"{val} best at epoch {epoch_int(ep[j])} ({v[j]:.4f}), {drop:.4f} lower "
                               f"{after} epochs later while {train} reached {t[-1]:.4f}")


def _needed(n: int) -> int:
    """Epochs after the best one that a run of ``n`` epochs must show."""
    return LONG_AFTER if n >= LONG_RUN else MIN_AFTER
