"""Metrics outside the range they are defined on: an accuracy of 4.96, an IoU of 1.16.

An accuracy, precision, recall, IoU, Dice or F1 score is a share of samples or
of pixels: it lies in [0, 1] whatever the model does. A printed value past 1
(or below 0) means the metric is fed something it was not written for: labels
of the wrong shape or dtype (sparse labels where one-hot were expected,
masks in 0..255), class weights multiplied into a score, a custom metric
without clipping. `LossRangeDetector` judges the loss; this fallback judges the
bounded metrics beside it and reports the same symptom.
"""
from __future__ import annotations

import re

import numpy as np

from ..findings import Finding
from ..log import Run
from ..numeric import rfloat
from .base import RunDetector, epoch_int

#: Metric names that are shares, bounded by [0, 1].
BOUNDED = re.compile(r"(?:^|_)(?:acc|accuracy|precision|recall|iou|iou_score|mean_io_u|dice|dice_coef|f1|f1_score|"
                     r"auc|jaccard)(?:_\d+)?$", re.IGNORECASE)
#: A printed share this far past 1 is not rounding.
SLACK = 1e-3


class ImpossibleMetricDetector(RunDetector):
    """Flag accuracy-like metrics outside [0, 1]."""

    symptom = "loss_out_of_range"

    def _detect(self, run: Run) -> list[Finding]:
        ep = run.epoch_numbers()
        for name in run.metrics:
            if not BOUNDED.search(name):
                continue
            y = run.series(name)
            bad = np.flatnonzero(np.isfinite(y) & ((y > 1.0 + SLACK) | (y < -SLACK)))
            if bad.size == 0:
                continue
            i = int(bad[0])
            value = float(y[i])
            worst = float(y[bad[np.argmax(np.abs(y[bad] - 0.5))]])
            return [Finding(self.symptom, 0.95, metric=name, start_epoch=epoch_int(ep[i]),
                            end_epoch=epoch_int(ep[int(bad[-1])]),
                            stats={"value": rfloat(value), "bound": 1.0 if value > 1 else 0.0,
                                   "reason": "metric_out_of_range", "loss_fn": None, "worst": rfloat(worst),
                                   "n_epochs": int(bad.size)},
                            message=f"{name} is {value:.4g} at epoch {epoch_int(ep[i])}: a share cannot leave [0, 1]")]
        return []
