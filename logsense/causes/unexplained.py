"""A symptom no registered cause explains: say so, and say what would tell the candidates apart.

The alternative is worse either way: calling the run ``healthy`` hides a real
problem, and an empty cause list leaves the reader with a finding and nothing
to do. This cause names the run's unexplained symptoms, the mechanisms that
commonly produce each, and for each the one thing to print or try that would
separate them (a check a forum answerer would ask for first).

It is a fallback: `rank.py` assesses it only for runs that no other cause
covers with some confidence, so its own confidence is deliberately modest and
it is never confirmed (there is nothing to replay).
"""
from __future__ import annotations

from typing import Any

from ..findings import Finding
from ..log import Run
from ..numeric import fmt
from .base import Cause, RunCause

#: What commonly produces each symptom, and what separates the candidates (print / try).
CHECKS: dict[str, tuple[str, str]] = {
    "plateau": (
        ("inputs not scaled or all zero, labels that do not match the loss (sparse vs one-hot, out of range), "
         "a learning rate far too low or too high, an output activation that does not fit the loss, frozen "
         "layers or dead ReLUs"),
        ("print x.min(), x.max(), np.bincount(y) and the loss of the first batch (ln K = a model that guesses "
         "the prior); try lr x10 and lr /10 for 2 epochs each; check model.summary() for trainable params"),
    ),
    "nan": (
        ("log(0) in the loss (from_logits mismatch, a custom loss), NaN/Inf in the data, huge targets, a "
         "learning rate too high"),
        ("print np.isnan(x).sum(), np.isinf(x).sum(), np.abs(y).max(); run "
         "tf.debugging.enable_check_numerics(); try lr /10 and clipnorm=1.0"),
    ),
    "divergence": (
        ("a learning rate too high, unscaled targets, a loss term that grows"),
        ("try lr /10; print y.std(); log the gradient norm per epoch"),
    ),
    "jump": (
        ("a learning-rate schedule or restart, a bad batch or shard, an optimizer state reset"),
        ("print the learning rate at the jump's epoch and the batch losses around it; try a smaller lr or "
         "clipnorm=1.0"),
    ),
    "oscillation": (
        ("a learning rate too high for the batch size, a small or unrepresentative validation set, batch-norm "
         "statistics that differ between training and inference"),
        ("print len(x_val) and the batch size; try lr /3 or a batch twice as large; evaluate the training set "
         "with model.evaluate to compare modes"),
    ),
    "overfitting": (
        ("too much capacity for the data, too little regularisation, validation data from another distribution"),
        ("print the parameter count against len(x_train); try dropout/L2 or fewer epochs "
         "(EarlyStopping(restore_best_weights=True))"),
    ),
    "train_val_gap": (
        ("dropout or regularisation active only in training, a validation set from another distribution, a "
         "leak between the sets"),
        ("model.evaluate(x_train, y_train) against the printed loss; check how the split was made"),
    ),
    "loss_out_of_range": (
        ("targets outside what the loss expects (cross-entropy on values outside [0, 1]), a custom loss or "
         "metric that is not bounded, a metric fed the wrong shapes"),
        ("print y.min(), y.max(), y.dtype and the loss/metric definitions"),
    ),
    "collapse": (
        ("the model predicts one value: dead output units, targets not scaled, a loss that rewards the mean"),
        ("print np.unique(model.predict(x[:100]).round(3)) and y.std()"),
    ),
    "lr_scaled_loss": (
        ("logits that grow with the learning rate (unscaled inputs)"),
        ("print x.max(); rescale inputs to [0, 1]"),
    ),
}
#: The fallback's confidence: a statement that the cause is unknown, not a guess at one.
CONFIDENCE = 0.3


class Unexplained(RunCause):
    id = "unexplained"
    explains = tuple(CHECKS)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        own = [f for f in findings if f.symptom]
        if not own:
            return None
        symptoms = list(dict.fromkeys(f.symptom for f in own))
        evidence = []
        for s in symptoms:
            f = max((f for f in own if f.symptom == s), key=lambda f: f.confidence)
            where = f" in {f.metric}" if f.metric else ""
            span = f" from epoch {f.start_epoch}" if f.start_epoch is not None else ""
            candidates, _ = CHECKS.get(s, ("an unlisted mechanism", ""))
            evidence.append(f"{s}{where}{span} (confidence {fmt(f.confidence, 2)}) is not explained by any known "
                            f"cause with the set-up this paste shows; candidates: {candidates}")
        tells = [f"{s}: {CHECKS[s][1]}" for s in symptoms if s in CHECKS]
        fix = "to tell the candidates apart - " + "; ".join(tells) if tells else "post the model code and data shapes"
        return self.cause(CONFIDENCE, [run.index], evidence, fix, None, symptoms)
