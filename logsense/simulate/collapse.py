"""A sigmoid-output regression whose features carry no signal about the targets.

With MSE the best prediction that ignores the input is the per-dimension mean
of the targets, and the loss it reaches is ``Var(y)``. When the features hold
no usable signal (or their gradient never reaches the early layers) training
finds exactly that: every row of ``model.predict`` becomes the same vector of
column means. This module trains such a model from scratch so the profile
(column means, per-sample spread, final MSE) can be set beside a pasted one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass
class CollapseResult:
    """Predictions of the trained model and the statistics that characterise a collapse."""

    predictions: np.ndarray
    target_means: np.ndarray
    target_var: np.ndarray
    mse: float

    @property
    def column_means(self) -> np.ndarray:
        return self.predictions.mean(axis=0)

    @property
    def between_sample_std(self) -> float:
        """Typical spread of one output across samples (median over columns)."""
        return float(np.median(self.predictions.std(axis=0)))

    @property
    def between_column_std(self) -> float:
        return float(self.column_means.std())

    @property
    def ratio(self) -> float:
        return self.between_sample_std / max(self.between_column_std, 1e-12)


def simulate_collapse(target_means: ArrayLike, *, n: int = 4000, features: int = 8, target_spread: float = 0.1,
                      lr: float = 2.0, steps: int = 600, seed: int = 0) -> CollapseResult:
    """Fit ``sigmoid(X @ W + b)`` by full-batch GD with MSE on targets independent of ``X``.

    Targets are Beta-distributed in (0, 1) around ``target_means`` with standard
    deviation about ``target_spread``; features are standard normal noise. The
    weights start at zero, so every prediction starts at 0.5 (as a model whose
    pre-activation is ~0 does).
    """
    means = np.clip(np.asarray(target_means, dtype=float).ravel(), 0.02, 0.98)
    rng = np.random.default_rng(seed)
    # Beta(a, b) with mean mu and variance s^2: a + b = mu(1-mu)/s^2 - 1.
    var = np.minimum(target_spread ** 2, 0.9 * means * (1 - means))
    conc = means * (1 - means) / var - 1
    y = rng.beta(means * conc, (1 - means) * conc, size=(n, means.size))
    x = rng.standard_normal((n, features))
    w = np.zeros((features, means.size))
    b = np.zeros(means.size)
    for _ in range(steps):  # GD is sequential; each step is one vectorised pass
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        delta = 2.0 * (p - y) * p * (1 - p) / n
        w -= lr * (x.T @ delta)
        b -= lr * delta.sum(axis=0)
    held_out = rng.standard_normal((n, features))
    pred = 1.0 / (1.0 + np.exp(-(held_out @ w + b)))
    return CollapseResult(predictions=pred, target_means=y.mean(axis=0), target_var=y.var(axis=0),
                          mse=float(np.mean((1.0 / (1.0 + np.exp(-(x @ w + b))) - y) ** 2)))
