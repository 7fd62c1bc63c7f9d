"""The bumps are the learning-rate schedule's: the set-up changes the rate on purpose during training.

A 1cycle or cyclical schedule raises the learning rate to several times its
starting value mid-run, a warm-up starts low and climbs, a step schedule
changes it at set epochs: while the rate is high the validation loss bounces,
and it settles once the rate comes down. A jump that recovers, or an
oscillation, in a run whose set-up names such a schedule is the schedule
working as designed, not an optimizer that kicked itself: nothing to fix
unless the bumps are unwanted.

No replay: the log does not print the rate at each step, so the schedule's
shape cannot be checked against the bumps, only named.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..findings import Finding, JumpStats
from ..log import Run
from ..metrics import main_loss, val_name
from ..numeric import fmt
from .base import Cause, RunCause

#: Callback or schedule names that change the learning rate during a run (matched in the set-up's callbacks).
SCHEDULES = re.compile(r"one_?cycle|cycl|schedul|warm_?up|decay|cosine|polynomial|piecewise|lrfinder|lr_?range",
                       re.IGNORECASE)
#: Schedules that raise the rate mid-run (a bump then is what they do).
RISING = re.compile(r"one_?cycle|cycl|warm_?up", re.IGNORECASE)


class LrSchedule(RunCause):
    id = "lr_schedule"
    explains = ("jump", "oscillation")

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        schedule = schedule_named(context)
        if schedule is None:
            return None
        bumps = [f for f in findings if f.symptom == "oscillation"
                 or (f.symptom == "jump" and JumpStats.of(f).recovered)]
        if not bumps or any(f.symptom == "jump" and not JumpStats.of(f).recovered for f in findings):
            return None
        settled = _settles(run)
        if settled is None:
            return None
        first = bumps[0]
        where = (f"at epoch {JumpStats.of(first).epoch}, recovered by epoch {JumpStats.of(first).recovery_epoch}"
                 if first.symptom == "jump" else f"from epoch {first.start_epoch}")
        moves = "jumps" if first.symptom == "jump" else "oscillates"
        evidence = [f"the set-up changes the learning rate during the run ({schedule})",
                    (f"{first.metric} {moves} {where}, and {settled}: the bumps of a rate the schedule raises and "
                     f"lowers on purpose")]
        weights = 0.55
        if RISING.search(schedule):
            weights += 0.2
            evidence.append("this schedule raises the rate mid-run, where the validation loss is expected to bounce")
        fix = ("nothing to fix if the schedule is intended; to smooth the bumps lower its peak rate (max_lr) or "
               "lengthen its warm-up, and keep the weights of the best epoch (EarlyStopping(restore_best_weights=True))")
        return self.cause(weights, [run.index], evidence, fix, None, sorted({f.symptom for f in bumps}))


def schedule_named(context: dict[str, Any]) -> str | None:
    """The learning-rate schedule the set-up names (a callback or a schedule object), or None."""
    names = [str(c) for c in context.get("callbacks") or [] if isinstance(c, str)]
    for key in ("lr_schedule", "schedule"):
        value = context.get(key)
        if isinstance(value, str) and value:
            names.append(value)
    return next((n for n in names if SCHEDULES.search(n)), None)


def _settles(run: Run) -> str | None:
    """How the run ends below its bumps: the last validation (or training) loss at most the median of the run."""
    name = main_loss(run)
    if name is None:
        return None
    metric = val_name(name) if val_name(name) in run.metrics else name
    y = run.series(metric)
    y = y[np.isfinite(y)]
    if y.size < 4 or y[-1] > float(np.median(y)):
        return None
    return f"{metric} ends at {fmt(float(y[-1]))}, below its median {fmt(float(np.median(y)))}"
