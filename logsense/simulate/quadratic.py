"""Gradient descent on a one-weight least-squares model ``y ≈ w * x``.

The loss ``mean((w*x - y)^2)`` is exactly quadratic in ``w``:
``L(w) = m * (w - w*)^2 + r`` with ``m = mean(x^2)``, ``w* = mean(x*y)/m`` and
residual ``r``. Its curvature is ``h = 2m``, so one full-batch GD step maps the
error ``w - w*`` to ``(1 - lr*h) * (w - w*)``, and the loss above ``r`` by
``(1 - lr*h)^2``. That single number explains both convergence and divergence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Quadratic:
    """``L(w) = m (w - w_star)^2 + residual`` for data ``x``, ``y``."""

    m: float
    w_star: float
    residual: float

    @classmethod
    def from_data(cls, x: ArrayLike, y: ArrayLike) -> Quadratic:
        xa = np.asarray(x, dtype=float).ravel()
        ya = np.asarray(y, dtype=float).ravel()
        m = float(np.mean(xa * xa))
        if m <= 0:
            raise ValueError("x is all zeros: the loss does not depend on the weight")
        w_star = float(np.mean(xa * ya)) / m
        residual = float(np.mean((w_star * xa - ya) ** 2))
        return cls(m=m, w_star=w_star, residual=residual)

    @property
    def h(self) -> float:
        """Curvature d²L/dw²."""
        return 2.0 * self.m

    @property
    def max_stable_lr(self) -> float:
        """GD diverges for ``lr >= 2/h``."""
        return 2.0 / self.h

    @property
    def best_lr(self) -> float:
        """``lr = 1/h`` lands on the minimum in one step."""
        return 1.0 / self.h

    def initial_weights(self, first_loss: float) -> tuple[float, float]:
        """Both weights whose loss is ``first_loss``: the loss cannot tell ``w* ± d`` apart."""
        d = math.sqrt(max(first_loss - self.residual, 0.0) / self.m)
        return self.w_star - d, self.w_star + d


@dataclass
class ScalarGD:
    """A replayed run: the loss each epoch prints (before that epoch's update) and the weights."""

    losses: np.ndarray
    weights: np.ndarray  # w_0 .. w_n: weights[-1] is the weight after training

    @property
    def final_weight(self) -> float:
        return float(self.weights[-1])


def gd_losses(x: ArrayLike, y: ArrayLike, w0: float, lr: float, steps: int,
              dtype: type = np.float32) -> ScalarGD:
    """Run ``steps`` full-batch GD updates the way Keras does with one batch per epoch.

    The loss Keras prints for an epoch of one batch is computed in the forward
    pass, before that batch's update. Arithmetic runs in ``dtype`` (Keras's
    float32 by default) so the replay rounds like the original.
    """
    xa: np.ndarray = np.asarray(x, dtype=dtype).ravel()
    ya: np.ndarray = np.asarray(y, dtype=dtype).ravel()
    w = dtype(w0)
    step = dtype(lr)
    losses = np.empty(steps, dtype=float)
    weights = np.empty(steps + 1, dtype=float)
    weights[0] = float(w)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):  # sequential by nature: each step needs the last weight
            err = w * xa - ya
            losses[k] = float(np.mean(err * err))
            grad = dtype(2.0) * np.mean(err * xa)
            w = dtype(w - step * grad)
            weights[k + 1] = float(w)
    return ScalarGD(losses=losses, weights=weights)


def lr_h_from_growth(growth_factor: float) -> tuple[float, ...]:
    """The values of ``lr*h`` whose per-step loss factor ``(1 - lr*h)^2`` is ``growth_factor``.

    A factor above 1 has one positive solution, ``1 + sqrt(g)`` (the weight
    overshoots and flips sign each step); below 1 there are two,
    ``1 - sqrt(g)`` (creeping) and ``1 + sqrt(g)`` (overshooting but shrinking).
    """
    if not growth_factor > 0:
        raise ValueError("growth factor must be positive")
    s = math.sqrt(growth_factor)
    return (1.0 + s,) if s >= 1 else (1.0 - s, 1.0 + s)
