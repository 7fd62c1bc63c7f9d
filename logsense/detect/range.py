"""Loss out of range: values the loss function cannot produce.

Keras clips probabilities to [eps, 1 - eps] with eps = 1e-7 before taking logs, so
a cross-entropy (binary or categorical) is at most -ln(1e-7) = 16.118 per sample,
and never negative. With accuracy a and K classes known, correct samples give
at most ln K (their true class has the top probability, >= 1/K), so the mean is
at most a ln K + (1 - a) 16.118. MSE is never negative, and with sigmoid or
softmax outputs against targets in [0, 1] at most 1. A value past these bounds
means the printed loss is not that function on those outputs: computed from
raw logits, with a penalty added, or with mismatched targets.

The loss comes from the run's context (``loss``); without it, a run that
reports accuracy is taken to use a cross-entropy, and the confidence says so.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..context.setup import class_count, loss_function, output_activation
from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric, base_name, loss_metrics, train_losses
from ..numeric import clip01, rfloat
from .base import RunDetector, epoch_int

EPSILON = 1e-7
CE_MAX = -math.log(EPSILON)  # 16.118...
#: Printed values keep 4 decimals: a value this close below zero may be a rounded 0.
NEGATIVE_TOL = 5e-5


class LossRangeDetector(RunDetector):
    """Flag loss values outside what the loss function can produce.

    Args:
        inferred_discount: confidence factor when the loss function was inferred, not read.
    """

    symptom = "loss_out_of_range"

    def __init__(self, inferred_discount: float = 0.9) -> None:
        super().__init__()
        self.inferred_discount = inferred_discount

    def _detect(self, run: Run) -> list[Finding]:
        out: list[Finding] = []
        ep = run.epoch_numbers()
        single_output = len(train_losses(run)) == 1
        for metric in loss_metrics(run):
            if base_name(metric) == "loss" and not single_output:
                continue  # a multi-output total sums several losses: no per-sample bound
            fn, inferred = _loss_function(run, metric)
            if fn is None:
                continue
            f = self._check(run, metric, fn, inferred, ep)
            if f is not None:
                out.append(f)
        return out

    def _check(self, run: Run, metric: str, fn: str, inferred: bool, ep: np.ndarray) -> Finding | None:
        y = run.series(metric)
        ok = np.isfinite(y)
        if not ok.any():
            return None
        ctx = run.context or {}
        neg = ok & (y < -NEGATIVE_TOL) if _non_negative(fn) else np.zeros_like(ok)
        if neg.any():
            worst = int(np.argmin(np.where(neg, y, np.inf)))
            value, bound = float(y[worst]), 0.0
            reason = "negative"
            conf = 1.0 - NEGATIVE_TOL / abs(value)
            bad = neg
        else:
            bound, reason = self._upper_bound(run, metric, fn, ctx)
            if bound is None:
                return None
            bad = ok & (y > bound)
            if not bad.any():
                return None
            worst = int(np.argmax(np.where(bad, y, -np.inf)))
            value = float(y[worst])
            conf = float(np.mean(bad[ok])) * (1.0 - bound / value)
        if inferred:
            conf *= self.inferred_discount
        idx = np.flatnonzero(bad)
        st: dict[str, Any] = {"value": rfloat(value), "bound": rfloat(bound, 5), "loss_fn": fn,
                              "reason": reason, "loss_fn_inferred": inferred,
                              "n_epochs_out": int(idx.size), "n_epochs": int(ok.sum())}
        msg = (f"{metric} = {value:.6g} at epoch {epoch_int(ep[worst])} is impossible for "
               f"{_label(fn)}{' (inferred)' if inferred else ''}: {reason} ({bound:.4g}) "
               f"({idx.size} of {int(ok.sum())} epochs out of range)")
        return Finding(symptom=self.symptom, metric=metric, start_epoch=epoch_int(ep[idx[0]]),
                       end_epoch=epoch_int(ep[idx[-1]]), confidence=clip01(conf), stats=st, message=msg)

    @staticmethod
    def _upper_bound(run: Run, metric: str, fn: str, ctx: dict[str, Any]) -> tuple[float | None, str]:
        if fn.endswith("crossentropy"):
            if ctx.get("from_logits") is True:
                return None, ""  # unclipped logits: no finite bound
            k = class_count(ctx)
            acc_name = accuracy_metric(run, validation=metric.startswith("val_"))
            if fn != "binary_crossentropy" and k is not None and k >= 2 and acc_name is not None:
                acc = run.series(acc_name)
                a = float(np.nanmin(acc)) if np.isfinite(acc).any() else math.nan
                if math.isfinite(a) and 0.0 <= a <= 1.0:
                    bound = a * math.log(k) + (1.0 - a) * CE_MAX
                    return bound, (f"accuracy >= {a:.4g} over {k} classes allows at most "
                                   f"{a:.4g}*ln {k} + {1 - a:.4g}*{CE_MAX:.3f}")
            return CE_MAX, "above -ln(1e-7), the most a clipped probability allows per sample"
        if fn == "mse":
            act = output_activation(ctx)
            if act in ("sigmoid", "softmax"):
                return 1.0, f"above 1, the most {act} outputs against targets in [0, 1] allow"
        return None, ""


#: The accuracy a run must reach before an unnamed loss is taken to be a cross-entropy.
INFER_MIN_ACCURACY = 0.3


def _loss_function(run: Run, metric: str) -> tuple[str | None, bool]:
    """The canonical loss-function name for ``metric`` and whether it was inferred."""
    fn = loss_function(run.context or {}, base_name(metric))
    if fn is not None:
        return fn, False
    acc = accuracy_metric(run)
    if acc is not None:
        # `metrics=['accuracy']` on a regression prints an accuracy too, near 0 (exact matches of
        # floats); a classifier whose cross-entropy is to be judged gets at least some right.
        values = run.series(acc)
        values = values[np.isfinite(values)]
        if values.size and float(values.max()) >= INFER_MIN_ACCURACY:
            return "crossentropy", True
    return None, False


def _non_negative(fn: str) -> bool:
    """Losses that are sums of non-negative terms (a cosine-similarity loss, say, is not)."""
    return fn.endswith("crossentropy") or fn in ("mse", "mae")


def _label(fn: str) -> str:
    return fn.replace("_", " ")
