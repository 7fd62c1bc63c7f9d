"""Unscaled inputs drive the logits far into saturation; the loss scales with the learning rate.

tf.keras computes ``categorical_crossentropy`` from the logits it caches on a
sigmoid/softmax output, so the loss is unbounded. With raw 0..255 pixels the
logits are huge after the first update: training runs in the perceptron regime,
each misclassified sample costs its logit margin, and those margins (the
weights) grow in proportion to the learning rate while the decision boundary,
hence the accuracy, does not. Two runs that differ only in lr show a loss
ratio equal to the lr ratio at equal accuracy; scaled inputs make it vanish.

The replay trains softmax regression on synthetic overlapping 10-class
0..255 data at the paste's two learning rates. It can reproduce the *ratio*,
not the absolute loss (that needs the real images).
"""
from __future__ import annotations

from typing import Any

from ..context.setup import mapping
from ..findings import Finding, LrScaledStats, PlateauStats, RangeStats
from ..log import Log, Run
from ..metrics import is_validation
from ..numeric import fmt, number
from ..simulate.softmax import overlapping_classes, train_softmax_regression
from .base import Cause, LogCause, Replay, combine, judged, known, run_context

TOLERANCE = 0.10
#: Largest input value above which inputs count as unscaled pixels.
SCALED_MAX = 10.0


def inputs_unscaled(context: dict[str, Any]) -> bool | None:
    """``True``/``False`` when the set-up says whether inputs were scaled, ``None`` when it cannot tell."""
    scaled = context.get("inputs_scaled")
    if isinstance(scaled, bool):
        return not scaled
    top = number(mapping(context.get("dataset")).get("input_max"))
    return (top > SCALED_MAX) if top is not None else None


class SaturatedLogits(LogCause):
    id = "saturated_logits"
    explains = ("loss_out_of_range", "lr_scaled_loss")

    def assess(self, log: Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        # Unbounded logits make a cross-entropy huge, never negative: that is the targets (loss_activation).
        ranges = [f for f in findings if f.symptom == "loss_out_of_range" and f.metric
                  and not is_validation(f.metric) and "crossentropy" in (RangeStats.of(f).loss_fn or "")
                  and RangeStats.of(f).reason != "negative"]
        scaled = _scaled(findings)
        frozen = [f for f in findings if f.symptom == "plateau" and PlateauStats.of(f).frozen]
        frozen_unscaled = [f for f in frozen if inputs_unscaled(run_context(log, _run(log, f.run))) is True]
        if not ranges and scaled is None and not frozen_unscaled:
            return None
        runs = ({f.run for f in ranges + frozen_unscaled if f.run is not None}
                | set(scaled.runs if scaled else []))
        contexts = [run_context(log, r) for r in log.runs if r.index in runs] or [context]
        unscaled = [u for u in (inputs_unscaled(c) for c in contexts) if u is not None]
        evidence: list[str] = []
        weights: list[float] = []
        symptoms: list[str] = []
        if ranges:
            top = max(ranges, key=lambda f: RangeStats.of(f).value or 0.0)
            r = RangeStats.of(top)
            symptoms.append("loss_out_of_range")
            weights.append(0.5 * top.confidence)
            evidence.append(f"run {top.run} {top.metric} {known(r.value)} exceeds "
                            f"{known(r.bound, 3)} ({r.reason or 'the bound for this loss'}): "
                            f"the loss is computed from unbounded logits")
        if scaled is not None:
            symptoms.append("lr_scaled_loss")
            weights.append(0.6 * scaled.confidence)
            st = LrScaledStats.of(scaled)
            evidence.append(f"runs {' and '.join(map(str, scaled.runs))}: loss ratio "
                            f"{known(st.loss_ratio, 3)} (epoch 1: "
                            f"{known(st.first_epoch_ratio, 3)}) against lr ratio "
                            f"{fmt(st.lr_ratio, 3) if st.lr_ratio else 'unknown'}, accuracy differs by only "
                            f"{known(st.acc_diff, 2)}")
        if frozen and (scaled is not None or frozen_unscaled):
            symptoms.append("plateau")
            weights.append(0.3)
            evidence.append("loss frozen at " + ", ".join(f"{known(PlateauStats.of(f).level)} (run {f.run})"
                                                         for f in frozen)
                            + ": saturated outputs pass no gradient (Keras 3 clips the probabilities instead of "
                              "using the logits, so the loss stays bounded but training stops)")
        if unscaled and all(unscaled):
            top_in = number(mapping(contexts[0].get("dataset")).get("input_max"))
            weights.append(0.4)
            evidence.append("inputs are not scaled" + (f" (values up to {fmt(top_in)})" if top_in else ""))
        elif unscaled and not any(unscaled):
            weights = [w * 0.5 for w in weights]
            evidence.append("but the set-up says inputs were scaled")
        replay = self.replay(log, findings, context)
        if replay is not None:
            evidence.append(f"replay (synthetic data): loss ratio {fmt(replay.predicted[0], 3)} vs observed "
                            f"{fmt(replay.observed[0], 3)}, accuracy {fmt(replay.extra['accuracy'][0], 3)} vs "
                            f"{fmt(replay.extra['accuracy'][1], 3)}; scaled inputs: ratio "
                            f"{fmt(replay.extra['scaled_ratio'], 3)}, loss {fmt(replay.extra['scaled_loss'][0], 3)}")
            if not replay.confirmed:
                evidence.append("the replayed ratio misses the observed one, so the perceptron-regime "
                                "mechanism is not confirmed here")
        fix = ("scale the inputs (x_train = x_train / 255.0, and the same for validation/test data) and use a "
               "softmax output with categorical_crossentropy; the loss then drops to O(1)"
               + (f" (replay: {fmt(replay.extra['scaled_loss'][0], 3)})" if replay is not None else "")
               + " and no longer grows with the learning rate")
        return self.cause(combine(*weights), sorted(runs), evidence, fix, replay, symptoms)

    def replay(self, log: Log, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        scaled = _scaled(findings)
        if scaled is None or len(scaled.runs) != 2:
            return None
        ctx = [run_context(log, r) for r in log.runs if r.index in scaled.runs]
        lrs = [number(c.get("lr")) for c in ctx]
        st = LrScaledStats.of(scaled)
        lr_ratio = st.lr_ratio
        if len(lrs) == 2 and all(lrs) and lrs[0] != lrs[1]:
            lr_a, lr_b = float(lrs[0]), float(lrs[1])  # type: ignore[arg-type]
        elif lr_ratio:
            lr_a, lr_b = 0.01, 0.01 * lr_ratio
        else:
            return None  # without the learning rates the ratio to predict is unknown
        observed = st.first_epoch_ratio or st.loss_ratio
        if observed is None:
            return None
        x, y = overlapping_classes()
        raw = [train_softmax_regression(x, y, lr, epochs=1) for lr in (lr_a, lr_b)]
        norm = [train_softmax_regression(x, y, lr, scale=255.0, epochs=1) for lr in (lr_a, lr_b)]
        ratio = float(raw[1].loss[0] / raw[0].loss[0])
        scaled_ratio = float(norm[1].loss[0] / norm[0].loss[0])
        acc = [float(r.accuracy[0]) for r in raw]
        err = abs(ratio - observed) / observed
        mechanism = abs(acc[0] - acc[1]) < 0.05 and abs(scaled_ratio - 1) < 0.3 and max(r.loss[0] for r in norm) < 10
        return Replay(metric="loss_ratio", predicted=[ratio], observed=[observed], max_rel_error=float(err),
                      tolerance=TOLERANCE, status=judged(bool(err <= TOLERANCE and mechanism)),
                      params={"lr": [lr_a, lr_b], "data": "2000 x 64 synthetic 0..255, 10 overlapping classes",
                              "batch_size": 32, "epochs": 1},
                      note=("softmax regression on synthetic unscaled data reproduces the epoch-1 loss ratio; "
                            "the absolute loss (hundreds on MNIST) depends on the real images and is not replayed"),
                      extra={"loss": [float(r.loss[0]) for r in raw], "accuracy": acc,
                             "scaled_loss": [float(r.loss[0]) for r in norm], "scaled_ratio": scaled_ratio,
                             "scaled_accuracy": [float(r.accuracy[0]) for r in norm]})


def _scaled(findings: list[Finding]) -> Finding | None:
    return next((f for f in findings if f.symptom == "lr_scaled_loss"), None)


def _run(log: Log, index: int | None) -> Run:
    return next((r for r in log.runs if r.index == index), Run(index=-1))
