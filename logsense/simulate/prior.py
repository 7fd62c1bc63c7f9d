"""A classifier whose inputs tell it nothing about the label: it learns the label prior, and stops there.

When nothing reaches the output that depends on the input (inputs all zero, a
dead or frozen network, labels that do not match what the loss reads), the
gradient only moves the output biases. Cross-entropy then falls to the entropy
of the label prior, ``H(p) = -sum p ln p`` (ln K for K balanced classes), and
the accuracy to the majority share. The simulation trains exactly that model,
biases only, with Adam-like normalised steps, so a cause can compare the
level a log sits at with the level a model that learned nothing reaches.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass
class PriorResult:
    """Epoch-end loss and accuracy of the bias-only model, and the prior it was trained on."""

    prior: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray

    @property
    def entropy(self) -> float:
        p = self.prior[self.prior > 0]
        return float(-(p * np.log(p)).sum())


def prior_entropy(prior: np.ndarray) -> float:
    """``H(p)`` in nats: the cross-entropy of predicting the prior itself."""
    p = np.asarray(prior, dtype=float)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log(p)).sum())


def majority_prior(classes: int, majority: float) -> np.ndarray:
    """The prior with one class at ``majority`` and the rest shared equally (what an accuracy alone tells)."""
    k = max(int(classes), 2)
    m = min(max(float(majority), 1.0 / k), 1.0 - 1e-9)
    rest = (1.0 - m) / (k - 1)
    return np.array([m] + [rest] * (k - 1))


def train_bias_only(prior: np.ndarray, epochs: int = 5, steps: int = 200, lr: float = 0.01,
                    seed: int = 0) -> PriorResult:
    """Softmax cross-entropy on labels drawn from ``prior`` with no usable input: only the biases learn.

    Each step draws a batch of 32 labels; the update is a sign-normalised (Adam-like) step on the
    bias gradient ``softmax(b) - onehot(y)``. Returns each epoch's mean loss and accuracy over the
    label distribution.

    The replay is a pure function of its arguments (a fixed seed) and a log of thousands of runs
    asks for the same few priors again and again (ln 2, ln 10, ...): each distinct one is trained
    once (`_train_cached`), each caller gets its own copies of the arrays.
    """
    p = np.asarray(prior, dtype=float)
    p = p / p.sum()
    if p.size > CACHED_CLASSES:  # a huge head: its bytes would make a heavy key, train it afresh
        return _train(p, epochs, steps, lr, seed)
    cached = _train_cached(p.tobytes(), int(epochs), int(steps), float(lr), int(seed))
    return PriorResult(prior=cached.prior.copy(), loss=cached.loss.copy(), accuracy=cached.accuracy.copy())


#: Priors up to this many classes are remembered (at most 128 of them, ~8 kB each at most).
CACHED_CLASSES = 1000


@lru_cache(maxsize=128)
def _train_cached(prior_bytes: bytes, epochs: int, steps: int, lr: float, seed: int) -> PriorResult:
    """`train_bias_only` on a normalised prior given as its float64 bytes (hashable, exact)."""
    return _train(np.frombuffer(prior_bytes, dtype=float).copy(), epochs, steps, lr, seed)


def _train(p: np.ndarray, epochs: int, steps: int, lr: float, seed: int) -> PriorResult:
    rng = np.random.default_rng(seed)
    k = p.size
    b = np.zeros(k)
    m = np.zeros(k)
    v = np.zeros(k)
    losses, accs = [], []
    t = 0
    # Every batch's labels in one draw: the same stream as one draw of 32 per step.
    labels = rng.choice(k, size=(epochs, steps, 32), p=p)
    for epoch in range(epochs):
        total, hits, n = 0.0, 0.0, 0
        for step in range(steps):
            y = labels[epoch, step]
            z = b - b.max()
            e = np.exp(z)
            q = e / e.sum()
            # The epoch's loss and accuracy over the whole label distribution (a large data set),
            # so the printed-style figures carry no sampling noise of their own.
            total += float(-(p * np.log(q)).sum())
            hits += float(p[int(np.argmax(q))])
            n += 1
            grad = q - np.bincount(y, minlength=k) / y.size
            t += 1
            m = 0.9 * m + 0.1 * grad
            v = 0.999 * v + 0.001 * grad ** 2
            b -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-7)
        losses.append(total / n)
        accs.append(hits / n)
    return PriorResult(prior=p, loss=np.array(losses), accuracy=np.array(accs))
