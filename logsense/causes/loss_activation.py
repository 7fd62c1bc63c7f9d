"""The output activation does not fit the loss function.

``sigmoid`` outputs with ``categorical_crossentropy`` treat ten independent
probabilities as one distribution; ``softmax`` over a single unit is always 1;
a linear output with a cross-entropy expects ``from_logits=True``. Keras does
not refuse these, it just trains something other than intended. This cause is
read from the set-up alone, so it has no replay and a moderate confidence.
"""
from __future__ import annotations

from typing import Any

from ..context.setup import layer_dicts
from ..findings import Finding, RangeStats
from ..log import Log
from .base import Cause, LogCause, known, run_context


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
        negative = [f for f in findings if f.symptom == "loss_out_of_range" and RangeStats.of(f).reason == "negative"
                    and "crossentropy" in (RangeStats.of(f).loss_fn or "")]
        if negative:
            return self._targets_outside(negative)
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

    def _targets_outside(self, negative: list[Finding]) -> Cause:
        """A cross-entropy below zero: no output can do that, only targets outside [0, 1] can
        (``-y ln p`` with ``y`` a price or a count), so the loss does not fit the data."""
        first = min(negative, key=lambda f: (f.run if f.run is not None else -1, f.start_epoch or 0))
        runs = sorted({f.run for f in negative if f.run is not None})
        evidence = [(f"{first.metric} is negative ({known(RangeStats.of(first).value)} at epoch {first.start_epoch}): a "
                    f"cross-entropy cannot be, whatever the outputs, unless the targets lie outside [0, 1]"),
                    "a classification loss on regression targets"]
        fix = ("for real-valued targets use loss='mse' (or 'mae') with a linear output; for classes, give "
               "labels in [0, 1] (one-hot or 0/1) or integer labels with sparse_categorical_crossentropy")
        return self.cause(0.5 + 0.4 * max(f.confidence for f in negative), runs, evidence, fix, None,
                          ["loss_out_of_range"])
