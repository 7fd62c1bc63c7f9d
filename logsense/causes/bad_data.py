"""The NaN comes from the data: a NaN/Inf (or an impossible value) in the inputs or labels.

A loss that is small and steady and then turns NaN from one batch to the next
did not diverge: divergence grows the loss first. An abrupt NaN right after a
small finite batch loss points at one bad sample: a NaN or Inf pixel, a label
out of range, an empty mask. (A NaN after many finite epochs is left to
lr_too_high's caveats: one exploding gradient is as likely as one bad sample.)

Only consistent: no replay, the data is not in the paste. The evidence says
what the log shows and the fix says what to print to find the sample.
"""
from __future__ import annotations

from typing import Any

from ..findings import Finding
from ..log import Run
from ..numeric import fmt, number
from .base import Cause, RunCause
from .paste_warnings import of_kind


def nan_steps(nan: Finding) -> tuple[int | None, int | None, float | None]:
    """(step of the first NaN, the last finite step before it, that step's batch loss) when the paste shows steps."""
    stats = nan.stats if isinstance(nan.stats, dict) else {}
    step = number(stats.get("step"))
    after = number(stats.get("after_step"))
    last = number(stats.get("last_finite_batch_mean"))
    return (int(step) if step is not None else None, int(after) if after is not None else None, last)


class BadData(RunCause):
    id = "bad_data"
    explains = ("nan",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        nan = next((f for f in findings if f.symptom == "nan"), None)
        if nan is None or of_kind(self.log, "log_of_zero"):
            return None
        step, after, last = nan_steps(nan)
        evidence: list[str] = []
        weight = 0.0
        if step is not None and after is not None and last is not None and 0 < after <= 10 and last < 1.0:
            evidence.append(f"{nan.metric} is {fmt(last)} at step {after} and NaN at step {step}: a small, finite "
                            f"loss does not diverge in one batch; one batch with a NaN/Inf value or an impossible "
                            f"label does this")
            weight = 0.55
        if not evidence:
            return None
        fix = ("find the sample: print np.isnan(x).sum(), np.isinf(x).sum(), np.isnan(y).sum(), y.min(), y.max() "
               "for the training arrays (or per batch of the generator), drop or fix it, and keep "
               "TerminateOnNaN() so the next one stops training at once")
        return self.cause(weight, [run.index], evidence, fix, None, ["nan"])
