"""The classifier learned only the label prior: its loss sits at ln K (or the prior's entropy).

A cross-entropy of ``H(p)`` with an accuracy at the majority share is what a
model gets that ignores its input: nothing input-dependent reaches the output,
so only the output biases learn. Many mechanisms end there; the log says *that*
the model is stuck at the prior, the set-up says *why* most likely. The
candidate reasons are ranked by what the post shows (unscaled inputs, a loss
and output activation that do not pair, an output width that does not match
the classes, a learning rate out of range for the optimizer, frozen layers,
``validation_split`` on sorted data), each with the check that tells it apart.

The replay trains a bias-only softmax on the prior (`simulate.prior`) and
compares the level it reaches with the printed loss. A match is only
``consistent``: it shows the model predicts the prior, which every candidate
reason does alike, so it never confirms one of them; a miss contradicts.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..context.setup import class_count, layer_dicts, loss_function, mapping, output_activation
from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric, is_validation, main_loss
from ..numeric import fmt, number
from ..simulate.prior import majority_prior, prior_entropy, train_bias_only
from .base import CONSISTENT, Cause, Replay, RunCause, judged, relative_errors
from .saturated_logits import inputs_unscaled

#: Relative distance of the loss to the prior's entropy that counts as "at" it.
AT_PRIOR = 0.02
#: Accuracy at most this much above the majority share still counts as "learned nothing".
ACC_SLACK = 0.03
#: The replay must reach the printed level this closely.
TOLERANCE = 0.02
#: More classes than this in the set-up are not believed (and would not fit in a prior vector).
MAX_CLASSES = 100_000
#: Adam-family optimizers and the learning rate above which they rarely train a classifier.
ADAPTIVE = ("adam", "adamw", "nadam", "rmsprop", "adamax", "adagrad", "adadelta")


class StuckAtPrior(RunCause):
    id = "stuck_at_prior"
    explains = ("plateau",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        level = prior_level(run, context)
        if level is None:
            return None
        loss_name, loss, acc_name, acc, k, prior, source = level
        h = prior_entropy(prior)
        plateau = next((f for f in findings if f.symptom == "plateau"), None)
        evidence = [(f"{loss_name} ends at {fmt(loss)}, {100 * abs(loss / h - 1):.1f}% from {source} = {fmt(h)}: "
                    f"the cross-entropy of predicting the label prior and ignoring the input")]
        weights = 0.45
        if acc is not None:
            evidence.append(f"{acc_name} {fmt(acc, 4)} is the majority share {fmt(float(prior.max()), 4)}")
            weights += 0.1
        if plateau is not None:
            weights += 0.15
            evidence.append(f"the loss is flat from epoch {plateau.start_epoch}")
        reasons = candidate_reasons(run, context, k)
        evidence.append("likely reasons, best supported first: " + "; ".join(f"{r} ({why})" for r, why, _ in reasons))
        replay = self.replay(run, findings, context)
        fix = reasons[0][2] + "; then check that the first epoch's loss falls below " + fmt(h)
        return self.cause(weights, [run.index], evidence, fix, replay, ["plateau"] if plateau else [])

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        level = prior_level(run, context)
        if level is None:
            return None
        loss_name, loss, _, _, _, prior, source = level
        sim = train_bias_only(prior, epochs=3)
        err = float(relative_errors([sim.loss[-1]], [loss])[0])
        status = CONSISTENT if err <= TOLERANCE else judged(False)
        return Replay(metric=loss_name, predicted=[float(sim.loss[-1])], observed=[loss], max_rel_error=err,
                      tolerance=TOLERANCE, params={"classes": int(prior.size), "majority": float(prior.max())},
                      status=status,
                      note=(f"a bias-only softmax on the prior ({source}) reaches {fmt(float(sim.loss[-1]))} after "
                            f"3 epochs against the printed {fmt(loss)}"
                            + ("; the same for every candidate reason, so consistent, never confirmed"
                               if status == CONSISTENT else "")))


def prior_level(run: Run, context: dict[str, Any]) -> tuple[str, float, str | None, float | None, int,
                                                             np.ndarray, str] | None:
    """The run's final loss and accuracy when they sit at a label prior, with that prior and where it came from."""
    name = main_loss(run)
    if name is None or is_validation(name):
        return None
    y = run.series(name)
    y = y[np.isfinite(y)]
    if y.size == 0 or y[-1] <= 0:
        return None
    loss = float(y[-1])
    fn = loss_function(context) or ""
    if fn and "crossentropy" not in fn:
        return None
    acc_name = accuracy_metric(run)
    acc = None
    if acc_name:
        a = run.series(acc_name)
        a = a[np.isfinite(a)]
        acc = float(a[-1]) if a.size else None
    k = 2 if fn == "binary_crossentropy" else class_count(context)
    if k is not None and k > MAX_CLASSES:
        return None  # a set-up claiming more classes than any Keras head has is not trusted
    candidates: list[tuple[int, np.ndarray, str]] = []
    if k is not None:
        candidates.append((k, np.full(k, 1.0 / k), f"ln {k} ({k} balanced classes)"))
        if acc is not None and acc > 1.0 / k + ACC_SLACK and acc < 1.0:
            candidates.append((k, majority_prior(k, acc), (f"the entropy of a prior with majority share "
                                                          f"{fmt(acc, 3)} (from the accuracy)")))
    elif acc is not None and 0 < acc < 1:
        guesses = {max(2, round(1.0 / acc))}
        if loss < math.log(MAX_CLASSES) + 1:  # e^loss classes: never a head of millions (or an overflow)
            guesses.add(max(2, round(math.exp(loss))))
        for guess in sorted(g for g in guesses if g <= MAX_CLASSES):
            candidates.append((guess, np.full(guess, 1.0 / guess), f"ln {guess} ({guess} classes, from the accuracy)"))
    for kk, prior, source in candidates:
        h = prior_entropy(prior)
        if abs(loss / h - 1.0) > AT_PRIOR:
            continue
        if acc is not None and not (acc <= float(prior.max()) + ACC_SLACK):
            continue
        if acc is None and y.size < 2:
            continue  # one loss value alone could be anything on its way down
        return name, loss, acc_name, acc, kk, prior, source
    return None


def candidate_reasons(run: Run, context: dict[str, Any], k: int) -> list[tuple[str, str, str]]:
    """(reason, the post's evidence for it, fix) ranked by that evidence; generic checks last."""
    scored: list[tuple[float, str, str, str]] = []
    unscaled = inputs_unscaled(context)
    top = number(mapping(context.get("dataset")).get("input_max"))
    if unscaled:
        scored.append((0.9, "inputs not scaled", f"the inputs go up to {fmt(top) if top else 'their raw range'}",
                       "divide the inputs by their maximum (x / 255.0 for pixels) or standardise them"))
    fn = loss_function(context) or ""
    act = output_activation(context) or ""
    layers = layer_dicts(context)
    units = number(layers[-1].get("units")) if layers else None
    if fn == "binary_crossentropy" and act == "softmax" or fn == "categorical_crossentropy" and act == "sigmoid" \
            and units == 1 or fn.endswith("crossentropy") and act in ("linear", "relu") and fn != "binary_crossentropy":
        scored.append((0.85, "loss and output activation do not pair", f"{fn} on a {act} output",
                       ("use softmax with (sparse_)categorical_crossentropy, sigmoid with binary_crossentropy, "
                       "or from_logits=True on a linear output")))
    if units is not None and k and units not in (k, 1) and fn != "binary_crossentropy":
        scored.append((0.8, "output width does not match the classes", f"{int(units)} output units for {k} classes",
                       f"make the last layer Dense({k})"))
    lr = number(context.get("lr"))
    opt = str(context.get("optimizer") or "").lower()
    if lr is not None and (opt in ADAPTIVE and lr >= 0.01 or opt == "sgd" and lr >= 0.5):
        scored.append((0.6, "learning rate too high for the optimizer", f"{opt} with lr {fmt(lr)}",
                       f"lower the learning rate to {fmt(lr / 10)} (x0.1)"))
    if lr is not None and lr <= 1e-5:
        scored.append((0.5, "learning rate too low", f"lr {fmt(lr)}", f"raise the learning rate to {fmt(lr * 100)}"))
    if any(layer.get("trainable") is False for layer in layers) or context.get("frozen"):
        scored.append((0.5, "frozen layers", "layers with trainable=False", ("unfreeze the layers or check "
                       "model.summary() for non-trainable params")))
    if number(context.get("validation_split")) and _val_off_prior(run):
        scored.append((0.5, "validation_split on class-sorted data", "validation accuracy far from training",
                       "shuffle the data before fit(validation_split=...)"))
    generic = [(0.2, "labels that do not match the loss", "not shown in the post",
                ("print y[:10] and y.shape: integer labels need sparse_categorical_crossentropy, one-hot labels "
                "categorical_crossentropy, both within 0..K-1")),
               (0.15, "inputs all zero or constant", "not shown in the post",
                "print x.min(), x.max(), x.std() of one batch"),
               (0.1, "dead ReLUs", "not shown in the post",
                "print the fraction of zero activations of each ReLU layer on one batch; try lr x0.1 or LeakyReLU")]
    seen = {s[1] for s in scored}
    ranked = sorted(scored, key=lambda s: -s[0]) + [g for g in generic if g[1] not in seen]
    return [(r, why, fix) for _, r, why, fix in ranked]


def _val_off_prior(run: Run) -> bool:
    name = accuracy_metric(run, validation=True)
    train = accuracy_metric(run)
    if not name or not train:
        return False
    v, t = run.series(name), run.series(train)
    v, t = v[np.isfinite(v)], t[np.isfinite(t)]
    return bool(v.size and t.size and abs(float(v[-1]) - float(t[-1])) > 0.3)
