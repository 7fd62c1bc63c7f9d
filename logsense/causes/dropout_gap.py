"""Dropout is active while training and off for validation, so the training loss reads higher.

Keras reports the training loss with dropout applied (a noisier, weaker
network) and the validation loss without, so ``loss > val_loss`` all along is
expected. The replay takes away the other ordinary reason for that order, the
epoch averaging (`simulate.epoch_mean`): the training loss the validation curve
alone predicts is compared with the printed one, and a persistent excess beyond
the averaging's tolerance shows that something acts on training only. It does
not confirm dropout: what a rate costs depends on the weights, which a log does
not show, so the replay stays "consistent, not confirmed".
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..context.setup import layer_dicts
from ..detect import significance as stats
from ..findings import Finding, GapStats
from ..log import Run
from ..metrics import val_name
from ..numeric import fmt, number
from ..simulate.epoch_mean import epoch_mean_curve
from .base import CONSISTENT, CONTRADICTED, Cause, Replay, RunCause

#: How far above the averaging-only prediction a training loss may print with nothing train-only at
#: play. On the real Keras captures without dropout or penalty (healthy, l2_off, scaled, long_epoch,
#: both frameworks) the printed loss was at most 1.08x the prediction; generalisation only lowers it.
LAG_TOLERANCE = 0.15
#: Share of the comparable epochs whose excess must pass the tolerance for the gap to be train-only.
PERSISTENT = 0.75


def dropout_rates(context: dict[str, Any]) -> list[float]:
    found = [number(context.get("dropout"))]
    for layer in layer_dicts(context):
        found += [number(layer.get(k)) for k in ("dropout", "recurrent_dropout", "rate")]
        if layer.get("type") == "Dropout":
            found.append(number(layer.get("rate")) or number(layer.get("p")))
    return [v for v in found if v is not None and v > 0]


def first_batch(run: Run, metric: str) -> float | None:
    """The loss of the first batch, when the bar printed the running mean after one step."""
    if not run.step_records or not run.epoch_records:
        return None
    first_epoch = run.epoch_records[0].get("epoch")
    rec = next((r for r in run.step_records if r.get("epoch") == first_epoch and metric in r), None)
    if rec is None or rec.get("step") != 1:
        return None
    return number(rec.get(metric))


def averaging_replay(run: Run, metric: str) -> Replay | None:
    """Printed training loss against what the epoch averaging of the validation curve predicts."""
    val = val_name(metric)
    if val not in run.metrics:
        return None
    observed, ends = run.series(metric), run.series(val)
    predicted = epoch_mean_curve(ends, first_batch(run, metric))
    ok = np.isfinite(predicted) & np.isfinite(observed) & (predicted > 0)
    if not ok.any():
        return None
    excess = observed[ok] / predicted[ok]
    above = float(np.mean(excess > 1.0 + LAG_TOLERANCE))
    rel = np.abs(excess - 1.0)
    train_only = above >= PERSISTENT
    note = (f"the epoch averaging alone predicts the printed {metric} within {LAG_TOLERANCE:.0%} in "
            f"{int(np.sum(excess <= 1 + LAG_TOLERANCE))} of {excess.size} epochs; ")
    note += ((f"it prints a median {fmt(stats.median(excess), 3)}x that prediction, so a term acts on "
              "training only. Consistent with dropout, not confirmed: its cost depends on the weights")
             if train_only else "the gap is mostly the averaging, not a train-only term")
    return Replay(metric=metric, predicted=[float(v) for v in predicted[ok]],
                  observed=[float(v) for v in observed[ok]], max_rel_error=float(np.max(rel)),
                  tolerance=LAG_TOLERANCE, status=CONSISTENT if train_only else CONTRADICTED, note=note,
                  params={"median_excess": stats.median(excess), "share_above": above,
                          "train_only": train_only, "first_epoch_from_step_1": bool(np.isfinite(predicted[0]))},
                  extra={"epochs": [int(e) for e in run.epoch_numbers()[ok]]})


class DropoutGap(RunCause):
    id = "dropout_gap"
    explains = ("train_val_gap",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        gap = _gap(findings)
        if gap is None:
            return None
        rates = dropout_rates(context)
        if not rates and layer_dicts(context) and context.get("layers_source") != "override":
            return None  # the model is shown and has no dropout (typed layer widths do not show it)
        ratio = GapStats.of(gap).ratio or 0.0
        evidence = [f"training {gap.metric} above validation all along (ratio {fmt(ratio, 3)})"]
        if rates:
            evidence.append(f"dropout {', '.join(sorted({fmt(r) for r in rates}))} is applied in training only")
            confidence = 0.35 + 0.2 * gap.confidence
            if ratio > 5:  # dropout rarely multiplies a loss; a penalty or a bug does
                confidence *= 0.5
                evidence.append("but a ratio this large is more than dropout usually costs")
        else:
            evidence.append("the paste does not show the model; dropout (or another train-only regulariser) "
                            "is the usual reason")
            confidence = 0.3 * gap.confidence
        replay = self.replay(run, findings, context)
        if replay is not None:
            if replay.status == CONSISTENT:
                evidence.append(f"{fmt(replay.params['median_excess'], 3)}x the loss the epoch averaging "
                                f"explains, in {replay.params['share_above']:.0%} of epochs")
            else:
                evidence.append("the epoch averaging explains most of the gap")
        fix = ("nothing to fix: compare training and validation on equal terms with "
               "model.evaluate(x_train, y_train), which runs without dropout")
        return self.cause(confidence, [run.index], evidence, fix, replay, ["train_val_gap"])

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        gap = _gap(findings)
        return averaging_replay(run, gap.metric or "loss") if gap is not None else None


def _gap(findings: list[Finding]) -> Finding | None:
    return next((f for f in findings if f.symptom == "train_val_gap"), None)
