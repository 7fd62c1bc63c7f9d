"""No symptom was found: the run trained as expected."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..detect.metrics import main_loss
from ..findings import Finding
from ..log import Log, Run
from .base import Cause, CauseModel, fmt


class Healthy(CauseModel):
    id = "healthy"
    explains = ()

    def assess(self, target: Run | Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        assert isinstance(target, Run)
        if findings or not target.epoch_records:
            return None
        metric = main_loss(target)
        y = target.series(metric) if metric else np.array([])
        y = y[np.isfinite(y)]
        evidence = [f"no symptom in {len(target.epoch_records)} epochs"]
        confidence = 0.5 + 0.3 * min(len(target.epoch_records), 10) / 10
        if y.size >= 2:
            evidence.append(f"{metric} {fmt(float(y[0]))} -> {fmt(float(y[-1]))}")
            if y[-1] > y[0]:
                confidence -= 0.2
        return self.cause(confidence, [target.index], evidence, "nothing to fix", None, [])
