"""Synthetic training curves with known truth, for benchmarks and property tests.

Like ``ruptures.datasets``: each generator draws one `Run` from a seeded numpy
``Generator`` and returns it with what was planted in it (`Truth`). Healthy
curves decay exponentially or as a power law towards a floor, with
multiplicative, mildly autocorrelated noise (epoch values are averages over
many batches, so their noise is small and smooth); validation sits a little
above training. Each symptom is planted on top of such a curve.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .log import Run

KINDS = ("healthy", "jump", "divergence", "plateau", "oscillation", "overfitting")


@dataclass
class Truth:
    """What was planted: the symptom id (None for healthy), where, and its size."""

    symptom: str | None
    metrics: tuple[str, ...] = ()
    epoch: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Synthetic:
    run: Run
    truth: Truth


def make(kind: str, seed: int) -> Synthetic:
    """One synthetic run of ``kind`` (see `KINDS`), reproducible from ``seed``."""
    rng = np.random.default_rng([KINDS.index(kind), seed])
    return _GENERATORS[kind](rng)


def healthy_curve(rng: np.random.Generator, n: int) -> tuple[np.ndarray, float, float]:
    """A noiseless decaying loss of n epochs, with its start level and floor."""
    start = math.exp(rng.uniform(math.log(0.3), math.log(5.0)))
    floor = start * rng.uniform(0.03, 0.5)
    t = np.arange(n, dtype=float)
    if rng.random() < 0.5:
        shape = np.exp(-t / (n * rng.uniform(0.08, 0.5)))
    else:
        shape = (1.0 + t / rng.uniform(0.5, 8.0)) ** -rng.uniform(0.3, 1.5)
    return floor + (start - floor) * shape, start, floor


def noise(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """AR(1) Gaussian noise with marginal standard deviation ``sigma``."""
    phi = rng.uniform(0.0, 0.5)
    e = rng.normal(0.0, sigma * math.sqrt(1 - phi * phi), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sigma)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def _run(series: dict[str, np.ndarray], context: dict[str, Any] | None = None, first_epoch: int = 1) -> Run:
    n = len(next(iter(series.values())))
    records = [{"epoch": first_epoch + i, **{k: float(v[i]) for k, v in series.items()}} for i in range(n)]
    return Run(index=0, epoch_records=records, meta={"format": "synthetic"}, context=dict(context or {}))


def _base(rng: np.random.Generator, n: int, *, val: bool = True) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Train (and validation) loss and accuracy of a healthy run, plus the parameters used.

    ``params["val_curve"]`` keeps the noiseless validation curve for generators that bend it.
    """
    curve, start, floor = healthy_curve(rng, n)
    sigma = rng.uniform(0.005, 0.03)
    loss = curve * np.exp(noise(rng, n, sigma))
    progress = (start - curve) / (start - floor)
    acc_lo, acc_hi = rng.uniform(0.1, 0.5), rng.uniform(0.8, 0.99)
    acc = np.clip(acc_lo + (acc_hi - acc_lo) * progress + rng.normal(0, 0.003, n), 0, 1)
    out = {"loss": loss, "accuracy": acc}
    params = {"sigma": sigma, "start": start, "floor": floor, "curve": curve}
    if val:
        ratio = 1.0 + rng.uniform(0.02, 0.2)
        sigma_v = sigma * rng.uniform(1.0, 2.5)
        out["val_loss"] = curve * ratio * np.exp(noise(rng, n, sigma_v))
        params["val_curve"] = curve * ratio
        out["val_accuracy"] = np.clip(acc - rng.uniform(0.0, 0.05) + rng.normal(0, 0.004, n), 0, 1)
        params["sigma_val"] = sigma_v
    return out, params


def healthy(rng: np.random.Generator) -> Synthetic:
    n = int(rng.integers(8, 150))
    series, params = _base(rng, n, val=rng.random() < 0.8)
    params.pop("val_curve", None)
    params.pop("curve")
    return Synthetic(_run(series), Truth(None, params=params))


def jump(rng: np.random.Generator) -> Synthetic:
    """A level shift up in loss and val_loss (as after a bad update), decaying away or not.

    ``recovers`` in the truth means what the detector reports: the noiseless loss
    gets back to its pre-jump level (within one noise sigma) before the log ends.
    """
    n = int(rng.integers(20, 150))
    series, params = _base(rng, n)
    params.pop("val_curve")
    curve = params.pop("curve")
    tau = int(rng.integers(max(5, n // 4), n - 4))
    z = rng.uniform(8.0, 25.0)
    size = z * max(params["sigma"], params["sigma_val"])  # in log units, above both curves' noise
    t = np.arange(n, dtype=float)
    excess = np.where(t >= tau, size, 0.0)
    if rng.random() < 0.5:
        excess = excess * np.exp(-np.maximum(t - tau, 0) / rng.uniform(3.0, 10.0))
    for m in ("loss", "val_loss"):
        series[m] = series[m] * np.exp(excess)
    series["accuracy"] = series["accuracy"] - np.where(t >= tau, 0.05, 0.0)
    after = np.log(curve[tau + 1:]) + excess[tau + 1:]
    recovers = bool(np.any(after <= math.log(curve[tau - 1]) + params["sigma"]))
    return Synthetic(_run(series), Truth("jump", ("loss", "val_loss"), tau + 1,
                                         {**params, "size_sigma": z, "log_size": size, "recovers": recovers}))


def divergence(rng: np.random.Generator) -> Synthetic:
    """Healthy at first (or not at all), then geometric growth to at least 10x; sometimes overflow."""
    g = rng.uniform(1.15, 3.0)
    m = int(math.ceil(math.log(10.0) / math.log(g))) + int(rng.integers(0, 10))
    t0 = int(rng.integers(0, 30))
    n = t0 + m
    series, params = _base(rng, n)
    params.pop("curve")
    t = np.arange(n, dtype=float)
    growth = np.exp(np.maximum(t - t0, 0) * math.log(g))
    params.pop("val_curve")
    for k in ("loss", "val_loss"):
        held = series[k].copy()
        held[t0:] = held[t0] * np.exp(noise(rng, n - t0, params["sigma"]))  # the level at onset, plus noise
        series[k] = held * growth
    if rng.random() < 0.3:  # float32 overflow at the end
        k = int(rng.integers(1, 3))
        series["loss"][-k:] = np.inf
        series["val_loss"][-k:] = np.inf
    # A regression (like seed 003): MSE, no accuracy, so no cross-entropy bound applies.
    series = {k: v for k, v in series.items() if "accuracy" not in k}
    return Synthetic(_run(series, {"loss": "mse"}), Truth("divergence", ("loss",), t0 + 1, {**params, "growth_factor": g}))


def plateau(rng: np.random.Generator) -> Synthetic:
    """No progress from the start, or a quick drop to chance level (ln K) and no further."""
    n = int(rng.integers(8, 100))
    t = np.arange(n, dtype=float)
    sigma = rng.uniform(0.002, 0.008)
    context: dict[str, Any] = {}
    if rng.random() < 0.5:
        level = math.exp(rng.uniform(math.log(0.1), math.log(5.0)))
        curve = level * (1.0 + rng.uniform(-0.01, 0.01) * t / n)
        acc = np.full(n, rng.uniform(0.3, 0.7))
        stuck, k = False, None
    else:
        k = int(rng.choice([2, 10, 100]))
        level = math.log(k)
        drop = int(rng.integers(1, 4))
        curve = level * (1.0 + 0.5 * np.exp(-t / max(drop / 3, 0.3)) * (t < drop))
        acc = np.full(n, 1.0 / k)
        stuck = True
        if rng.random() < 0.5:
            context = {"loss": "binary_crossentropy" if k == 2 else "categorical_crossentropy", "num_classes": k}
    loss = curve * np.exp(noise(rng, n, sigma))
    series = {"loss": loss, "accuracy": np.clip(acc + rng.normal(0, 0.005, n), 0, 1),
              "val_loss": curve * np.exp(noise(rng, n, sigma)),
              "val_accuracy": np.clip(acc + rng.normal(0, 0.005, n), 0, 1)}
    return Synthetic(_run(series, context), Truth("plateau", ("loss",), 1,
                                                  {"sigma": sigma, "level": level, "stuck": stuck, "classes": k}))


def oscillation(rng: np.random.Generator) -> Synthetic:
    """A decaying loss that swings up and down every epoch by 15-60 %."""
    n = int(rng.integers(10, 120))
    series, params = _base(rng, n)
    params.pop("curve")
    params.pop("val_curve")
    a = rng.uniform(0.15, 0.6)
    signs = np.empty(n)
    s = 1.0
    for i in range(n):
        s = s if rng.random() < 0.1 else -s  # now and then the rhythm skips a beat
        signs[i] = s
    swing = a * signs * rng.uniform(0.6, 1.0, n)
    series["loss"] = series["loss"] * np.exp(swing)
    series["val_loss"] = series["val_loss"] * np.exp(swing * rng.uniform(0.8, 1.2))
    return Synthetic(_run(series), Truth("oscillation", ("loss", "val_loss"), None, {**params, "amplitude": a}))


def overfitting(rng: np.random.Generator) -> Synthetic:
    """Training keeps improving; validation turns upward after a parting epoch, rising 15-100 %."""
    n = int(rng.integers(20, 150))
    series, params = _base(rng, n)
    params.pop("curve")
    part = int(rng.integers(n // 4, int(n * 0.6)))
    rise = rng.uniform(0.15, 1.0)
    t = np.arange(n, dtype=float)
    frac = np.clip((t - part) / (n - 1 - part), 0, 1) ** rng.uniform(1.0, 2.0)  # linear or accelerating
    val_curve = params.pop("val_curve")
    bent = np.where(t > part, val_curve[part] * (1 + rise * frac), val_curve)
    series["val_loss"] = bent * np.exp(noise(rng, n, params["sigma_val"]))
    series["val_accuracy"] = series["val_accuracy"] - 0.1 * rise * frac
    return Synthetic(_run(series), Truth("overfitting", ("val_loss",), part + 1, {**params, "rise": rise}))


_GENERATORS: dict[str, Callable[[np.random.Generator], Synthetic]] = {
    "healthy": healthy, "jump": jump, "divergence": divergence, "plateau": plateau,
    "oscillation": oscillation, "overfitting": overfitting,
}
