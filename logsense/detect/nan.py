"""NaN: the first non-finite value of a metric, located to the epoch and, when the bar shows it, the step.

Once a NaN (or inf) enters the weights every later value is non-finite, so the
first one is what matters. Step records narrow it down: a running mean turns
non-finite at the first progress update after the bad batch, so the bad batch
lies after the previous update and at or before that one.
"""
from __future__ import annotations

import math

import numpy as np

from ..findings import Finding
from ..log import Run
from ..numeric import rfloat
from .base import RunDetector, epoch_int
from .steps import deaverage


class NanDetector(RunDetector):
    """Report, for each metric that goes non-finite, where it first did."""

    symptom = "nan"

    def _detect(self, run: Run) -> list[Finding]:
        out: list[Finding] = []
        epochs = run.epoch_numbers()
        # A paste of a few progress updates has metrics in its steps only: they count too.
        metrics = run.metrics  # a property that reads every epoch record: once
        in_steps = _nonfinite_step_metrics(run)  # one pass over the steps for every metric
        for metric in metrics + [m for m in run.step_metrics if m not in metrics]:
            y = run.series(metric)
            present = np.array([metric in r for r in run.epoch_records], dtype=bool)
            bad = np.flatnonzero(present & ~np.isfinite(y))
            step_hit = self._first_bad_step(run, metric) if metric in in_steps else None
            if bad.size == 0 and step_hit is None:
                continue
            epoch = epoch_int(epochs[bad[0]]) if bad.size else None
            step = after_step = None
            value = float(y[bad[0]]) if bad.size else math.nan
            if step_hit is not None and (epoch is None or step_hit[0] <= epoch):
                epoch, step, after_step, value = step_hit
            stats_: dict[str, object] = {"epoch": epoch, "step": step, "value": value,
                                         "n_nonfinite_epochs": int(bad.size)}
            if step is not None:
                stats_["after_step"] = after_step
            segs = [b for b in deaverage(run, metric) if b.epoch == epoch and math.isfinite(b.value)]
            stats_["deaveraged"] = bool(segs)
            if segs:
                stats_["last_finite_batch_mean"] = rfloat(segs[-1].value)
            # Confidence: a non-finite value is unambiguous when printed; one lone
            # value that later turns finite again might be a display glitch.
            recovered = bool(bad.size) and bool(np.isfinite(y[bad[-1] + 1:]).any())
            conf = 0.6 if recovered else 1.0 - 0.01 / max(1, bad.size)
            where = f"epoch {epoch}" + (f", step {step}" if step is not None else "")
            kind = "nan" if math.isnan(value) else str(value)
            out.append(Finding(symptom=self.symptom, metric=metric, start_epoch=epoch,
                               end_epoch=epoch_int(epochs[bad[-1]]) if bad.size else epoch,
                               confidence=conf, stats=stats_,
                               message=f"{metric} first becomes {kind} at {where}"
                                       + (f" ({bad.size} non-finite epochs)" if bad.size else "")))
        return out

    @staticmethod
    def _first_bad_step(run: Run, metric: str) -> tuple[int, int | float, int | float, float] | None:
        """(epoch, step, previous step, value) of the first non-finite running mean in the step records."""
        prev: dict[int, float] = {}
        for r in run.step_records:
            v, e, s = r.get(metric), r.get("epoch"), r.get("step")
            if v is None or e is None or s is None:
                continue
            try:
                v = float(v)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(v):
                return int(e), _count(s), _count(prev.get(int(e), 0.0)), v
            prev[int(e)] = float(s)
        return None


def _count(x: float) -> int | float:
    """Step counts are whole numbers; keep them as ints in the stats."""
    x = float(x)
    return int(x) if x.is_integer() else x


def _nonfinite_step_metrics(run: Run) -> set[str]:
    """The metrics some step record holds a non-finite value of (read as `_first_bad_step` reads them)."""
    out: set[str] = set()
    for r in run.step_records:
        for k, v in r.items():
            if isinstance(v, float):
                if not math.isfinite(v):
                    out.add(k)
            elif v is not None and not isinstance(v, int):
                try:
                    if not math.isfinite(float(v)):
                        out.add(k)
                except (TypeError, ValueError):
                    pass
    return out
