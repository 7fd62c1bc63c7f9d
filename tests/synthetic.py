"""A hand-built diagnosis for testing the page and the charts without the parser or detectors.

Built from seed 003's printed losses: run 0 (x = arange(10)) converges, run 1
(x = arange(20)) diverges. The replay is real gradient descent on y = w*x with
SGD lr 0.01, so predicted and observed agree the way a working replay would.
"""
from __future__ import annotations

import numpy as np

from logsense import Cause, Event, Finding, Log, Prediction, Replay, Report, Run

RUN0_LOSS = [257.6145, 47.6329, 8.8073, 1.6285, 0.3011, 0.0557, 0.0103, 0.0019, 3.5193e-04, 6.5076e-05]
RUN1_LOSS = [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375, 13107.8828, 28324.8320, 61207.1250,
             132262.4375, 285805.9688]


def gd_losses(x: np.ndarray, w0: float, lr: float, steps: int) -> list[float]:
    """MSE of y = w*x against 2x over full-batch gradient descent, before each step."""
    w, out = w0, []
    for _ in range(steps):
        err = (w - 2.0) * x
        out.append(float(np.mean(err ** 2)))
        w -= lr * float(np.mean(2.0 * err * x))
    return out


def synthetic_report() -> Report:
    x = np.arange(20, dtype=float)
    w0 = 2.0 - float(np.sqrt(RUN1_LOSS[0] / np.mean(x ** 2)))
    predicted = gd_losses(x, w0, 0.01, 10)
    observed = list(RUN1_LOSS)
    rel = np.abs(np.array(predicted) - observed) / np.abs(observed)

    run0 = Run(index=0, epoch_records=[{"epoch": i + 1, "loss": v, "seconds": 7.0} for i, v in enumerate(RUN0_LOSS)],
               step_records=[{"epoch": e, "step": s, "total": 10, "eta_seconds": None,
                              "loss": RUN0_LOSS[e - 1] * (1.2 - 0.02 * s)}
                             for e in range(1, 11) for s in range(1, 11)],
               meta={"format": "keras2", "locale": "zh", "verbose": 1, "declared_epochs": 10})
    run1 = Run(index=1, epoch_records=[{"epoch": i + 1, "loss": v, "val_loss": v * 1.1}
                                       for i, v in enumerate(RUN1_LOSS)],
               events=[Event(epoch=9, kind="checkpoint", text="val_loss did not improve")],
               meta={"format": "keras2", "locale": "en", "verbose": 1, "declared_epochs": 10})
    log = Log(runs=[run0, run1], context={"optimizer": "sgd", "lr": 0.01}, source="synthetic",
              predictions=[Prediction(line=40, values=np.array([[0.061, 0.42, 0.2], [0.062, 0.419, 0.201]]),
                                      elided=True)])
    collapse = Finding(symptom="collapse", confidence=0.95, source="predictions",
                       stats={"spread_ratio": 0.004}, message="rows nearly identical")
    divergence = Finding(symptom="divergence", metric="loss", start_epoch=1, end_epoch=10, confidence=0.99,
                         stats={"growth_factor": 2.1609, "r2": 1.0}, run=1,
                         message="loss grows x2.161 per epoch from 278.2 (epoch 1) to 2.858e+05 (epoch 10)")
    jump = Finding(symptom="jump", metric="val_loss", start_epoch=6, end_epoch=10, confidence=0.8,
                   stats={"epoch": 6, "size_sigma": 9.5}, run=1, message="val_loss jumps up at epoch 6")
    plateau = Finding(symptom="plateau", metric="loss", start_epoch=7, end_epoch=10, confidence=0.7,
                      stats={"slope": 0.0}, run=0, message="loss flat from epoch 7")
    replay = Replay(metric="loss", predicted=predicted, observed=observed, max_rel_error=float(rel.max()),
                    tolerance=0.01, params={"lr": 0.01, "w0": round(w0, 5)}, confirmed=bool(rel.max() <= 0.01),
                    note="10 steps of gradient descent on y = w*x", extra={"growth_factor": 2.1609})
    cause = Cause(cause="lr_too_high", confidence=0.98, runs=[1], symptoms=["divergence"],
                  evidence="loss x2.1609 per epoch = (1 - lr*h)^2 with h = 247", fix="lower lr below 0.0081",
                  replay=replay)
    second = Cause(cause="optimizer_instability", confidence=0.4, runs=[1], symptoms=["jump"],
                   evidence="a level shift after a stable stretch", fix="clip gradients")
    return Report(log=log, run_findings={0: [plateau], 1: [divergence, jump]}, log_findings=[collapse],
                  causes=[cause, second])
