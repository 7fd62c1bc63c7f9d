"""Binary cross-entropy on targets above 1: the sigmoid runs to Keras' clip and stays there.

Keras computes ``-y ln p - (1 - y) ln(1 - p)`` with ``p`` clipped to
``[eps, 1 - eps]`` (eps = 1e-7). For a target ``y`` in [0, 1] that is at least
0; for ``y > 1`` it falls without bound as ``p -> 1``: its derivative in the
logit is ``p - y < 0`` for every ``p``, so gradient descent pushes the output up
until the clip, where ``clip_by_value`` passes no gradient and the loss freezes
at ``-y ln(1 - eps) - (1 - y) ln eps``, about ``-(y - 1) x 16.118`` per sample. Averaged over the data that is ``16.118 (1 - mean(y))``: a
negative loss that says the mean target, and a loss that stops moving.

`train_bias_sigmoid` trains exactly that, the output bias of a sigmoid unit in
float32 with Keras' clipping, on integer class labels ``0..K-1`` read as targets;
the binary accuracy it prints is the share of the samples whose target is 1
(``round(p) = 1``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EPSILON = 1e-7


def pinned_loss(mean_target: float, eps: float = EPSILON) -> float:
    """The mean binary cross-entropy when every output sits at the clip ``1 - eps``."""
    return float(-mean_target * math.log(1.0 - eps) - (1.0 - mean_target) * math.log(eps))


def mean_target_at_least(loss: float, eps: float = EPSILON) -> float:
    """The smallest mean target a printed binary cross-entropy allows (every output at ``1 - eps`` is the
    lowest loss a target above 1 can give): ``1 + |loss| / 16.118`` for a negative loss."""
    c0, c = -math.log(eps), math.log((1.0 - eps) / eps)
    return float((c0 - loss) / c)


@dataclass
class BceResult:
    """Epoch-end loss and binary accuracy of the bias-only sigmoid, and the targets it was trained on."""

    targets: np.ndarray
    shares: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray
    #: The first epoch whose output is at the clip (no gradient from there on), or None.
    pinned_from: int | None


def train_bias_sigmoid(targets: np.ndarray, shares: np.ndarray | None = None, epochs: int = 3,
                       steps: int = 100, lr: float = 0.5) -> BceResult:
    """A sigmoid unit's bias trained with Adam (float32, Keras' clipping) on ``targets`` with ``shares``.

    The epoch's loss and accuracy are the running means over its steps, as Keras prints them. The
    default step is large so the bias reaches the clip within the first epoch: the level the loss
    freezes at does not depend on how fast it gets there (a network's logits, on raw inputs, get
    there faster than a bias at lr 1e-3), only on the targets.
    """
    y = np.asarray(targets, dtype=np.float32)
    w = np.full(y.size, 1.0 / y.size) if shares is None else np.asarray(shares, dtype=float) / np.sum(shares)
    mean_y = float(np.dot(w, y))
    eps = np.float32(EPSILON)
    b = np.float32(0.0)
    m = v = 0.0
    t = 0
    losses, accs = [], []
    pinned_from = None
    for epoch in range(1, epochs + 1):
        total = hits = 0.0
        for _ in range(steps):
            p_raw = np.float32(1.0) / (np.float32(1.0) + np.exp(-b, dtype=np.float32))
            p = np.clip(p_raw, eps, np.float32(1.0) - eps)
            total += float(np.dot(w, -y * np.log(p) - (1 - y) * np.log(np.float32(1.0) - p)))
            hits += float(np.dot(w, (y == np.round(p)).astype(float)))
            # d loss / d b through the clip: zero once the sigmoid is past it.
            grad = float(p_raw - mean_y) if eps < p_raw < 1 - eps else 0.0
            t += 1
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad * grad
            b = np.float32(b - lr * (m / (1 - 0.9 ** t)) / (math.sqrt(v / (1 - 0.999 ** t)) + 1e-7))
        losses.append(total / steps)
        accs.append(hits / steps)
        p_end = 1.0 / (1.0 + math.exp(-float(b)))
        if pinned_from is None and np.float32(p_end) >= 1 - eps:
            pinned_from = epoch
    return BceResult(targets=y, shares=w, loss=np.array(losses), accuracy=np.array(accs), pinned_from=pinned_from)
