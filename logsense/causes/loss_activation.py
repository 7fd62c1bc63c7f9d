"""The output activation does not fit the loss function.

``sigmoid`` outputs with ``categorical_crossentropy`` treat ten independent
probabilities as one distribution; ``softmax`` over a single unit is always 1;
a linear output with a cross-entropy expects ``from_logits=True``. Keras does
not refuse these, it just trains something other than intended. This cause is
read from the set-up alone, so it has no replay and a moderate confidence.
"""
from __future__ import annotations

from typing import Any

from ..findings import Finding
from ..log import Log, Run
from .base import Cause, CauseModel, layer_dicts, run_context


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


class LossActivationMismatch(CauseModel):
    id = "loss_activation_mismatch"
    explains = ("loss_out_of_range", "plateau")
    scope = "log"

    def assess(self, target: Run | Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        assert isinstance(target, Log)
        log = target
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
