"""An accuracy printed for a regression: a number that measures nothing the loss optimises.

With ``loss='mse'`` (or another regression loss) and ``metrics=['accuracy']``,
Keras picks an accuracy by the output's shape (binary accuracy for one output:
predictions rounded at 0.5 against the targets; categorical: argmax). For
real-valued targets that is an exact-match count: near 0 whatever the fit, or
near 1 when the targets happen to round alike. It neither confirms nor refutes
training; the loss does.

No replay: there is nothing to simulate, the set-up states the mismatch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..context.setup import loss_function
from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric
from ..numeric import fmt
from .base import Cause, RunCause

REGRESSION = ("mse", "mae", "msle", "huber", "logcosh", "mape")


class AccuracyOnRegression(RunCause):
    id = "accuracy_on_regression"
    explains = ("plateau",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        fn = loss_function(context) or ""
        acc = accuracy_metric(run)
        if not acc or not any(fn.startswith(r) for r in REGRESSION):
            return None
        y = run.series(acc)
        y = y[np.isfinite(y)]
        if y.size == 0:
            return None
        evidence = [(f"loss '{fn}' is a regression loss, yet the log prints {acc} ({fmt(float(y[0]), 4)} -> "
                    f"{fmt(float(y[-1]), 4)}): Keras counts exact matches of rounded predictions, which says "
                    f"nothing about a real-valued fit")]
        prior = 0.65
        if float(np.ptp(y)) < 0.01:
            evidence.append(f"{acc} hardly moves ({fmt(float(np.ptp(y)), 3)} over {y.size} epochs) while the loss "
                            f"does the learning")
            prior = 0.7
        fix = ("drop metrics=['accuracy']; judge a regression by its loss or by metrics=['mae'] / "
               "tf.keras.metrics.RootMeanSquaredError(), in the targets' units")
        return self.cause(prior, [run.index], evidence, fix, None, [])
