"""Batch normalisation behaves differently in training and inference: validation sees other statistics.

In training a BatchNormalization layer normalises with the batch's own mean and
variance; at validation it uses its moving averages. When those averages lag
(tiny or odd batches, fine-tuning a pretrained backbone with its BN layers
unfrozen on a new domain, BN inside TimeDistributed, momentum 0.99 over few
updates), the network validated is not the one trained: training accuracy
climbs to 1 while validation is frozen at one value or swings by x2 from epoch
to epoch. Memorisation raises validation loss smoothly instead.

Only consistent: no replay (the batches are not in the paste). The evidence is
the set-up's batch normalisation and the validation curve's shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric, main_loss, val_name
from ..numeric import fmt
from .base import Cause, RunCause

#: Consecutive validation-loss ratio that counts as a swing (up or down).
SWING = 2.0
#: Identical validation accuracies in a row that count as frozen.
FROZEN = 3


class BatchnormInference(RunCause):
    id = "batchnorm_inference"
    explains = ("overfitting", "oscillation", "plateau")

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        layers = context.get("layers") if isinstance(context.get("layers"), list) else []
        has_bn = context.get("batchnorm") is True or any(
            isinstance(layer, dict) and "batchnorm" in str(layer.get("type", "")).lower() for layer in layers)
        if not has_bn:
            return None
        train_acc = accuracy_metric(run)
        val_acc = accuracy_metric(run, validation=True)
        loss = main_loss(run)
        evidence = ["the model uses batch normalisation (the post names it, its statistics or a BN backbone)"]
        shape = None
        if train_acc and val_acc:
            t, v = run.series(train_acc), run.series(val_acc)
            ok = np.isfinite(t) & np.isfinite(v)
            t, v = t[ok], v[ok]
            same = _trailing_same(v)
            if t.size and t[-1] >= 0.95 and same >= FROZEN:
                shape = (f"{val_acc} is {fmt(float(v[-1]), 4)} in each of the last {same} epochs while {train_acc} "
                         f"reaches {fmt(float(t[-1]), 4)}: validation runs a different network")
        if shape is None and loss and val_name(loss) in run.metrics:
            vl = run.series(val_name(loss))
            vl = vl[np.isfinite(vl) & (vl > 0)]
            tl = run.series(loss)
            tl = tl[np.isfinite(tl) & (tl > 0)]
            if vl.size >= 4 and tl.size >= 4:
                r = vl[1:] / vl[:-1]
                ups, downs = int(np.sum(r >= SWING)), int(np.sum(r <= 1.0 / SWING))
                smooth = bool(np.all(np.diff(np.log(tl)) < 0.2))
                if ups >= 1 and downs >= 1 and smooth:
                    shape = (f"{val_name(loss)} swings by x{fmt(float(r.max()), 3)} and /{fmt(float(1 / r.min()), 3)} "
                             f"between epochs while {loss} falls smoothly to {fmt(float(tl[-1]))}")
        if shape is None:
            return None
        evidence.append(shape)
        fix = ("keep BatchNormalization layers in inference mode when fine-tuning (base_model(x, training=False)) "
               "or freeze them; use batches of 32+; compare model.evaluate(x_train, y_train) with the printed "
               "training accuracy: a large gap is the BN statistics, not memorisation")
        return self.cause(0.6, [run.index], evidence, fix, None, [f.symptom for f in findings
                                                                  if f.symptom in self.explains])


def _trailing_same(v: np.ndarray) -> int:
    n = 1
    while n < v.size and v[-n - 1] == v[-1]:
        n += 1
    return n if v.size else 0
