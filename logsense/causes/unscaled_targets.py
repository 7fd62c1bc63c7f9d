"""Regression targets in raw units: the squared error is huge, and with it the gradient.

An MSE of 1e4-1e10 that is not growing (a diverging loss reaches any level) is a typical error of 1e2-1e5 target units: prices in
dollars, counts, raw sensor readings. That alone is no bug (the loss is in the
targets' units), but it makes the gradient scale with the targets, so a
learning rate tuned for O(1) targets overshoots at once (NaN in the first
epoch with SGD), and Adam's steps of about lr per update need ~target/lr
updates to reach the scale: a loss that falls for thousands of epochs.

No replay: the targets are not in the paste. The evidence is the printed loss
level (and what the post says about the targets); the fix gives the numbers.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..context.setup import loss_function
from ..detect import significance as stats
from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric, main_loss
from ..numeric import fmt, number
from .base import Cause, RunCause

#: Losses in targets' units (squared or absolute).
REGRESSION = ("mse", "mae", "msle", "huber", "logcosh", "mape")
#: Printed squared-error level that means raw-unit targets.
HUGE_MSE = 1e4
#: Printed absolute-error level that means raw-unit targets.
HUGE_MAE = 1e2


class UnscaledTargets(RunCause):
    id = "unscaled_targets"
    explains = ("nan", "loss_out_of_range", "divergence", "jump", "plateau")

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        fn = loss_function(context) or ""
        if fn and not any(fn.startswith(r) for r in REGRESSION):
            return None
        name = main_loss(run)
        if name is None:
            return None
        y = run.series(name)
        finite = y[np.isfinite(y)]
        said = context.get("targets_unscaled") is True
        nan = next((f for f in findings if f.symptom == "nan"), None)
        evidence: list[str] = []
        weights: list[float] = []
        bound = HUGE_MAE if fn in ("mae", "mape") else HUGE_MSE
        growing = any(f.symptom == "divergence" for f in findings) or (finite.size >= 2 and finite[-1] > finite[0])
        # A loss that grows to 1e4 is diverging, whatever the targets: the level must be there from the start.
        if (finite.size and not growing and stats.median(np.abs(finite)) >= bound
                and (fn or not accuracy_metric(run))):
            level = stats.median(np.abs(finite))
            unit = math.sqrt(level) if fn not in ("mae", "mape") else level
            evidence.append(f"{name} is {fmt(level, 3)} (median of {finite.size} epochs) with loss "
                            f"'{fn or 'unstated, no accuracy printed'}': a typical error of ~{fmt(unit, 3)} target "
                            f"units, so the targets are in raw units")
            weights.append(0.6 if fn else 0.4)
        if said:
            evidence.append("the post says the targets are left unscaled (raw units)")
            weights.append(0.25 if weights else 0.5)
        if nan is not None and said:
            lr = number(context.get("lr"))
            evidence.append(f"{nan.metric} is NaN from epoch {nan.start_epoch}: the gradient scales with the targets"
                            + (f", so lr {fmt(lr)} tuned for O(1) targets overshoots at once" if lr else ""))
            weights.append(0.2)
        if not weights:
            return None
        fix = ("standardise the targets (y_s = (y - y.mean()) / y.std(), predict and multiply back by y.std()) or "
               "divide them by a round scale (prices / 1e5); or train on log targets (loss='msle'); then lr 1e-3 "
               "with Adam trains in tens of epochs")
        prior = 1.0 - float(np.prod([1.0 - w for w in weights]))
        return self.cause(prior, [run.index], evidence, fix, None, ["nan"] if nan is not None else [])
