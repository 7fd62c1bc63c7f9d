"""The output activation does not fit the loss function.

``sigmoid`` outputs with ``categorical_crossentropy`` treat ten independent
probabilities as one distribution; ``softmax`` over a single unit is always 1;
a linear output with a cross-entropy expects ``from_logits=True``. Keras does
not refuse these, it just trains something other than intended. This cause is
mostly read from the set-up alone, with no replay and a moderate confidence.
One case the log pins down by itself: a binary cross-entropy frozen at
``(1 - a) x -ln(1e-7)`` with the accuracy frozen at ``a`` is every output at
Keras' clipping bound for one class; the replay recomputes that number.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..context.setup import layer_dicts, loss_function
from ..findings import Finding
from ..log import Log, Run
from ..metrics import accuracy_metric, main_loss
from ..numeric import fmt
from .base import Cause, LogCause, Replay, judged, relative_errors, run_context

#: Keras clips probabilities to [EPSILON, 1 - EPSILON] before the log.
EPSILON = 1e-7
CE_MAX = -float(np.log(EPSILON))
#: Identical epochs that make the outputs pinned rather than slow.
PINNED_EPOCHS = 3


def clipped_level(run: Run, context: dict[str, Any]) -> tuple[int, str, float, str, float, float] | None:
    """(run, loss, its value, accuracy, its value, the loss of outputs pinned at the clipping bound) when a
    binary cross-entropy and its accuracy stay identical for `PINNED_EPOCHS` epochs at that level."""
    fn = loss_function(context) or ""
    if fn != "binary_crossentropy":
        return None
    name, acc_name = main_loss(run), accuracy_metric(run)
    if not name or not acc_name:
        return None
    y, a = run.series(name), run.series(acc_name)
    ok = np.isfinite(y) & np.isfinite(a)
    y, a = y[ok], a[ok]
    if y.size < PINNED_EPOCHS or np.ptp(y[-PINNED_EPOCHS:]) > 0 or np.ptp(a[-PINNED_EPOCHS:]) > 0:
        return None
    loss, acc = float(y[-1]), float(a[-1])
    if not 0.0 < acc < 1.0 or loss < 1.0:
        return None
    predicted = (1.0 - acc) * CE_MAX
    if abs(predicted - loss) > 0.01 * loss:
        return None
    return run.index, name, loss, acc_name, acc, predicted


def mismatch(context: dict[str, Any]) -> str | None:
    """Why the output activation and the loss disagree, or ``None`` when they agree or are unknown."""
    act = str(context.get("output_activation") or "").lower()
    loss = str(context.get("loss") or "").lower()
    if not act or not loss:
        return None
    layers = [layer for layer in layer_dicts(context) if layer.get("units")]
    units = layers[-1].get("units") if layers else None
    if act == "sigmoid" and "categorical_crossentropy" in loss:
        return f"sigmoid output with {loss}: the loss expects one softmax distribution over the classes"
    if act == "softmax" and units == 1:
        return "softmax over a single unit always outputs 1"
    if act == "softmax" and loss == "binary_crossentropy" and units and units > 1:
        return "softmax output with binary_crossentropy: the classes are not independent yes/no outputs"
    if act in ("linear", "relu") and "crossentropy" in loss and not context.get("from_logits"):
        return f"{act} output with {loss} without from_logits=True"
    return None


class LossActivationMismatch(LogCause):
    id = "loss_activation_mismatch"
    explains = ("loss_out_of_range", "plateau")

    def assess(self, log: Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        # A cross-entropy below zero is the targets', not the activation's (`targets_out_of_range`).
        pinned = [p for p in (clipped_level(r, run_context(log, r)) for r in log.runs) if p is not None]
        if pinned:
            return self._pinned(pinned)
        reasons = {r.index: mismatch(run_context(log, r)) for r in log.runs}
        runs = [i for i, why in reasons.items() if why]
        why = next((w for w in reasons.values() if w), None) or mismatch(context)
        if why is None:
            return None
        symptoms = sorted({f.symptom for f in findings if f.symptom in self.explains
                           and (f.run in runs or set(f.runs) & set(runs))})
        confidence = 0.45 + (0.15 if symptoms else 0.0)
        fix = ("for one label per sample use Dense(classes, activation='softmax') with categorical_crossentropy "
               "(sparse_categorical_crossentropy for integer labels); for independent labels sigmoid with "
               "binary_crossentropy")
        return self.cause(confidence, runs, [why] + [f"seen with {s}" for s in symptoms], fix, None, symptoms)

    def _pinned(self, pinned: list[tuple[int, str, float, str, float, float]]) -> Cause:
        """Every output at the clipped bound of one class: the binary cross-entropy is then exactly
        ``(1 - a) * -ln(eps)`` with ``a`` the share of that class (Keras clips to [eps, 1 - eps], eps = 1e-7)."""
        _, loss_name, loss, acc_name, acc, predicted = pinned[0]
        err = float(relative_errors([predicted], [loss], printed=False)[0])
        slack = (CE_MAX * 0.5e-4 + 0.5e-4) / loss  # the accuracy's and the loss's last printed digit
        replay = Replay(metric=loss_name, predicted=[predicted], observed=[loss], max_rel_error=err,
                        tolerance=slack, params={"epsilon": EPSILON, "share": acc},
                        status=judged(err <= slack),
                        note=(f"every output clipped to 1 - 1e-7 for the class the model always predicts: "
                              f"(1 - {acc:.4f}) x {CE_MAX:.4f} = {predicted:.4f} against the printed {loss:.4f}"))
        evidence = [(f"{loss_name} is {fmt(loss)} and {acc_name} {acc:.4f} in every epoch: exactly the binary "
                    f"cross-entropy of outputs pinned at the clipping bound, (1 - {acc:.4f}) x -ln(1e-7) = "
                    f"{fmt(predicted)}: one class predicted with certainty for every sample"),
                    ("the output is not a sigmoid the loss can train through (a linear/relu/softmax unit, or "
                    "saturated from the start)")]
        fix = ("end the model in Dense(1, activation='sigmoid') with binary_crossentropy (or a linear unit with "
               "from_logits=True), scale the inputs, and lower the learning rate x10 if the outputs saturate again")
        return self.cause(0.6, [p[0] for p in pinned], evidence, fix, replay, ["plateau"])
