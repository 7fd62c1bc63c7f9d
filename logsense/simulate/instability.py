"""An Adam-like optimizer hit by one large gradient after a long quiet stretch.

Adam divides the first-moment estimate by the root of the second moment. In a
quiet stretch the second moment decays towards the small typical gradient, so
when a rare large gradient arrives (an exploding LSTM step, an outlier batch)
the normalised step is ``~ lr (1-beta1)/sqrt(1-beta2) ≈ 3.2 lr`` per step for
several steps, whatever the gradient's size. The weights are thrown a
distance of about ``30 lr`` along whatever direction the spike pointed. Worse,
the spike has inflated the second moment, which now damps the way back for
about ``1/(1-beta2)`` steps: the loss shifts to a new level and stays there.

The simulation follows one flat direction of the loss, ``0.5 * a * theta^2``,
for a grid of curvatures ``a`` at once (one array, no Python loop over them).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike


@dataclass
class ShockResult:
    """Epoch-mean excess loss (over the data floor) for each curvature in ``curvatures``."""

    curvatures: np.ndarray
    shock_at: np.ndarray
    excess: np.ndarray  # shape (len(curvatures), window_epochs)
    shock_epoch: int
    params: dict[str, float] = field(default_factory=dict)


def simulate_shock(curvatures: ArrayLike, *, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                   eps: float = 1e-7, clipnorm: float | None = None, noise: float = 0.01, shock: float = 50.0,
                   steps_per_epoch: int = 40, quiet_epochs: int = 30, window_epochs: int = 10,
                   shock_epoch: int = 6, shock_at: ArrayLike = 0.5, seed: int = 0) -> ShockResult:
    """Adam on ``0.5 a theta^2`` with gradient noise; one gradient of size ``shock`` at ``shock_epoch``.

    Returns the epoch means of the loss (as Keras prints them: the mean of the
    per-batch losses, each taken before its update) over the last
    ``window_epochs`` epochs; the quiet stretch before it lets the moments settle.
    ``shock_at`` is where in its epoch the spike lands (0 = first batch), one
    value or one per curvature, so a grid over both runs as one array.
    """
    a, at = np.broadcast_arrays(np.asarray(curvatures, dtype=float).ravel(),
                                np.asarray(shock_at, dtype=float).ravel())
    a = a.astype(float)
    rng = np.random.default_rng(seed)
    total_epochs = quiet_epochs + window_epochs
    noise_draws = rng.standard_normal((total_epochs * steps_per_epoch,)) * noise
    theta = np.zeros_like(a)
    m = np.zeros_like(a)
    v = np.full_like(a, noise ** 2)
    shock_step = (quiet_epochs + shock_epoch) * steps_per_epoch + np.minimum(
        (at * steps_per_epoch).astype(int), steps_per_epoch - 1)
    epoch_loss = np.zeros((a.size, total_epochs))
    for t in range(total_epochs * steps_per_epoch):
        g = a * theta + noise_draws[t] + shock * (shock_step == t)
        if clipnorm is not None:
            g = np.clip(g, -clipnorm, clipnorm)  # one coordinate: the norm is |g|
        epoch_loss[:, t // steps_per_epoch] += 0.5 * a * theta ** 2
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta = theta - lr * m / (np.sqrt(v) + eps)
    epoch_loss /= steps_per_epoch
    return ShockResult(curvatures=a, shock_at=at.copy(), excess=epoch_loss[:, quiet_epochs:], shock_epoch=shock_epoch,
                       params={"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "noise": noise,
                               "shock": shock, "clipnorm": clipnorm if clipnorm is not None else float("nan"),
                               "steps_per_epoch": steps_per_epoch})
