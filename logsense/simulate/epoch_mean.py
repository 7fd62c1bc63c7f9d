"""What an epoch-averaged training loss prints when nothing is done to training alone.

Keras prints the training loss as the mean over the epoch's batches, while the
model improves, and the validation loss once, at the end of the epoch. Even a
model whose training and validation losses are the same function of time
therefore prints ``loss > val_loss`` while the loss falls. If the loss moves
geometrically between the epoch ends ``a`` and ``b`` (a straight line in log
space), the epoch mean is the logarithmic mean ``(b - a) / (ln b - ln a)``.
Taking the validation curve as that common curve gives the training loss the
averaging alone explains; what the log prints beyond it needs a term present in
training only (dropout, a penalty not added to validation, augmentation).
"""
from __future__ import annotations

import numpy as np


def logarithmic_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The mean of ``exp`` of a straight line from ``ln a`` to ``ln b``; ``a`` where they (nearly) agree."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (b - a) / (np.log(b) - np.log(a))
    return np.where(np.isclose(a, b, rtol=1e-9, atol=0.0), a, out)


def epoch_mean_curve(val_ends: np.ndarray, start: float | None = None) -> np.ndarray:
    """The training loss each epoch would print if it followed the validation curve.

    ``val_ends[k]`` is the validation loss at the end of epoch ``k``; epoch 0
    starts at ``start`` (the first batch's loss, when the bar printed it) and
    is NaN without it. Non-positive or non-finite values give NaN.
    """
    v = np.asarray(val_ends, dtype=float)
    starts = np.concatenate([[np.nan if start is None else float(start)], v[:-1]])
    valid = np.isfinite(starts) & np.isfinite(v) & (starts > 0) & (v > 0)
    out = np.full(v.shape, np.nan)
    out[valid] = logarithmic_mean(starts[valid], v[valid])
    return out
