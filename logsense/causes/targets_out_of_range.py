"""The targets lie outside what the loss reads: a cross-entropy fed prices, counts or class numbers.

A cross-entropy ``-y ln p - (1 - y) ln(1 - p)`` is at least 0 for every target
``y`` in [0, 1], whatever the outputs; only a target above 1 (or below 0) makes
it negative. With Keras' clip to ``[eps, 1 - eps]`` the lowest a sample can
reach is about ``-(y - 1) x 16.118``, so a printed loss ``L < 0`` says the mean
target is at least ``1 + |L| / 16.118``: a price, a count, or integer class
labels 0..K-1 given to a single sigmoid unit. Once the output is at the clip,
``clip_by_value`` passes no gradient and the loss stops moving.

The same family: integer labels for ``sparse_categorical_crossentropy`` that are
not below the output's width (a copied ``Dense(3)`` head on 26 classes): the
loss reads outside the output, NaN on a GPU (an error on a CPU).

The replay (`simulate.bce_targets`), when the set-up gives K classes and a
single sigmoid unit: a bias-only sigmoid trained on the labels 0..K-1 read as
targets, with Keras' float32 clipping, and the level its loss freezes at against
the printed one. It assumes balanced classes, so a match is ``consistent``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..context.setup import layer_dicts, loss_function, mapping, output_activation
from ..findings import Finding, NanStats, RangeStats
from ..log import Run
from ..metrics import is_validation
from ..numeric import fmt, number
from ..simulate.bce_targets import mean_target_at_least, train_bias_sigmoid
from .base import CONSISTENT, Cause, Replay, RunCause, judged, relative_errors

#: The replay's frozen level must match the printed loss this closely (balanced classes assumed; Keras
#: versions differ in where they put the epsilon, about 4 % in the slope).
TOLERANCE = 0.05
#: More classes than this are not replayed (and not believed of a dataset).
MAX_CLASSES = 1000


class TargetsOutOfRange(RunCause):
    id = "targets_out_of_range"
    explains = ("loss_out_of_range", "plateau", "nan")

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        negative = [f for f in findings if f.symptom == "loss_out_of_range" and f.run in (None, run.index)
                    and RangeStats.of(f).reason == "negative" and "crossentropy" in (RangeStats.of(f).loss_fn or "")]
        if negative:
            return self._negative(run, negative, findings, context)
        return self._labels_past_output(run, findings, context)

    def _negative(self, run: Run, negative: list[Finding], findings: list[Finding],
                  context: dict[str, Any]) -> Cause:
        train = [f for f in negative if not is_validation(f.metric)] or negative
        first = min(train, key=lambda f: f.start_epoch or 0)
        value = _value_at(run, first.metric, first.start_epoch)
        if value is None:
            value = number(RangeStats.of(first).value)
        fn = RangeStats.of(first).loss_fn or "crossentropy"
        inferred = bool(first.stats.get("loss_fn_inferred"))
        shown = _printed(value) if value is not None else "?"
        evidence = [(f"{first.metric} is negative ({shown} at epoch {first.start_epoch}): a cross-entropy is at "
                     f"least 0 (the bound) for targets in [0, 1] whatever the outputs, so the targets lie outside "
                     f"[0, 1]" + ("; the paste does not name its loss, read here as a cross-entropy from the "
                                  "metrics (a custom loss can go below 0 by itself)" if inferred else ""))]
        if value is not None and fn == "binary_crossentropy":
            evidence.append(f"with outputs clipped at 1 - 1e-7 that needs a mean target of at least "
                            f"1 + {_printed(abs(value))} / 16.118 = {fmt(mean_target_at_least(value), 4)}")
        k = _dataset_classes(context)
        units = _output_units(context)
        if k is not None and units == 1:
            evidence.append(f"the set-up trains a single output unit on {k}-class labels (0..{k - 1}): the class "
                            f"numbers are read as targets")
        elif fn == "binary_crossentropy":
            evidence.append("a classification loss on regression targets (prices, counts) or on class numbers")
        plateau = next((f for f in findings if f.symptom == "plateau" and f.run in (None, run.index)), None)
        frozen = _frozen_from(run, first.metric)
        if frozen is not None:
            evidence.append(f"{first.metric} stops moving from epoch {frozen}: the outputs sit at the clip, which "
                            f"passes no gradient")
        replay = self.replay(run, findings, context)
        fix = ("for real-valued targets use loss='mse' (or 'mae') with a linear output and a regression metric; for "
               f"{k or 'K'} classes use Dense({k or 'K'}, activation='softmax') with sparse_categorical_crossentropy "
               "on the integer labels; for 0/1 labels keep binary_crossentropy and check y.min() >= 0 and "
               "y.max() <= 1")
        symptoms = ["loss_out_of_range"] + (["plateau"] if plateau is not None else [])
        strength = max(f.confidence for f in negative)
        prior = 0.3 + 0.3 * strength if inferred else 0.5 + 0.4 * strength
        return self.cause(prior, [run.index], evidence, fix, replay, symptoms)

    def _labels_past_output(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        """NaN from sparse_categorical_crossentropy on labels that are not below the output's width."""
        nan = next((f for f in findings if f.symptom == "nan" and f.run in (None, run.index)), None)
        if nan is None or (loss_function(context) or "") != "sparse_categorical_crossentropy":
            return None
        k, units = _dataset_classes(context), _output_units(context)
        if k is None or units is None or units < 2 or units >= k:
            return None
        epoch = NanStats.of(nan).epoch or nan.start_epoch
        evidence = [f"{nan.metric} is NaN from epoch {epoch} with sparse_categorical_crossentropy",
                    (f"the last layer has {units} units for {k} classes: every label from {units} to {k - 1} "
                     f"indexes past the output (NaN on a GPU, an InvalidArgumentError on a CPU)")]
        fix = (f"make the last layer Dense({k}, activation='softmax'), so the labels 0..{k - 1} index its outputs; "
               "check y.min() >= 0 and y.max() < the number of units")
        return self.cause(0.75, [run.index], evidence, fix, None, ["nan"])

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        k, units = _dataset_classes(context), _output_units(context)
        if k is None or units != 1 or k > MAX_CLASSES or (loss_function(context) or "") != "binary_crossentropy":
            return None
        act = output_activation(context)
        if act not in (None, "sigmoid"):
            return None
        negative = [f for f in findings if f.symptom == "loss_out_of_range" and f.run in (None, run.index)
                    and RangeStats.of(f).reason == "negative" and not is_validation(f.metric)]
        if not negative:
            return None
        metric = negative[0].metric
        y = run.series(metric)
        y = y[np.isfinite(y)]
        if y.size == 0:
            return None
        observed = float(y[-1])
        sim = train_bias_sigmoid(np.arange(k))
        predicted = float(sim.loss[-1])
        err = float(relative_errors([predicted], [observed])[0])
        status = CONSISTENT if err <= TOLERANCE else judged(False)
        return Replay(metric=metric, predicted=[predicted], observed=[observed], max_rel_error=err,
                      tolerance=TOLERANCE, params={"classes": k, "targets": f"0..{k - 1}", "epsilon": 1e-7},
                      status=status, extra={"binary_accuracy": float(sim.accuracy[-1])},
                      note=(f"a sigmoid unit trained with binary cross-entropy on the labels 0..{k - 1} as targets "
                            f"(balanced) runs to the clip and freezes at {fmt(predicted)} against the printed "
                            f"{fmt(observed)}; its binary accuracy is the share of label 1, "
                            f"{fmt(float(sim.accuracy[-1]), 3)}"
                            + ("; the class shares are assumed, so consistent, never confirmed"
                               if status == CONSISTENT else "")))


def _dataset_classes(context: dict[str, Any]) -> int | None:
    """K the set-up states or its dataset has (not the last layer's width, which is what is in doubt)."""
    for key in ("num_classes", "n_classes", "classes"):
        x = number(context.get(key))
        if x is not None and 2 <= x <= MAX_CLASSES:
            return int(x)
    x = number(mapping(context.get("dataset")).get("classes"))
    return int(x) if x is not None and 2 <= x <= MAX_CLASSES else None


def _output_units(context: dict[str, Any]) -> int | None:
    layers = [layer for layer in layer_dicts(context) if number(layer.get("units")) is not None]
    if not layers:
        return None
    return int(number(layers[-1].get("units")))


def _frozen_from(run: Run, metric: str) -> int | None:
    """The first epoch from which ``metric`` prints the same value to the end (at least 3 epochs), or None."""
    y = run.series(metric)
    ep = run.epoch_numbers()
    if y.size < 3 or not np.isfinite(y[-1]):
        return None
    i = y.size - 1
    while i > 0 and y[i - 1] == y[-1]:
        i -= 1
    return int(ep[i]) if y.size - i >= 3 else None


def _value_at(run: Run, metric: str, epoch: int | None) -> float | None:
    y, ep = run.series(metric), run.epoch_numbers()
    hit = np.flatnonzero(ep == epoch) if epoch is not None else np.array([], dtype=int)
    return float(y[hit[0]]) if hit.size and np.isfinite(y[hit[0]]) else None


def _printed(x: float) -> str:
    """A loss as Keras prints it (4 decimals), in exponent form only when that is shorter."""
    return f"{x:.4f}" if 1e-3 <= abs(x) < 1e9 else fmt(x)
