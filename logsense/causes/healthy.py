"""No symptom was found: the run trained as expected."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..detect.trend import rising_tail
from ..findings import Finding
from ..log import Run
from ..metrics import main_loss
from ..numeric import fmt
from .base import Cause, RunCause

#: Rises in a row at the end of a run that keep it from being called healthy.
RISING_EPOCHS = 2


class Healthy(RunCause):
    id = "healthy"
    explains = ()

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        if findings or not run.epoch_records:
            return None
        metric = main_loss(run)
        y = run.series(metric) if metric else np.array([])
        y = y[np.isfinite(y)]
        if y.size >= 2 and (np.all(y == y[0]) or rising_tail(y) >= min(RISING_EPOCHS, y.size - 1)):
            # Too few epochs for a finding, but a loss that never moved, or that rose epoch after
            # epoch to the end, is not a healthy run: say nothing rather than "nothing to fix".
            return None
        evidence = [f"no symptom in {len(run.epoch_records)} epochs"]
        confidence = 0.5 + 0.3 * min(len(run.epoch_records), 10) / 10
        if y.size >= 2:
            evidence.append(f"{metric} {fmt(float(y[0]))} -> {fmt(float(y[-1]))}")
            if y[-1] > y[0]:
                confidence -= 0.2
        return self.cause(confidence, [run.index], evidence, "nothing to fix", None, [])
