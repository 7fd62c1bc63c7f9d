"""Softmax regression trained by minibatch SGD, loss computed from the logits.

This is what a ``Dense(10, sigmoid|softmax)`` + ``categorical_crossentropy``
model becomes under tf.keras: the loss is taken from the logits cached on the
output layer, so it is unbounded. With raw 0..255 pixels the logits are huge
from the first step, every misclassified sample costs its logit margin, and
the margins grow linearly with the learning rate while the decision boundary
(hence accuracy) does not care about the scale: the loss is proportional to
lr. Scaling inputs to [0, 1] puts training back in the smooth regime where the
loss is O(1) and nearly independent of lr over an epoch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SoftmaxResult:
    """Printed-style epoch means of the training loss and accuracy."""

    lr: float
    scale: float
    loss: np.ndarray
    accuracy: np.ndarray


def overlapping_classes(n: int = 2000, dim: int = 64, classes: int = 10, label_noise: float = 0.15,
                        seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Image-like data in 0..255: shared background, weak class patterns, heavy pixel noise.

    A share of labels is drawn at random so that no linear model separates the
    classes: misclassified samples keep contributing loss, as on MNIST.
    """
    rng = np.random.default_rng(seed)
    background = rng.uniform(0.0, 160.0, size=dim)
    patterns = rng.normal(0.0, 30.0, size=(classes, dim))
    labels = rng.integers(0, classes, size=n)
    x = background + patterns[labels] + rng.normal(0.0, 40.0, size=(n, dim))
    x = np.clip(np.rint(x), 0.0, 255.0)
    flip = rng.random(n) < label_noise
    labels = np.where(flip, rng.integers(0, classes, size=n), labels)
    return x, labels


def train_softmax_regression(x: np.ndarray, labels: np.ndarray, lr: float, *, scale: float = 1.0,
                             epochs: int = 2, batch_size: int = 32, classes: int | None = None,
                             seed: int = 0) -> SoftmaxResult:
    """Train ``softmax(x/scale @ W + b)`` with SGD; return epoch means as Keras prints them.

    The weights start glorot-uniform from a fixed seed, so runs at different
    learning rates share their start and visit batches in the same order.
    """
    k = int(classes or labels.max() + 1)
    n, dim = x.shape
    rng = np.random.default_rng(seed)
    limit = np.sqrt(6.0 / (dim + k))
    w = rng.uniform(-limit, limit, size=(dim, k))
    b = np.zeros(k)
    xs = x / scale
    onehot = np.eye(k)[labels]
    order = [rng.permutation(n) for _ in range(epochs)]
    losses, accs = np.empty(epochs), np.empty(epochs)
    for e in range(epochs):
        total_loss = total_hit = 0.0
        for start in range(0, n, batch_size):
            idx = order[e][start:start + batch_size]
            xb, yb = xs[idx], onehot[idx]
            z = xb @ w + b
            zmax = z.max(axis=1, keepdims=True)
            lse = zmax[:, 0] + np.log(np.exp(z - zmax).sum(axis=1))
            total_loss += float(np.sum(lse - np.sum(z * yb, axis=1)))
            total_hit += float(np.sum(z.argmax(axis=1) == labels[idx]))
            p = np.exp(z - lse[:, None])
            g = (p - yb) / len(idx)
            w -= lr * (xb.T @ g)
            b -= lr * g.sum(axis=0)
        losses[e], accs[e] = total_loss / n, total_hit / n
    return SoftmaxResult(lr=lr, scale=scale, loss=losses, accuracy=accs)
