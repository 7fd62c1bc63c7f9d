"""Dropout is active while training and off for validation, so the training loss reads higher.

Keras reports the training loss with dropout applied (a noisier, weaker
network) and the validation loss without, so ``loss > val_loss`` all along is
expected. No replay: how much a dropout rate costs depends on the network;
the cause only says the gap is explained without anything being wrong.
"""
from __future__ import annotations

from typing import Any

from ..findings import Finding
from ..log import Log, Run
from .base import Cause, CauseModel, fmt, layer_dicts, number


def dropout_rates(context: dict[str, Any]) -> list[float]:
    found = [number(context.get("dropout"))]
    for layer in layer_dicts(context):
        found += [number(layer.get(k)) for k in ("dropout", "recurrent_dropout", "rate")]
        if layer.get("type") == "Dropout":
            found.append(number(layer.get("rate")) or number(layer.get("p")))
    return [v for v in found if v is not None and v > 0]


class DropoutGap(CauseModel):
    id = "dropout_gap"
    explains = ("train_val_gap",)

    def assess(self, target: Run | Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        assert isinstance(target, Run)
        gap = next((f for f in findings if f.symptom == "train_val_gap"), None)
        if gap is None:
            return None
        rates = dropout_rates(context)
        ratio = number(gap.stats.get("ratio")) or 0.0
        evidence = [f"training {gap.metric} above validation all along (ratio {fmt(ratio, 3)})"]
        if rates:
            evidence.append(f"dropout {', '.join(sorted({fmt(r) for r in rates}))} is applied in training only")
            confidence = 0.35 + 0.2 * gap.confidence
            if ratio > 5:  # dropout rarely multiplies a loss; a penalty or a bug does
                confidence *= 0.5
                evidence.append("but a ratio this large is more than dropout usually costs")
        elif context:
            return None
        else:
            evidence.append("the paste does not show the model; dropout (or another train-only regulariser) "
                            "is the usual reason")
            confidence = 0.3 * gap.confidence
        fix = ("nothing to fix: compare training and validation on equal terms with "
               "model.evaluate(x_train, y_train), which runs without dropout")
        return self.cause(confidence, [target.index], evidence, fix, None, ["train_val_gap"])
