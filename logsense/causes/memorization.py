"""The model memorises its training set: validation gets worse while training keeps improving.

This is what an `overfitting` finding means when nothing else is wrong: the
network has the capacity to fit the training samples one by one, so after the
parting epoch every further step lowers the training loss on what it has seen
and raises the loss on what it has not. The log pins down the epoch to keep
(the lowest validation loss) and, with the set-up, how many parameters face
how many training samples and whether anything regularised them.

No replay: when validation turns and how fast it climbs depend on the data,
which no log holds, so a simulation would only repeat its own assumptions.
The cause is therefore never called confirmed. One cross-check the log does
allow is reported: the epoch Keras' own callbacks kept (EarlyStopping's
restored epoch, ModelCheckpoint's last improvement) against the parting epoch.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..context.layers import has_weights
from ..context.setup import layer_dicts, mapping
from ..findings import Finding, OverfittingStats
from ..log import Run
from ..metrics import is_accuracy
from ..numeric import fmt, number
from .base import Cause, RunCause, combine
from .dropout_gap import dropout_rates
from .l2_penalty import l2_lambdas

#: Weight of the overfitting finding itself; the set-up adds to it, a replay never does.
FINDING_WEIGHT = 0.6
#: More parameters than training samples: enough capacity to memorise them.
OVERPARAMETERISED = 1.0


class Memorization(RunCause):
    id = "memorization"
    explains = ("overfitting",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        found = next((f for f in findings if f.symptom == "overfitting"), None)
        if found is None or not found.metric:
            return None
        val = run.series(found.metric)
        epochs = run.epoch_numbers()
        ok = np.isfinite(val)
        if not ok.any():
            return None
        lower_is_better = not is_accuracy(found.metric)
        i = int(np.argmin(np.where(ok, val, np.inf)) if lower_is_better else np.argmax(np.where(ok, val, -np.inf)))
        best_epoch, best = int(epochs[i]), float(val[i])
        last = float(val[ok][-1])
        evidence = [(f"{found.metric} is best at epoch {best_epoch} ({fmt(best)}) and ends at {fmt(last)} "
                    f"after {int(epochs[-1]) - best_epoch} more epochs, while training keeps improving "
                    f"(parting at epoch {_or(OverfittingStats.of(found).part_epoch, best_epoch)})")]
        weights = [FINDING_WEIGHT * found.confidence]

        kept = _kept_epoch(run)
        agrees = kept is not None and abs(kept[1] - best_epoch) <= 1
        if kept is not None:
            evidence.append(f"{kept[0]} kept the weights of epoch {kept[1]}" + (
                ", the same turn" if agrees else f", not of the best epoch {best_epoch}"))

        params, samples = _parameters(context), _training_samples(run, context)
        if params is not None and samples is not None:
            ratio = params / samples
            evidence.append(f"{params:,} parameters for {samples:,} training samples ({fmt(ratio, 3)} per sample)")
            if ratio > OVERPARAMETERISED:
                weights.append(0.3)
        elif samples is not None:
            evidence.append(f"{samples:,} training samples")

        shown = bool(layer_dicts(context)) and context.get("layers_source") != "override"
        rates = dropout_rates(context)
        lambdas = [v for v in l2_lambdas(context) if v > 0]
        if rates or lambdas:
            named = ([f"dropout {fmt(max(rates))}"] if rates else []) + ([f"L2 {fmt(max(lambdas))}"] if lambdas else [])
            evidence.append(f"despite {' and '.join(named)} in the set-up")
        elif shown:
            evidence.append("the model has no dropout or weight penalty")
            weights.append(0.15)
        evidence.append("no replay: when validation turns depends on the data, which a log does not hold")

        keep = (f"keep the weights of epoch {best_epoch} ({found.metric} {fmt(best)}): "
                f"EarlyStopping(monitor='{found.metric}', patience=3, restore_best_weights=True) "
                f"or ModelCheckpoint(save_best_only=True)")
        if kept is not None and agrees:
            keep = f"the weights {kept[0]} kept (epoch {kept[1]}) are the ones to use"
        shrink = "more training data or augmentation, dropout or an L2 penalty"
        if params is not None and samples is not None and params > samples:
            shrink += f", or a smaller model ({params:,} parameters for {samples:,} samples)"
        else:
            shrink += ", or a smaller model"
        return self.cause(combine(*weights), [run.index], evidence, f"{keep}; to narrow the gap: {shrink}",
                          None, ["overfitting"])


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _kept_epoch(run: Run) -> tuple[str, int] | None:
    """Which callback kept which epoch's weights: EarlyStopping's restored epoch, else the last checkpoint save."""
    for event in run.events:
        if event.kind == "restore_weights" and number(event.value) is not None:
            return "EarlyStopping", int(event.value)  # type: ignore[arg-type]
    improved = [e.epoch for e in run.events
                if e.kind == "checkpoint" and "improved from" in e.text and e.epoch is not None]
    return ("ModelCheckpoint", improved[-1]) if improved else None


def _parameters(context: dict[str, Any]) -> int | None:
    """Trainable weights of the model when every weighted layer's count is known."""
    counts = [number(layer.get("params")) for layer in layer_dicts(context) if has_weights(layer)]
    if not counts or any(c is None for c in counts):  # an LSTM or Conv layer of unknown size: no total
        return None
    total = int(sum(c for c in counts if c is not None))
    return total or None


def _training_samples(run: Run, context: dict[str, Any]) -> int | None:
    """Samples trained on: Keras 0/1's ``Train on N``, else the pasted data less the validation split."""
    printed = number(run.meta.get("train_samples"))
    if printed:
        return int(printed)
    data = mapping(context.get("data"))
    n = number(data.get("n_samples")) or number(mapping(context.get("dataset")).get("n_train"))
    if not n:
        return None
    split = number(context.get("validation_split")) or 0.0
    return round(n * (1.0 - split)) if 0.0 <= split < 1.0 else None
