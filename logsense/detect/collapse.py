"""Collapse: pasted predictions that barely vary from sample to sample.

A model that ignores its input predicts the same vector for every sample (for
MSE, the per-dimension target mean). In a pasted ``model.predict`` array that
shows as a spread across rows (samples) that is tiny against the spread across
columns (output dimensions). The statistic is the ratio of the median per-column
standard deviation across rows to the standard deviation of the column means; with
a single output, the spread across rows relative to the prediction itself.
"""
from __future__ import annotations

import numpy as np

from ..findings import Finding
from ..log import Log
from ..numeric import clip01, rfloat
from . import significance as stats
from .base import LogDetector


class CollapseDetector(LogDetector):
    """Flag prediction arrays whose rows are nearly identical.

    Args:
        max_ratio: largest between-sample / between-column spread ratio called a collapse.
        min_rows: fewest rows (samples) judged.
        min_cols: fewest columns judged (one column has no between-column spread to compare with).
    """

    symptom = "collapse"

    def __init__(self, max_ratio: float = 0.1, min_rows: int = 3, min_cols: int = 2,
                 max_relative_spread: float = 0.01) -> None:
        super().__init__()
        self.max_ratio = max_ratio
        self.min_rows = min_rows
        self.min_cols = min_cols
        self.max_relative_spread = max_relative_spread

    def _detect(self, log: Log) -> list[Finding]:
        out: list[Finding] = []
        for pred in log.predictions:
            v = np.asarray(pred.values, dtype=float)
            if v.ndim == 1:
                v = v[:, None]
            if v.ndim != 2 or v.shape[0] < self.min_rows or not np.isfinite(v).all():
                continue
            if v.shape[1] == 1:
                f = self._single_output(v[:, 0], pred)
                if f is not None:
                    out.append(f)
                continue
            if v.shape[1] < self.min_cols:
                continue
            within = stats.median(np.std(v, axis=0, ddof=1))
            between = float(np.std(v.mean(axis=0), ddof=1))
            if between <= 0:
                continue
            ratio = within / between
            if ratio > self.max_ratio:
                continue
            conf = 1.0 - 0.5 * ratio / self.max_ratio
            st = {"between_sample_std": rfloat(within, 4), "between_column_std": rfloat(between, 4),
                  "ratio": rfloat(ratio, 4), "shape": list(v.shape), "line": pred.line,
                  "column_means": [rfloat(x, 4) for x in v.mean(axis=0)], "elided": bool(pred.elided)}
            msg = (f"predictions at line {pred.line} ({v.shape[0]} rows shown{', more elided' if pred.elided else ''}): "
                   f"spread across samples {within:.3g} vs across outputs {between:.3g} (ratio {ratio:.3g}): "
                   f"every sample gets nearly the same prediction")
            out.append(Finding(symptom=self.symptom, confidence=clip01(conf), stats=st, source="predictions",
                               message=msg))
        return out

    def _single_output(self, y: np.ndarray, pred) -> Finding | None:  # type: ignore[no-untyped-def]
        """One output per sample (most regressions): nothing across columns to compare with, so the
        spread across samples is judged against the prediction's own size. A model that uses its
        inputs does not give every sample the same value to 1 %."""
        within, level = float(np.std(y, ddof=1)), float(np.mean(y))
        if level == 0:
            return None
        spread = within / abs(level)
        if spread > self.max_relative_spread:
            return None
        conf = 1.0 - 0.5 * spread / self.max_relative_spread
        st = {"between_sample_std": rfloat(within, 4), "between_column_std": None, "ratio": None,
              "relative_spread": rfloat(spread, 4), "shape": [int(y.size), 1], "line": pred.line,
              "column_means": [rfloat(level, 4)], "elided": bool(pred.elided)}
        msg = (f"predictions at line {pred.line} ({y.size} rows shown{', more elided' if pred.elided else ''}): "
               f"every sample gets {level:.6g} (spread {within:.3g}, {spread:.2%} of the value)")
        return Finding(symptom=self.symptom, confidence=clip01(conf), stats=st, source="predictions", message=msg)
