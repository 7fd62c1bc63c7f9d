"""The labels do not match the loss (or the accuracy): the loss learns, the printed accuracy cannot follow.

Integer labels under ``categorical_crossentropy``, one-hot labels under
``sparse_categorical_crossentropy``, labels of shape ``(N, 1)`` from a generator:
Keras either refuses (a shape error) or trains something, and the string
``'accuracy'`` is resolved from the labels' shape, so the printed accuracy may
compare the predictions with labels the loss does not read.

The log can show this on its own numbers. A sample the classifier gets wrong
gives its true class a probability of at most 1/2 (another class has at least as
much), so its cross-entropy is at least ln 2; the mean loss ``L`` therefore
allows at most ``L / ln 2`` of the samples wrong, and an accuracy of at least
``1 - L / ln 2`` (per batch, so also for Keras' epoch means; a weight penalty
only raises the loss, and label smoothing ``a`` divides ln 2 by ``1 - a``). A
printed accuracy below that bound is not the accuracy of the labels the loss
reads. Weaker, alone: a loss falling below ln K while the accuracy stays at
1/K, chance, from the first epoch to the last.

No replay: the check is the bound itself, on the printed pairs.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..context.setup import class_count, loss_function
from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric, main_loss, train_losses, val_name
from ..numeric import fmt, number
from .base import Cause, RunCause

#: How far below the bound an accuracy must print to count (4 printed decimals need far less).
MARGIN = 0.01
#: Accuracy within this of 1/K in every epoch is "at chance".
AT_CHANCE = 0.012
#: The loss must fall by this share of its first value while the accuracy stays at chance.
FALL = 0.3
#: Loss functions whose per-sample value for a wrong argmax is at least ln 2.
CROSS_ENTROPIES = ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy")


class LabelMismatch(RunCause):
    id = "label_mismatch"
    explains = ("plateau",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        fn = loss_function(context) or ""
        if fn not in CROSS_ENTROPIES or context.get("weighted_loss") or len(train_losses(run)) != 1:
            return None
        loss_name, acc_name = main_loss(run), accuracy_metric(run)
        if not loss_name or not acc_name:
            return None
        smoothing = number(context.get("label_smoothing")) or 0.0
        if not 0.0 <= smoothing < 1.0:
            return None
        floor = math.log(2.0) * (1.0 - smoothing)
        evidence: list[str] = []
        weights: list[float] = []
        pairs = [(loss_name, acc_name)]
        if val_name(loss_name) in run.metrics and accuracy_metric(run, validation=True):
            pairs.append((val_name(loss_name), accuracy_metric(run, validation=True)))
        for lname, aname in pairs:
            broken = _below_bound(run, lname, aname, floor)
            if broken is not None:
                epoch, loss, acc, bound = broken
                evidence.append(
                    f"at epoch {epoch} {lname} {fmt(loss, 4)} leaves at most {fmt(loss, 4)} / ln 2"
                    + (f" x (1 - {fmt(smoothing)})" if smoothing else "")
                    + f" = {100 * (1 - bound):.1f}% of the samples wrong (a wrong sample costs at least ln 2), so "
                    f"{aname} must be at least {fmt(bound, 3)}; it prints {fmt(acc, 4)}: the accuracy does not "
                    f"score the labels the loss reads")
                weights.append(0.65)
                break
        chance = _flat_at_chance(run, loss_name, acc_name, class_count(context))
        symptoms: list[str] = []
        if chance is not None:
            k, first, last, lo, hi = chance
            evidence.append(f"{loss_name} falls from {fmt(first, 4)} to {fmt(last, 4)} (below ln {k} = "
                            f"{fmt(math.log(k), 4)}, so the outputs depend on the input) while {acc_name} stays at "
                            f"chance, {fmt(lo, 4)}-{fmt(hi, 4)} against 1/{k} = {fmt(1 / k, 3)}, in every epoch")
            weights.append(0.4)
            if any(f.symptom == "plateau" for f in findings):
                symptoms.append("plateau")
        if not weights:
            return None
        others = [r for r in self.log.runs if r.index != run.index and _learns(r)]
        if others and weights:
            evidence.append(f"run {others[0].index} of the same paste learns (its accuracy leaves chance)")
        fix = ("print y[:5], y.shape and model.output_shape: integer labels (shape (N,) or (N, 1)) go with "
               "sparse_categorical_crossentropy, one-hot labels (N, K) with categorical_crossentropy; name the metric "
               "(metrics=[keras.metrics.SparseCategoricalAccuracy()] or CategoricalAccuracy()) instead of 'accuracy', "
               "which Keras resolves from the labels' shape")
        prior = 1.0 - float(np.prod([1.0 - w for w in weights]))
        return self.cause(prior, [run.index], evidence, fix, None, symptoms)


def _below_bound(run: Run, loss_name: str, acc_name: str, floor: float) -> tuple[int, float, float, float] | None:
    """The epoch whose accuracy prints furthest below ``1 - loss / floor``, when one is more than `MARGIN` below."""
    y, a, ep = run.series(loss_name), run.series(acc_name), run.epoch_numbers()
    ok = np.isfinite(y) & np.isfinite(a) & (y >= 0) & (a >= 0) & (a <= 1)
    if not ok.any():
        return None
    bound = 1.0 - y / floor
    gap = np.where(ok, bound - a, -np.inf)
    i = int(np.argmax(gap))
    if gap[i] <= MARGIN:
        return None
    return int(ep[i]), float(y[i]), float(a[i]), float(bound[i])


def _flat_at_chance(run: Run, loss_name: str, acc_name: str,
                    k: int | None) -> tuple[int, float, float, float, float] | None:
    """(K, first loss, last loss, lowest and highest accuracy) when the accuracy sits at 1/K in every epoch
    (at least 4) while the loss falls by `FALL` of its first value to below ln K."""
    y, a = run.series(loss_name), run.series(acc_name)
    ok = np.isfinite(y) & np.isfinite(a)
    y, a = y[ok], a[ok]
    if y.size < 4 or not (0 < float(np.mean(a)) < 0.5):
        return None
    k = k if k is not None and k >= 3 else round(1.0 / float(np.mean(a)))
    if k < 3 or float(np.max(np.abs(a - 1.0 / k))) > AT_CHANCE:
        return None
    first, last = float(y[0]), float(y[-1])
    if first <= 0 or last > first * (1 - FALL) or last >= math.log(k):
        return None
    return k, first, last, float(a.min()), float(a.max())


def _learns(run: Run) -> bool:
    name = accuracy_metric(run)
    if not name:
        return False
    a = run.series(name)
    a = a[np.isfinite(a)]
    return bool(a.size and float(a.max()) >= 0.3)
