"""No symptom was found, or only one its context explains: the run trained as expected.

Healthy is said on evidence, never by default: a run with an open finding gets a
cause (the `unexplained` fallback at least). Two findings are judged in context
instead (`in_context`): a plateau in an excerpt that starts late (epoch 26 of a
run is where a converged loss is flat, not a stuck one) unless it sits at the
chance level, and a flat or frozen loss after the learning-rate schedule
(ReduceLROnPlateau, a decay) has brought the rate down to ``1e-6`` or less,
where nothing can move any more.
"""
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
#: An excerpt whose first epoch is at least this late shows a trained model's tail.
LATE_START = 10
#: A learning rate the schedule brought this low explains a loss that no longer moves.
ANNEALED_LR = 1e-6


def in_context(run: Run, finding: Finding) -> str | None:
    """Why ``finding`` is no symptom given the run's context, or None when it stands."""
    if finding.symptom != "plateau" or finding.stats.get("stuck"):
        return None
    lrs = [e for e in run.events if e.kind == "lr_change" and e.value is not None
           and (e.epoch is None or finding.end_epoch is None or e.epoch <= finding.end_epoch)]
    if lrs and float(lrs[-1].value) <= ANNEALED_LR:
        return (f"{finding.metric} flat from epoch {finding.start_epoch} after the schedule lowered the learning "
                f"rate to {fmt(float(lrs[-1].value))} (epoch {lrs[-1].epoch}): nothing can move at that rate")
    epochs = run.epoch_numbers()
    if epochs.size and float(epochs[0]) >= LATE_START:
        return (f"{finding.metric} flat in an excerpt that starts at epoch {int(epochs[0])}: the tail of a run "
                f"that has converged, not a run that never learned (it is not at the chance level)")
    return None


class Healthy(RunCause):
    id = "healthy"
    explains = ()

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        judged = [in_context(run, f) for f in findings]
        if not all(judged) or not run.epoch_records:
            return None
        metric = main_loss(run)
        y = run.series(metric) if metric else np.array([])
        y = y[np.isfinite(y)]
        if y.size >= 2 and (np.all(y == y[0]) or rising_tail(y) >= min(RISING_EPOCHS, y.size - 1)):
            # Too few epochs for a finding, but a loss that never moved, or that rose epoch after
            # epoch to the end, is not a healthy run: say nothing rather than "nothing to fix".
            return None
        evidence = [f"no symptom in {len(run.epoch_records)} epochs" if not findings else
                    f"no symptom in {len(run.epoch_records)} epochs once read in context"] + [j for j in judged if j]
        confidence = 0.5 + 0.3 * min(len(run.epoch_records), 10) / 10
        if y.size >= 2:
            evidence.append(f"{metric} {fmt(float(y[0]))} -> {fmt(float(y[-1]))}")
            if y[-1] > y[0]:
                confidence -= 0.2
        return self.cause(confidence, [run.index], evidence, "nothing to fix", None, [f.symptom for f in findings])
