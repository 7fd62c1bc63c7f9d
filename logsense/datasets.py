"""Synthetic training curves with known truth, for benchmarks and property tests.

Like ``ruptures.datasets``: each generator draws one `Run` from a seeded numpy
``Generator`` and returns it with what was planted in it (`Truth`). Healthy
curves decay exponentially or as a power law towards a floor, with
multiplicative, mildly autocorrelated noise (epoch values are averages over
many batches, so their noise is small and smooth); validation sits a little
above training. Each symptom is planted on top of such a curve.

`make_scheduled` draws the harder family: the same kinds of curve under a
learning-rate schedule that is healthy (step decay, warmup + cosine, SGDR warm
restarts, one-cycle, ReduceLROnPlateau) and one of several noise families
(`NOISES`: iid Gaussian, Student-t, multiplicative, strongly autocorrelated
AR(1), Gaussian with single-epoch outliers). The loss follows the schedule
the way SGD does: progress is the learning rate summed over the epochs, and an
excess proportional to the current rate (the noise floor of the gradient steps)
follows the rate with a lag, so a warm restart lifts the loss and a rate cut
drops it. The rate is printed as ``lr`` or ``learning_rate`` or not at all, and a
ReduceLROnPlateau run carries the callback's ``lr_change`` events or not.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .log import Event, Run

KINDS = ("healthy", "jump", "divergence", "plateau", "oscillation", "overfitting")
#: Healthy learning-rate schedules of `make_scheduled`.
SCHEDULES = ("constant", "step", "warmup_cosine", "sgdr", "one_cycle", "plateau_lr")
#: Noise families of `make_scheduled`.
NOISES = ("gauss", "student_t", "multiplicative", "ar1", "outliers")
#: Kinds `make_scheduled` draws.
SCHEDULED_KINDS = ("healthy", "jump")


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
    m = math.ceil(math.log(10.0) / math.log(g)) + int(rng.integers(0, 10))
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


# --- curves under healthy learning-rate schedules, with harder noise ---------------------------------

def schedule_lr(name: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """The rate used in each of n epochs, relative to the peak (ReduceLROnPlateau: all ones, cut later),
    with the 0-based epochs where it changes abruptly (milestones, restarts)."""
    t = np.arange(n, dtype=float)
    lr = np.ones(n)
    sharp: list[int] = []
    if name == "step":
        gamma = float(rng.choice([0.1, 0.3, 0.5]))
        k = int(rng.integers(1, 4))
        miles = sorted({round(f * n) for f in rng.uniform(0.25, 0.9, k)} - {0})
        for m in miles:
            lr[m:] *= gamma
        sharp = miles
    elif name == "warmup_cosine":
        w = max(1, round(rng.uniform(0.03, 0.15) * n))
        lr[:w] = (t[:w] + 1) / (w + 1)
        lr[w:] = 0.5 * (1 + np.cos(np.pi * (t[w:] - w) / max(1, n - w)))
    elif name == "sgdr":
        length = int(rng.integers(max(4, n // 8), max(5, n // 3) + 1))
        mult = int(rng.choice([1, 1, 2]))
        shrink = float(rng.choice([1.0, 0.7]))
        start, peak = 0, 1.0
        while start < n:
            seg = np.arange(min(length, n - start), dtype=float)
            lr[start:start + seg.size] = peak * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * seg / length)))
            start += length
            if start < n:
                sharp.append(start)
            length *= mult
            peak *= shrink
    elif name == "one_cycle":
        up = max(2, round(rng.uniform(0.2, 0.45) * n))
        lo = 1 / 25
        lr[:up] = lo + (1 - lo) * 0.5 * (1 - np.cos(np.pi * t[:up] / up))
        lr[up:] = 1e-4 + (1 - 1e-4) * 0.5 * (1 + np.cos(np.pi * (t[up:] - up) / max(1, n - up - 1)))
    elif name not in ("constant", "plateau_lr"):
        raise ValueError(f"unknown schedule {name!r}")
    return lr, sharp


def unit_noise(family: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """Noise of unit scale (a unit Gaussian's median |z| for the heavy tails) of one family."""
    if family == "student_t":
        df = rng.uniform(2.0, 5.0)
        z = rng.standard_t(df, n) * 0.6745 / _t_quartile(df)
        return np.maximum(z, -4.0)  # an epoch mean far *below* its trend is rare; bad batches push it up
    if family == "ar1":
        phi = rng.uniform(0.5, 0.95)
        e = rng.standard_normal(n) * math.sqrt(1 - phi * phi)
        z = np.empty(n)
        z[0] = rng.standard_normal()
        for i in range(1, n):
            z[i] = phi * z[i - 1] + e[i]
        return z
    if family == "outliers":
        z = rng.standard_normal(n)
        for i in rng.choice(np.arange(1, n), size=min(n - 1, int(rng.integers(1, 4))), replace=False):
            z[i] += rng.uniform(8.0, 60.0)  # one bad epoch, gone the next
        return z
    return rng.standard_normal(n)


def _t_quartile(df: float) -> float:
    from scipy import stats  # only the heavy-tailed family needs it

    return float(stats.t.ppf(0.75, df))


def make_scheduled(kind: str, schedule: str, noise_family: str, seed: int, *,
                   lr_column: str | None = "drawn", events: bool | None = None) -> Synthetic:
    """One run of ``kind`` (healthy or jump) trained under ``schedule`` with ``noise_family`` noise.

    Args:
        lr_column: ``"lr"``, ``"learning_rate"`` or None (not printed); ``"drawn"`` picks one from the seed.
        events: whether a ReduceLROnPlateau run carries the callback's messages; None draws it.

    The truth's ``params`` keep the schedule's abrupt changes (``lr_events``, 1-based first epoch at
    the new rate), the noise family and whether the rate was printed. A planted jump lies at least 4
    epochs away from every abrupt rate change (as far as the cycles allow in a short run), is 8-25
    noise scales high and decays away half of the time.
    """
    if kind not in SCHEDULED_KINDS or schedule not in SCHEDULES or noise_family not in NOISES:
        raise ValueError(f"unknown cell {(kind, schedule, noise_family)!r}")
    rng = np.random.default_rng([100 + SCHEDULED_KINDS.index(kind), SCHEDULES.index(schedule),
                                 NOISES.index(noise_family), seed])
    n = int(rng.integers(20, 160))
    lr, sharp = schedule_lr(schedule, n, rng)
    start = math.exp(rng.uniform(math.log(0.05), math.log(5.0)))
    floor = start * rng.uniform(0.02, 0.4)
    excess = (start - floor) * rng.uniform(0.05, 0.3)       # the part of the loss the rate's noise holds up
    decay_scale = rng.uniform(0.05, 0.4)
    lag = 1.0 - math.exp(-1.0 / rng.uniform(0.3, 1.5))
    sigma = rng.uniform(0.004, 0.03)                          # relative noise scale of the training loss
    sigma_v = sigma * rng.uniform(1.0, 2.5)
    ratio = 1.0 + rng.uniform(0.02, 0.2)
    z_tr, z_va = unit_noise(noise_family, rng, n), unit_noise(noise_family, rng, n)
    patience, factor = int(rng.integers(2, 8)), float(rng.choice([0.1, 0.2, 0.5]))
    tau = int(rng.integers(max(5, n // 4), n - 4)) if kind == "jump" else None
    if kind == "jump":
        # 4 epochs from every abrupt rate change, or as far as the run's cycles allow (a short run
        # of 6-epoch cycles has no epoch 4 from both of its restarts: a jump 1-2 epochs after a
        # printed restart would be the restart itself, as far as anyone reading the log can tell)
        spots = list(range(max(5, n // 4), n - 4))
        dist = [min((abs(i - j) for j in sharp), default=n) for i in spots]
        far = [i for i, d in zip(spots, dist) if d >= min(4, max(dist, default=0))]
        tau = int(rng.choice(far)) if far else tau
    jump_z = rng.uniform(8.0, 25.0)
    jump_tc = rng.uniform(3.0, 10.0) if rng.random() < 0.5 else None
    lift = 0.0

    clean = np.empty(n)
    loss, val = np.empty(n), np.empty(n)
    progress, held, best, wait, cool = 0.0, lr[0], math.inf, 0, 0
    cuts: list[int] = []
    rate = 1.0
    for i in range(n):
        r = lr[i] * rate
        held += (r - held) * lag
        progress += r
        c = floor + (start - floor - excess) * math.exp(-progress / (n * decay_scale)) + excess * held
        clean[i] = c
        if noise_family == "multiplicative":
            tr, va = c * math.exp(sigma * z_tr[i]), c * ratio * math.exp(sigma_v * z_va[i])
        else:  # additive on the scale of the median level so far: noisier, relatively, near the floor
            ref = float(np.median(clean[:i + 1])) if noise_family != "ar1" else c
            tr = max(c + sigma * ref * z_tr[i], 0.5 * c)
            va = max(c * ratio + sigma_v * ref * ratio * z_va[i], 0.5 * c * ratio)
        if tau is not None and i == tau:  # in units of the noise at the jump, on the log scale
            rel_here = 1.0 if noise_family in ("multiplicative", "ar1") else float(np.median(clean[:i + 1])) / c
            lift = jump_z * max(sigma, sigma_v) * rel_here
        if tau is not None and i >= tau:
            now = lift * math.exp(-(i - tau) / jump_tc) if jump_tc is not None else lift
            tr, va = tr * math.exp(now), va * math.exp(now)
        loss[i], val[i] = tr, va
        if schedule == "plateau_lr":  # ReduceLROnPlateau(monitor="val_loss") at the epoch's end
            cool = max(0, cool - 1)
            if va < best * (1 - 1e-4):
                best, wait = va, 0
            elif cool == 0:
                wait += 1
                if wait >= patience and i + 1 < n and rate * factor >= 1e-3:  # min_lr: a thousandth
                    rate *= factor
                    cuts.append(i + 1)
                    wait, cool = 0, 2
    lr_used = lr.copy()
    for c_ in cuts:
        lr_used[c_:] *= factor
    lr_abs = float(rng.choice([1e-3, 3e-4, 0.01, 0.1])) * lr_used
    series = {"loss": loss, "val_loss": val}
    if lr_column == "drawn":
        lr_column = [None, "lr", "learning_rate"][int(rng.integers(3))]
    if lr_column is not None:
        series[lr_column] = np.array([float(f"{v:.4e}") for v in lr_abs])  # as Keras prints it
    run = _run(series)
    if schedule == "plateau_lr" and (events if events is not None else bool(rng.random() < 0.5)):
        # Keras prints the cut at the end of the epoch that triggered it (1-based: the cut's 0-based index).
        run.events = [Event(epoch=c_, kind="lr_change", text=f"Epoch {c_}: ReduceLROnPlateau reducing "
                            f"learning rate to {lr_abs[c_]:.4g}.", value=float(lr_abs[c_])) for c_ in cuts]
    lr_events = sorted(j + 1 for j in sharp + cuts)
    params = {"sigma": sigma, "sigma_val": sigma_v, "schedule": schedule, "noise": noise_family,
              "lr_column": lr_column, "events": bool(run.events), "lr_events": lr_events}
    if kind == "jump":
        assert tau is not None
        params.update(size_sigma=jump_z, recovers=jump_tc is not None)
        return Synthetic(run, Truth("jump", ("loss", "val_loss"), tau + 1, params))
    return Synthetic(run, Truth(None, params=params))
