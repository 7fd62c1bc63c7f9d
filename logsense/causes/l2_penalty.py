"""The training loss includes ``lambda * sum(W^2)``; the validation loss may not.

Keras 0.x/1.x add weight penalties to the training loss only, so a regularised
model shows a training loss far above its validation loss although nothing is
wrong. (Keras 2+ adds them to both: the penalty then shows as a floor under
both losses.) The size of the penalty at initialisation follows from layer
shapes, lambda and the initialiser alone (`logsense.simulate.penalty`).

Replay tolerance: the printed epoch loss is an average over the epoch while
weight decay shrinks the weights, so the penalty at initialisation is an upper
bound for the first epoch's gap. If the penalty shrinks by a factor ``r`` per
epoch (``r`` read from the gaps of consecutive epochs) the epoch averages are
``P0 r^k (1-r)/(-ln r)``; the replay must match the observed gaps within 15 %,
which covers a decay that is not exactly geometric and the small train/val
difference in the data loss itself (the lambda = 0 control run shows its size).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..context.setup import layer_dicts, mapping
from ..findings import Finding, GapStats
from ..log import Run
from ..metrics import base_name, is_validation, val_name
from ..numeric import fmt, number
from ..simulate.penalty import decayed_epoch_means, layer_penalties
from .base import CONSISTENT, Cause, Replay, RunCause, combine, judged, known, relative_errors, run_context

TOLERANCE = 0.15
#: Frameworks whose printed loss holds no weight penalty: PyTorch optimizers apply ``weight_decay`` in
#: the update (Lightning, the HF Trainer, fastai, YOLO and hand-written loops all print the data loss).
NOT_IN_LOSS = frozenset({"lightning", "hf_trainer", "fastai", "yolo", "loop"})
#: A run whose first printed epoch is later than this is far from initialisation.
NEAR_INIT_EPOCH = 1


def l2_lambdas(context: dict[str, Any]) -> list[float]:
    """Every L2 coefficient the set-up names (global or per layer and tensor)."""
    found = [number(context.get("l2"))]
    for layer in layer_dicts(context):
        for reg in mapping(layer.get("regularizers")).values():
            if isinstance(reg, dict):
                found.append(number(reg.get("l2")))
    return [v for v in found if v is not None]


class L2PenaltyInLoss(RunCause):
    id = "l2_penalty_in_loss"
    explains = ("train_val_gap", "plateau")

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        if run.meta.get("format") in NOT_IN_LOSS:
            return None  # PyTorch's weight_decay acts in the optimizer step: the printed loss never holds it
        lambdas = [v for v in l2_lambdas(context) if v > 0]
        if not lambdas:
            return None
        gap = next((f for f in findings if f.symptom == "train_val_gap"), None)
        terms = layer_penalties(layer_dicts(context), number(context.get("l2")))
        p0 = sum(t.penalty for t in terms) if terms else None
        evidence = [f"L2 lambda {', '.join(sorted({fmt(v) for v in lambdas}))} in the set-up"]
        if p0 is not None:
            evidence.append(f"expected penalty at initialisation {fmt(p0, 3)} = sum over "
                            f"{len(terms)} regularised tensors of lambda*E[sum W^2] "
                            f"({', '.join(f'{t.layer}.{t.tensor} {fmt(t.sum_sq, 4)}' for t in terms[:6])})")
        weights = [0.25]
        symptoms: list[str] = []
        if gap is not None:
            symptoms.append("train_val_gap")
            weights.append(0.3 * gap.confidence)
            gap_stats = GapStats.of(gap)
            evidence.append(f"training {gap.metric} above validation: ratio {known(gap_stats.ratio)}, "
                            f"first gap {known(gap_stats.first_gap)}")
        else:
            floor = _loss_floor(run)
            if p0 is None and floor is not None:
                # Lambda alone does not size the penalty, and with Keras 2+ it is in val_loss too, so
                # the log shows nothing: say what is missing, below any cause the log supports.
                return self.cause(0.15, [run.index], evidence + [
                    ("no train/val gap (Keras 2+ adds the penalty to val_loss too), so its share of the printed "
                    f"loss (lowest {fmt(floor)}) needs the layer sizes, which the set-up does not give")],
                    "give the layer sizes (layers=... or the model code) to size the penalty", None, [])
            if p0 is None or floor is None or p0 < 0.25 * floor:
                return None
            weights.append(0.5 * min(p0 / floor, 1.0))
            evidence.append(f"no train/val gap (Keras 2+ adds the penalty to val_loss too); the penalty {fmt(p0, 3)} "
                            f"is {100 * min(p0 / floor, 1):.0f}% of the lowest printed loss {fmt(floor)}")
        control = self._control(run)
        if control:
            evidence.append(control)
            weights.append(0.2)
        replay = self.replay(run, findings, context)
        if replay is not None and replay.params.get("first_epoch", 0) > NEAR_INIT_EPOCH:
            evidence.append(f"the log starts at epoch {replay.params['first_epoch']}: the penalty of the trained "
                            f"weights is not shown (at init it was {fmt(p0 or 0.0, 3)}), so the share of the gap it "
                            f"explains is consistent, not confirmed")
        elif replay is not None:
            evidence.append(f"replay: predicted gaps {', '.join(fmt(v, 3) for v in replay.predicted)} vs observed "
                            f"{', '.join(fmt(v, 3) for v in replay.observed)} (max rel. error "
                            f"{replay.max_rel_error:.2g}, tolerance {replay.tolerance:g})")
        fix = ("nothing is wrong with training: the reported training loss adds lambda*sum(W^2)"
               + (f" (~{fmt(p0, 3)} at initialisation)" if p0 is not None else "")
               + "; compare val_loss with the training data's loss without the penalty "
                 "(model.evaluate on the training set in the same Keras, or subtract sum(model.losses))")
        return self.cause(combine(*weights), [run.index], evidence, fix, replay, symptoms)

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        terms = layer_penalties(layer_dicts(context), number(context.get("l2")))
        gap = next((f for f in findings if f.symptom == "train_val_gap"), None)
        if not terms or gap is None or not gap.metric:
            return None
        p0 = sum(t.penalty for t in terms)
        train = run.series(gap.metric)
        val = run.series(val_name(base_name(gap.metric)))
        observed = train - val
        ok = np.isfinite(observed)
        if not ok.any():
            return None
        observed = observed[ok]
        epochs = run.epoch_numbers()[ok].tolist()
        first_epoch = int(run.epoch_numbers()[0]) if run.epoch_records else 0
        params = {"penalty_at_init": p0, "lambda_terms": len(terms), "first_epoch": first_epoch}
        if first_epoch > NEAR_INIT_EPOCH:
            note = (f"the log starts at epoch {first_epoch}, far from initialisation: the penalty then is "
                    f"lambda*sum(W^2) of trained weights, which the log does not show. The penalty at init "
                    f"({fmt(p0, 3)}) exceeds the gap ({fmt(float(observed.mean()), 3)}), so the penalty can account "
                    f"for it if sum(W^2) has shrunk to ~{fmt(float(observed.mean()) / max(t.lam for t in terms), 3)}; "
                    f"consistent, not confirmed")
            err = relative_errors([p0] * observed.size, observed, printed=False)
            return Replay(metric="gap", predicted=[p0] * observed.size, observed=observed.tolist(),
                          max_rel_error=float(err.max()), tolerance=TOLERANCE, params=params, status=CONSISTENT,
                          note=note, extra={"epochs": epochs})
        factor = float(observed[1] / observed[0]) if observed.size >= 2 and observed[0] > 0 else 1.0
        predicted = decayed_epoch_means(p0, factor, observed.size)
        err = relative_errors(predicted, observed, printed=False)
        max_err = float(err.max())
        params.update({"decay_per_epoch": factor})
        note = (f"epoch averages of a penalty starting at {fmt(p0, 3)} and shrinking x{fmt(factor, 3)} per epoch "
                f"(the decay is read from the observed gaps); the penalty at init alone is an upper bound "
                f"for the first epoch's gap ({fmt(float(observed[0]), 3)} <= {fmt(p0, 3)}: "
                f"{'yes' if observed[0] <= p0 * (1 + TOLERANCE) else 'no'})")
        return Replay(metric="gap", predicted=list(predicted), observed=observed.tolist(), max_rel_error=max_err,
                      tolerance=TOLERANCE, params=params, status=judged(max_err <= TOLERANCE), note=note,
                      extra={"epochs": epochs, "per_tensor": [
                          {"layer": t.layer, "tensor": t.tensor, "shape": list(t.shape), "initializer": t.initializer,
                           "lambda": t.lam, "sum_sq": t.sum_sq} for t in terms]})

    def _control(self, run: Run) -> str:
        """A run of the same paste with lambda = 0: its gap shows what the data loss alone does."""
        for other in self.log.runs:
            if other.index == run.index:
                continue
            ctx = run_context(self.log, other)
            lambdas = l2_lambdas(ctx)
            if not lambdas or any(v > 0 for v in lambdas):
                continue
            for metric in other.metrics:
                val = other.series(val_name(metric)) if not is_validation(metric) else None
                if val is None or not np.isfinite(val).any():
                    continue
                gap = other.series(metric) - val
                if np.isfinite(gap).any():
                    return (f"control: run {other.index} (lambda = 0) has a gap of only "
                            f"{fmt(float(np.nanmean(np.abs(gap))), 2)}")
        return ""


def _loss_floor(run: Run) -> float | None:
    y = run.series("loss")
    y = y[np.isfinite(y)]
    return float(y.min()) if y.size else None
