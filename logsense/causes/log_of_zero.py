"""The NaN comes from a log(0) (or a division by zero) inside the loss, not from the step size.

A cross-entropy computed from probabilities takes ``log(p)``; a probability of
exactly 0 (a saturated softmax/sigmoid in float32, a custom loss without an
epsilon, ``from_logits`` set the wrong way) makes it ``-inf`` and the gradient
NaN, whatever the learning rate. The paste often says so itself: numpy prints
``RuntimeWarning: divide by zero encountered in log`` and Keras warns when a
loss told ``from_logits=True`` receives a softmax/sigmoid output.

No replay: where the zero arises depends on the data; the evidence is the
printed warning, quoted with its line.
"""
from __future__ import annotations

from typing import Any

from ..findings import Finding, NanStats
from ..log import Run
from .base import Cause, RunCause
from .paste_warnings import of_kind


class LogOfZero(RunCause):
    id = "log_of_zero"
    explains = ("nan",)

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        nan = next((f for f in findings if f.symptom == "nan"), None)
        if nan is None:
            return None
        zero = of_kind(self.log, "log_of_zero")
        logits = of_kind(self.log, "from_logits")
        if not zero and not logits:
            return None
        epoch = NanStats.of(nan).epoch or nan.start_epoch
        evidence = [f"{nan.metric} becomes NaN at epoch {epoch}"]
        weights = 0.0
        if zero:
            evidence.append(f"the paste prints '{zero[0].text}': a log or a division met 0")
            weights = 0.75
        if logits:
            evidence.append(f"Keras warns about from_logits ('{logits[0].text[:80]}'): the loss and the output "
                            f"activation disagree, so probabilities of exactly 0 reach the log")
            weights = max(weights, 0.6) + (0.1 if zero else 0.0)
        fix = ("add an epsilon inside every log and division of the loss (tf.math.log(x + 1e-7), "
               "tf.clip_by_value(p, 1e-7, 1 - 1e-7)); with a softmax/sigmoid output keep from_logits=False, with a "
               "linear output use from_logits=True; guard box/size ratios against 0 (np.log(gt_h / a_h) needs gt_h > 0)")
        return self.cause(weights, [run.index], evidence, fix, None, ["nan"])
