"""A late, sudden level shift of the loss after a long stable stretch: the optimizer kicked itself.

Adaptive optimizers (Adam, RMSprop) divide by a running RMS of the gradient.
In a quiet stretch that RMS decays; a rare large gradient (exploding LSTM
steps, an outlier batch) then moves the weights ~``30 lr`` at once, and the
inflated second moment slows the way back for ~``1/(1-beta2)`` steps. The log
shows a jump that does not recover. Plain SGD without clipping does the same
with exploding gradients. The replay (`logsense.simulate.instability`) fits
the jump's shape, which is what the log can show; that the optimizer caused
it and not, say, a data shift, the log cannot prove, so it never confirms.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..context.setup import layer_dicts
from ..detect import significance as stats
from ..findings import Finding, JumpStats
from ..log import Run
from ..metrics import is_validation, val_name
from ..numeric import number
from ..simulate.instability import simulate_shock
from .base import CONSISTENT, CONTRADICTED, Cause, Replay, RunCause, combine, known

ADAPTIVE = ("adam", "adamax", "nadam", "rmsprop", "adagrad", "adadelta", "adamw")
RECURRENT = ("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU")
TOLERANCE = 0.05


def up_jumps(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.symptom == "jump" and JumpStats.of(f).direction == "up"]


class OptimizerInstability(RunCause):
    id = "optimizer_instability"
    explains = ("jump", "oscillation")

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        jumps = up_jumps(findings)
        if not jumps:
            return None
        main = next((f for f in jumps if not is_validation(f.metric)), jumps[0])
        s = JumpStats.of(main)
        evidence = [f"{main.metric} jumps up at epoch {s.epoch} by {known(s.size_sigma, 3)} "
                    f"noise sigmas ({known(s.before_mean)} -> {known(s.after_mean)}, "
                    f"p = {known(s.p_value, 2)}), "
                    + (f"recovered at epoch {s.recovery_epoch}" if s.recovered else "not recovered within the log")]
        others = [f for f in jumps if f is not main]
        if others:
            evidence.append("the same jump in " + ", ".join(f"{f.metric} ({known(JumpStats.of(f).size_sigma, 3)} "
                                                          f"sigma)" for f in others))
        first = int(run.epoch_numbers()[0]) if run.epoch_records else 0
        weights = [0.55 * main.confidence, 0.15 if others else 0.0]
        if first > 20 or (s.epoch or 0) > 20:
            weights.append(0.15)
            evidence.append("late in training, after a stable stretch")
        opt = str(context.get("optimizer") or "").lower()
        if opt in ADAPTIVE:
            weights.append(0.2)
            evidence.append(f"adaptive optimizer ({opt})")
        if any(layer.get("type") in RECURRENT for layer in layer_dicts(context)):
            weights.append(0.1)
            evidence.append("recurrent layers without gradient clipping" if not context.get("clipnorm")
                            else "recurrent layers")
        replay = self.replay(run, findings, context)
        if replay is not None:
            evidence.append(f"replay: Adam hit by one large gradient reproduces the {replay.metric} series to "
                            f"{replay.max_rel_error:.2g} relative")
        best = _best_epoch(run)
        fix = ("clip gradients (clipnorm=1.0), lower the learning rate late in training (ReduceLROnPlateau or a "
               "decay schedule), raise Adam's epsilon (e.g. 1e-4 instead of 1e-7) to damp steps when the gradient "
               "RMS has decayed, and keep the best weights (ModelCheckpoint(save_best_only=True)"
               + (f"; here the best val_loss was at epoch {best}" if best is not None else "") + ")")
        return self.cause(combine(*weights), [run.index], evidence, fix, replay, ["jump"])

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        main = next((f for f in up_jumps(findings) if not is_validation(f.metric)), None)
        if main is None or main.metric is None:
            return None
        y = run.series(main.metric)
        epochs = run.epoch_numbers()
        at = int(np.searchsorted(epochs, JumpStats.of(main).epoch or epochs[-1]))
        if not 2 <= at < y.size or not np.isfinite(y).all():
            return None
        # The detector dates the shift to the first clearly raised epoch; the shock may land in the one before.
        shock_epoch = at - 1 if y[at - 1] > stats.median(y[:at - 1]) * 1.01 and at >= 3 else at
        floor = float(np.mean(y[:shock_epoch]))
        curv, where = np.meshgrid(np.logspace(-1, 2, 16), np.linspace(0.05, 0.95, 10))
        lr = number(context.get("lr")) or 1e-3
        sim = simulate_shock(curv.ravel(), shock_at=where.ravel(), lr=lr, window_epochs=y.size,
                             shock_epoch=shock_epoch)
        ex = sim.excess
        tail = slice(shock_epoch, None)
        target_excess = y - floor
        scale = np.maximum((ex[:, tail] @ target_excess[tail]) / np.maximum((ex[:, tail] ** 2).sum(axis=1), 1e-300), 0)
        predicted = floor + scale[:, None] * ex
        errs = np.max(np.abs(predicted - y) / np.abs(y), axis=1)
        best = int(np.argmin(errs))
        control = simulate_shock([sim.curvatures[best]], shock_at=[sim.shock_at[best]], lr=lr, window_epochs=y.size,
                                 shock_epoch=shock_epoch, clipnorm=0.1)
        clipped = floor + scale[best] * control.excess[0]
        return Replay(metric=main.metric, predicted=predicted[best].tolist(), observed=y.tolist(),
                      max_rel_error=float(errs[best]), tolerance=TOLERANCE,
                      status=CONSISTENT if errs[best] <= TOLERANCE else CONTRADICTED,
                      params={"lr": lr, "curvature": float(sim.curvatures[best]),
                              "shock_at_epoch": float(epochs[shock_epoch] + sim.shock_at[best]),
                              "floor": floor, "scale": float(scale[best])},
                      note=("consistent with, not proven by, the log: the shock's size and the flat direction's "
                            "curvature are fitted to the jump, so the match shows the mechanism can print this "
                            "series, not that it did"),
                      extra={"epochs": epochs.tolist(), "with_clipnorm": clipped.tolist(),
                             "jump_with_clipnorm": float(np.max(clipped) - floor),
                             "jump": float(np.max(predicted[best]) - floor)})


def _best_epoch(run: Run) -> int | None:
    val = run.series(val_name("loss"))
    if not np.isfinite(val).any():
        return None
    return int(run.epoch_numbers()[int(np.nanargmin(val))])
