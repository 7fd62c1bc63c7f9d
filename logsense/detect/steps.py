"""Per-batch values recovered from the running means a progress bar prints.

Keras (1.x, 2.x and tf.keras) prints, at each progress update, the mean of a
metric over everything seen so far in the epoch. Two consecutive updates after
``s1`` and ``s2`` steps with means ``m1`` and ``m2`` therefore give the mean of
the steps in between exactly: ``(s2*m2 - s1*m1) / (s2 - s1)`` (for one step each,
``b_k = k*m_k - (k-1)*m_{k-1}``). The printed rounding (4 decimals) is amplified by
``(s1 + s2) / (s2 - s1)``, which this module reports so callers can judge it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..log import Run


@dataclass
class BatchSegment:
    """The mean of a metric over steps ``(start, end]`` of one epoch, de-averaged from the bar."""

    epoch: int
    start: float
    end: float
    value: float
    #: Worst-case error from the printed rounding of the two running means.
    error: float


def _decimals(x: float) -> int:
    """Decimals a printed value kept (4 for Keras' ``%.4f``; more for ``e`` notation)."""
    if not math.isfinite(x) or x == 0:
        return 4
    text = f"{x:.10g}"
    if "e" in text:
        mant, exp = text.split("e")
        return max(0, len(mant.split(".")[1]) if "." in mant else 0) - int(exp)
    return len(text.split(".")[1]) if "." in text else 0


def deaverage(run: Run, metric: str) -> list[BatchSegment]:
    """Per-segment means of ``metric`` between consecutive progress updates, epoch by epoch.

    The epoch's final value (from the epoch record) closes the last segment when the
    epoch's total step count is known. Epochs with fewer than two usable updates
    give nothing, so an empty list means de-averaging was not possible.
    """
    by_epoch: dict[int, list[tuple[float, float]]] = {}
    totals: dict[int, float] = {}
    for r in run.step_records:
        e, s, v = r.get("epoch"), r.get("step"), r.get(metric)
        if e is None or s is None or v is None:
            continue
        try:
            by_epoch.setdefault(int(e), []).append((float(s), float(v)))
        except (TypeError, ValueError):
            continue
        if r.get("total") is not None:
            totals[int(e)] = float(r["total"])
    ends = {int(r["epoch"]): r.get(metric) for r in run.epoch_records if r.get("epoch") is not None}
    out: list[BatchSegment] = []
    for e, pts in by_epoch.items():
        total = totals.get(e)
        final = ends.get(e)
        if total is not None and final is not None and all(s < total for s, _ in pts):
            pts = pts + [(total, float(final))]
        pts = sorted(dict(pts).items())  # one value per step count, in order
        prev_s, prev_m = 0.0, 0.0
        for s, m in pts:
            if s <= prev_s:
                continue
            value = (s * m - prev_s * prev_m) / (s - prev_s)
            # Keras prints at least 4 decimals; a parsed float may just have lost trailing zeros.
            half_ulp = 0.5 * 10.0 ** -max(_decimals(m), _decimals(prev_m) if prev_s else 0, 4)
            error = half_ulp * (s + prev_s) / (s - prev_s)
            out.append(BatchSegment(epoch=e, start=prev_s, end=s, value=float(value), error=float(error)))
            prev_s, prev_m = s, m
    out.sort(key=lambda b: (b.epoch, b.end))
    return out
