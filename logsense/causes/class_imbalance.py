"""Class imbalance: the classifier predicts the majority class for every sample.

With one class at share ``m`` well above 1/K, predicting it everywhere already
scores accuracy ``m``, and the cheapest way down the cross-entropy is to learn
that share first: the loss falls to the entropy of the prior, ``H(m)``, and
the accuracy pins at ``m``. A minority the model never predicts prints
``recall: 0``/``precision: 0`` (and an AUC of 0.5 when the scores do not rank).

This is `stuck_at_prior` with the reason known: there the model ignores its
input whatever the classes (balanced classes give ln K and 1/K); here the prior
is skewed and the run sits at its majority share, so the fix is about the
classes (weights, resampling, a metric that sees the minority, the output
bias), not about the network. Both may be listed; this one ranks first when
the accuracy is pinned at a share above chance or the minority metrics are 0.

The replay, when the loss sits near the entropy of that prior, is
`stuck_at_prior`'s bias-only softmax (`simulate.prior`) trained on the prior the
accuracy gives: the level it reaches against the printed loss. It fits every
model that learned only the prior, so a match is ``consistent``, never
confirmed; a miss contradicts. A loss away from that level (outputs saturated
on the majority class cost more) is not replayed.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..context.setup import class_count, loss_function
from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric, is_validation, main_loss
from ..numeric import fmt
from ..simulate.prior import majority_prior, prior_entropy, train_bias_only
from .base import CONSISTENT, Cause, Replay, RunCause, judged, relative_errors

#: Accuracy moving less than this over the pinned epochs counts as pinned.
PINNED = 0.003
#: Epochs the accuracy must stay pinned (the last ones of the run, and half of them at least).
MIN_EPOCHS = 3
#: The majority share must stand this far above 1/K to be an imbalance.
SKEW = 0.1
#: Relative distance of the loss to H(prior) that counts as "at" it.
AT_PRIOR = 0.03
#: The replay must reach the printed level this closely.
TOLERANCE = 0.03
#: Printed metrics that score the minority class.
MINORITY = ("precision", "recall", "f1", "f1_score", "f1-score", "fbeta", "sensitivity", "tp", "true_positives")


class ClassImbalance(RunCause):
    id = "class_imbalance"
    explains = ("plateau",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        pinned = pinned_majority(run, context)
        if pinned is None:
            return None
        acc_name, share, k, start = pinned
        zeros = minority_zeros(run, start)
        level = _at_prior(run, context, k, share)
        if not zeros and level is None:
            return None  # a pinned accuracy alone may be a plateau of any kind
        problem = "a binary" if k == 2 else f"a {k}-class"
        evidence = [(f"{acc_name} is pinned at {fmt(share, 4)} from epoch {start}: the majority share of {problem} "
                     f"problem (chance is {fmt(1 / k, 3)}), what predicting that class for every sample scores")]
        weights = 0.45
        if zeros:
            evidence.append(", ".join(f"{name} {fmt(value, 4)}" for name, value in zeros)
                            + ": the minority class is never predicted")
            weights += 0.25
        if level is not None:
            loss_name, loss, h = level
            evidence.append(f"{loss_name} {fmt(loss, 4)} is the entropy of that prior, H = {fmt(h, 4)}: the model "
                            f"learned the class shares and nothing from the input")
            weights += 0.15
        val = _validation_pinned(run, k)
        if val is not None:
            name, value, zeros_val = val
            evidence.append(f"{name} {fmt(value, 4)} in every epoch"
                            + (" with " + ", ".join(f"{n} {fmt(v, 4)}" for n, v in zeros_val) if zeros_val else "")
                            + ": the validation data's majority share, the same single class predicted there")
            weights += 0.1
        plateau = next((f for f in findings if f.symptom == "plateau"), None)
        replay = self.replay(run, findings, context)
        fix = ("weigh the classes (fit(class_weight={0: n / (2 * n0), 1: n / (2 * n1)})) or resample the minority; "
               "start the output bias at log(n1 / n0); watch precision, recall or AUC instead of accuracy, which "
               f"scores {fmt(share, 3)} for doing nothing")
        return self.cause(weights, [run.index], evidence, fix, replay, ["plateau"] if plateau else [])

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        pinned = pinned_majority(run, context)
        if pinned is None:
            return None
        _, share, k, _ = pinned
        name = main_loss(run)
        if name is None or (loss_function(context) or "crossentropy").find("crossentropy") < 0:
            return None
        if _at_prior(run, context, k, share) is None:
            return None  # the loss is not claimed to sit at the prior (saturated outputs cost more): nothing to replay
        y = run.series(name)
        y = y[np.isfinite(y)]
        if y.size == 0 or y[-1] <= 0:
            return None
        prior = majority_prior(k, share)
        sim = train_bias_only(prior, epochs=4)
        observed = float(y[-1])
        # A binary cross-entropy on one sigmoid is the same number as the 2-class softmax's.
        err = float(relative_errors([float(sim.loss[-1])], [observed])[0])
        status = CONSISTENT if err <= TOLERANCE else judged(False)
        return Replay(metric=name, predicted=[float(sim.loss[-1])], observed=[observed], max_rel_error=err,
                      tolerance=TOLERANCE, params={"classes": k, "majority": share},
                      extra={"accuracy": float(sim.accuracy[-1])}, status=status,
                      note=(f"a bias-only softmax on a prior with majority share {fmt(share, 4)} reaches "
                            f"{fmt(float(sim.loss[-1]))} and accuracy {fmt(float(sim.accuracy[-1]), 4)} against the "
                            f"printed {fmt(observed)}"
                            + ("; every model that learned only the prior does, so consistent, never confirmed"
                               if status == CONSISTENT else "")))


def pinned_majority(run: Run, context: dict[str, Any]) -> tuple[str, float, int, int] | None:
    """(accuracy metric, its pinned value, K, first pinned epoch) when the training accuracy stays within
    `PINNED` over the last `MIN_EPOCHS` epochs or more, at a share `SKEW` above 1/K."""
    acc_name = accuracy_metric(run)
    if not acc_name:
        return None
    fn = loss_function(context) or ""
    if fn and "crossentropy" not in fn:
        return None
    a, ep = run.series(acc_name), run.epoch_numbers()
    ok = np.isfinite(a)
    a, ep = a[ok], ep[ok]
    if a.size < MIN_EPOCHS:
        return None
    share = float(a[-1])
    i = a.size - 1
    while i > 0 and abs(float(a[i - 1]) - share) <= PINNED:
        i -= 1
    # Pinned for half the run at least, and never above the pin: an accuracy still creeping up (or one
    # that was higher before) is a model that learns, not one that predicts a single class.
    if a.size - i < max(MIN_EPOCHS, math.ceil(a.size / 2)) or float(a.max()) > share + PINNED:
        return None
    k = 2 if fn == "binary_crossentropy" else class_count(context)
    if k is None:
        k = 2 if share >= 0.5 else None
    if k is None or k < 2 or not (1.0 / k + SKEW <= share < 0.999):
        return None
    return acc_name, share, int(k), int(ep[i])


def _validation_pinned(run: Run, k: int) -> tuple[str, float, list[tuple[str, float]]] | None:
    """(validation accuracy, its value, validation minority metrics at 0) when the validation accuracy prints
    one value in every epoch (at least `MIN_EPOCHS`) at a share `SKEW` above 1/K."""
    name = accuracy_metric(run, validation=True)
    if not name:
        return None
    a = run.series(name)
    a = a[np.isfinite(a)]
    if a.size < MIN_EPOCHS or float(np.ptp(a)) > PINNED or not (1.0 / k + SKEW <= float(a[-1]) < 0.999):
        return None
    return name, float(a[-1]), minority_zeros(run, int(run.epoch_numbers()[0]), validation=True)


def minority_zeros(run: Run, start: int, validation: bool = False) -> list[tuple[str, float]]:
    """Printed minority-class metrics (training, or ``validation``) at 0 in every epoch from ``start``."""
    out = []
    ep = run.epoch_numbers()
    for name in run.metrics:
        if is_validation(name) != validation:
            continue
        base = name.lower().removeprefix("val_").rstrip("0123456789_")
        if not any(base == m or base.startswith(m + "_") for m in MINORITY):
            continue
        y = run.series(name)[ep >= start]
        y = y[np.isfinite(y)]
        if y.size and float(np.max(np.abs(y))) == 0.0:
            out.append((name, 0.0))
    return out


def _at_prior(run: Run, context: dict[str, Any], k: int, share: float) -> tuple[str, float, float] | None:
    name = main_loss(run)
    if name is None or is_validation(name):
        return None
    y = run.series(name)
    y = y[np.isfinite(y)]
    if y.size == 0 or y[-1] <= 0:
        return None
    h = prior_entropy(majority_prior(k, share))
    loss = float(y[-1])
    if not math.isfinite(h) or h <= 0 or abs(loss / h - 1.0) > AT_PRIOR:
        return None
    return name, loss, h
