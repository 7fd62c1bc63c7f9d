"""Try a fix: replay the proposed change (a learning rate) with the mechanism the cause was confirmed by.

The re-run form says what set-up the log ran with; this answers the other
question, "what if I change it": it runs the same simulation as the cause's
replay with the new value and says whether and how fast the loss converges.
Only causes with a simulator that takes the changed value can be tried
(`tryable`); for the rest the page says so.

* ``lr_too_high`` with the one-weight set-up in the text: gradient descent on
  the pasted data from the replay's inferred initial weight (`gd_losses`);
* ``lr_too_high`` from the log alone: one quadratic mode whose ``lr*h`` is
  scaled by the new learning rate (``(1 - lr*h)^2`` per epoch), when the text
  names the learning rate it ran with.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .causes.lr_too_high import quad_targets, scalar_problem
from .context.setup import mapping
from .numeric import fmt, number
from .simulate.quadratic import gd_losses

if TYPE_CHECKING:  # pragma: no cover
    from .causes.base import Cause
    from .log import Log

#: Epochs a tried fix is simulated for, and the epoch its loss is quoted at.
EPOCHS = 50
QUOTE_EPOCH = 10
#: Converged: the loss's excess over its floor is below this share of where it started.
CONVERGED = 1e-3


@dataclass
class FixTrial:
    """A fix replayed: the value tried, the loss per epoch, when it converges, in words."""

    cause: str
    setting: str
    value: float
    losses: list[float] = field(default_factory=list)
    converged_epoch: int | None = None
    diverges: bool = False
    how: str = ""

    @property
    def loss_at_quote(self) -> float | None:
        return self.losses[QUOTE_EPOCH - 1] if len(self.losses) >= QUOTE_EPOCH else None

    @property
    def summary(self) -> str:
        head = f"{self.setting} = {fmt(self.value)}"
        if self.diverges:
            return f"{head} still diverges: the loss grows every epoch ({self.how})"
        at = self.loss_at_quote
        quote = f"; loss after {QUOTE_EPOCH} epochs {fmt(at)}" if at is not None else ""
        if self.converged_epoch is not None:
            return f"{head} converges in {self.converged_epoch} epochs{quote} ({self.how})"
        return f"{head} does not converge within {len(self.losses)} epochs{quote} ({self.how})"


def tryable(cause: Cause, log: Log) -> dict[str, float] | None:
    """What can be tried for ``cause``: ``{"lr": proposed}`` (the fix's value), or None."""
    if cause.cause != "lr_too_high" or cause.replay is None:
        return None
    params = cause.replay.params
    if number(params.get("best_lr")) is not None:
        return {"lr": float(f"{params['best_lr']:.2g}")}
    lr = _log_lr(log, cause)
    lr_h = number(params.get("lr_h"))
    if lr is not None and lr_h:
        return {"lr": float(f"{lr / lr_h:.2g}")}
    return None


def try_fix(cause: Cause, log: Log, lr: float, epochs: int = EPOCHS) -> FixTrial | None:
    """Replay ``cause`` with the learning rate ``lr``; None when it has no simulator for that.

    Example:
        >>> import logsense
        >>> from pathlib import Path
        >>> report = logsense.diagnose(Path("fixtures/seeds/003_9c859962b7b1f775.txt"))
        >>> trial = try_fix(report.top_cause, report.log, 0.004)
        >>> trial.converged_epoch is not None and not trial.diverges
        True
    """
    if cause.cause != "lr_too_high" or cause.replay is None or not (lr > 0 and math.isfinite(lr)):
        return None
    params = cause.replay.params
    run = next((r for r in log.runs if cause.runs and r.index == cause.runs[0]), None)
    context = {**(log.context or {}), **((run.context or {}) if run is not None else {})}
    quad = scalar_problem(context)
    w0 = number(params.get("w0"))
    if quad is not None and w0 is not None:
        data = mapping(context.get("data"))
        x = np.asarray(data["x_values"], dtype=float)
        y = quad_targets(data, x)
        if y is not None:
            sim = gd_losses(x, y, w0, lr, epochs)
            losses = np.asarray(sim.losses, dtype=float)
            return _trial(cause.cause, lr, losses, quad.residual,
                          f"gradient descent on the pasted data, w0 = {fmt(w0, 6)}, lr*h = {fmt(lr * quad.h, 4)}")
    lr_h, old_lr = number(params.get("lr_h")), _log_lr(log, cause)
    first = number(cause.replay.observed[0]) if cause.replay.observed else None
    if lr_h and old_lr and first:
        new = lr_h * lr / old_lr
        with np.errstate(over="ignore"):
            losses = first * ((1.0 - new) ** 2) ** np.arange(epochs)
        return _trial(cause.cause, lr, losses, 0.0,
                      f"one quadratic mode, lr*h = {fmt(lr_h, 4)} x {fmt(lr)}/{fmt(old_lr)} = {fmt(new, 4)}; "
                      "the mechanism, not the log's own data")
    return None


def _trial(cause: str, lr: float, losses: np.ndarray, floor: float, how: str) -> FixTrial:
    finite = losses[np.isfinite(losses)]
    diverges = finite.size < losses.size or (finite.size > 1 and finite[-1] > finite[0])
    excess = np.abs(losses - floor)
    start = excess[0] if excess.size and excess[0] > 0 else None
    converged = None
    if start is not None and not diverges:
        below = np.flatnonzero(excess <= CONVERGED * start)
        converged = int(below[0]) + 1 if below.size else None
    values = [float(v) if math.isfinite(v) else math.inf for v in losses]
    return FixTrial(cause, "lr", lr, values, converged, bool(diverges), how)


def _log_lr(log: Log, cause: Cause) -> float | None:
    run = next((r for r in log.runs if cause.runs and r.index == cause.runs[0]), None)
    ctx: dict[str, Any] = {**(log.context or {}), **((run.context or {}) if run is not None else {})}
    return number(ctx.get("lr"))
