"""Realistic synthetic Keras training histories with known truth: an independent yardstick.

Written from what real training curves look like, not from the detectors' code, so that a
benchmark on these curves measures the detectors rather than the generator they were tuned on.

The model of a run: the training loss is a decay towards a floor driven by *progress*, the
learning rate summed over the epochs run so far (a lower rate makes slower progress), plus an
excess that is proportional to the current learning rate (SGD's noise floor: the loss drops
within an epoch or two when the rate is cut and rises when it is raised again).  That one
mechanism gives each schedule its real shape: step decay drops at every milestone, warm restarts
(SGDR) rise sharply at each restart and fall again, warmup + cosine and one-cycle bend smoothly,
ReduceLROnPlateau (simulated as Keras runs it, on the noisy val_loss) drops after each cut.
Keras prints the *mean over the epoch* of the training loss, so it is read half an epoch
before the end-of-epoch validation loss, which sits above it by a generalisation gap.  Decays
are exponential or power-law, levels are those of real tasks (ln K at the start of a K-class
classifier, MSE scales from 1e-2 to 5e3), noise is 0.1 %-5 % of the level on the training loss
and 1.2-4 times that (at most 15 %) on the validation loss, values go through float32 and
Keras' 4-decimal printing.

Noise families: ``gauss`` (iid, constant sigma), ``student_t`` (df 2-4, constant scale),
``lognormal`` (multiplicative), ``ar1`` (phi 0.5-0.95, sigma proportional to the level: epoch
averages are autocorrelated), ``outliers`` (gauss plus 1-3 single-epoch spikes that recover at
once, healthy).

Schedules (all healthy): ``constant``, ``step``, ``warmup_cosine``, ``sgdr``, ``one_cycle``,
``plateau_lr`` (ReduceLROnPlateau).  The lr column is printed as ``lr`` or ``learning_rate`` or
not at all; ReduceLROnPlateau's ``verbose=1`` message is printed or not.

Pathologies planted on such a curve: ``jump`` (an upward level shift of 3-30 noise sigmas
that does not recover), ``divergence`` (geometric growth from an epoch), ``plateau`` (stuck from
the start at ln K, or the target variance, with tiny noise), ``oscillation`` (period 2-4),
``overfitting`` (val_loss bottoms and rises while loss keeps falling), ``nan`` (from an epoch).

Truth (``Curve.truth``): kind, schedule, noise, the 1-based epoch of the change (jump: first
elevated epoch; divergence: first epoch of growth; plateau: 1; oscillation: first bouncing epoch;
overfitting: the epoch of the clean val_loss minimum; nan: first non-finite epoch), the metrics
affected, and the lr events / outlier epochs of the healthy part.

Seeds: ``dev`` curves use seeds in [0, 50_000_000), ``heldout`` in [50_000_000, 100_000_000);
a curve is fully determined by its seed (``make(kind, schedule, noise, seed)``).

    >>> c = make("healthy", "sgdr", "ar1", seed=7)
    >>> print(c.render().splitlines()[0])       # doctest: +SKIP
    Epoch 1/64
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SCHEDULES = ("constant", "step", "warmup_cosine", "sgdr", "one_cycle", "plateau_lr")
NOISES = ("gauss", "student_t", "lognormal", "ar1", "outliers")
PATHOLOGIES = ("jump", "divergence", "plateau", "oscillation", "overfitting", "nan")
KINDS = ("healthy",) + PATHOLOGIES
SPLITS = {"dev": 0, "heldout": 50_000_000}
PER_CELL_MAX = 1000            # seeds per (kind, schedule, noise) cell
MIN_EPOCHS, MAX_EPOCHS = 20, 200


# --------------------------------------------------------------------------- rendering helpers

def keras_value(v: float) -> str:
    """A metric value as Keras' progress bar prints it (float32, 4 decimals or %.4e)."""
    v = float(np.float32(v)) if np.isfinite(v) else float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def printed(v: float) -> float:
    """The value a reader of the log gets back."""
    return float(keras_value(v))


def _keras_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


# --------------------------------------------------------------------------- data classes

@dataclass
class Truth:
    kind: str                      # "healthy" or one of PATHOLOGIES
    schedule: str
    noise: str
    epoch: int | None              # 1-based epoch of the change (None when healthy)
    metrics: tuple[str, ...]       # metrics the pathology shows in
    lr_events: list[int] = field(default_factory=list)       # epochs whose lr differs sharply
    outlier_epochs: list[int] = field(default_factory=list)  # healthy single-epoch spikes
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Curve:
    seed: int
    split: str
    history: dict[str, list[float]]          # printed order: loss, accuracy, val_loss, ...
    truth: Truth
    declared_epochs: int
    steps: int
    epoch_seconds: list[float]
    before_line: dict[int, list[str]] = field(default_factory=dict)  # epoch -> lines above its metrics

    @property
    def n_epochs(self) -> int:
        return len(self.history["loss"])

    def values(self, metric: str) -> np.ndarray:
        """The metric as printed in the log (float32, rounded to Keras' precision)."""
        return np.array([printed(v) for v in self.history[metric]], dtype=float)

    def render(self, callback_after: bool = False) -> str:
        """The run as tf.keras 2.x ``fit(verbose=2)`` console output.

        Callback messages go where tf.keras 2.x prints them (a blank line, then the message,
        between the epoch header and its metrics line: ``fixtures/keras/tfkeras/callbacks/
        verbose2.txt``); ``callback_after=True`` puts them after the metrics line instead.
        """
        out: list[str] = []
        for i in range(self.n_epochs):
            e = i + 1
            out.append(f"Epoch {e}/{self.declared_epochs}")
            extra = self.before_line.get(e, [])
            moved = [x for x in extra if "ReduceLROnPlateau" in x] if callback_after else []
            out.extend(x for x in extra if x not in moved and not (callback_after and x == ""))
            secs = self.epoch_seconds[i]
            parts = [f"{self.steps}/{self.steps} - {secs:.0f}s"]
            parts += [f"{k}: {keras_value(v[i])}" for k, v in self.history.items()]
            parts += [f"{_keras_time(secs)}/epoch", f"{_keras_time(secs / self.steps)}/step"]
            out.append(" - ".join(parts))
            out.extend(moved)
        return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- schedules

def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _fixed_schedule(name: str, n: int, lr_max: float, rng: np.random.Generator
                    ) -> tuple[np.ndarray, dict[str, Any]]:
    """Per-epoch learning rate (the rate used during epoch t, t = 1..n) of a fixed schedule."""
    t = np.arange(n, dtype=float)          # 0-based epoch index
    p: dict[str, Any] = {}
    if name == "constant":
        lr = np.full(n, lr_max)
    elif name == "step":
        gamma = float(rng.choice([0.1, 0.2, 0.5]))
        if gamma == 0.1 or rng.random() < 0.5:       # milestones (e.g. 50 % / 75 %)
            fr = sorted(rng.uniform(0.3, 0.9, size=int(rng.integers(1, 4))))
            miles = sorted({max(3, round(f * n)) for f in fr})
        else:                                        # every k epochs
            k = int(rng.integers(max(4, n // 6), max(5, n // 2) + 1))
            miles = list(range(k, n, k))
        lr = np.full(n, lr_max)
        for m in miles:
            lr[m:] *= gamma
        p.update(gamma=gamma, milestones=[m + 1 for m in miles])
    elif name == "warmup_cosine":
        w = max(1, round(rng.uniform(0.02, 0.12) * n))
        final = lr_max * float(rng.choice([0.0, 0.001, 0.01]))
        lr = np.empty(n)
        lr[:w] = lr_max * (t[:w] + 1) / w
        u = (t[w:] - w) / max(1, n - w)
        lr[w:] = final + 0.5 * (lr_max - final) * (1 + np.cos(np.pi * u))
        p.update(warmup=w)
    elif name == "sgdr":
        t_mult = int(rng.choice([1, 2]))
        hi = max(5, n // 3) if t_mult == 1 else max(5, n // 4)
        t0 = int(rng.integers(min(hi, max(5, n // 10)), hi + 1))
        decay = float(rng.choice([1.0, 1.0, 0.8, 0.5]))
        lr = np.empty(n)
        start, length, peak, restarts = 0, t0, lr_max, []
        while start < n:
            seg = np.arange(min(length, n - start))
            lr[start:start + len(seg)] = 0.5 * peak * (1 + np.cos(np.pi * seg / length)) + 1e-6 * lr_max
            start += length
            if start < n:
                restarts.append(start + 1)
            length *= t_mult
            peak *= decay
        p.update(t0=t0, t_mult=t_mult, restarts=restarts)
    elif name == "one_cycle":
        pct = rng.uniform(0.25, 0.45)
        up = max(2, round(pct * n))
        div, final_div = 25.0, 1e4
        lo, end = lr_max / div, lr_max / div / final_div
        lr = np.empty(n)
        u = t[:up] / up
        lr[:up] = lo + 0.5 * (lr_max - lo) * (1 - np.cos(np.pi * u))
        u = (t[up:] - up) / max(1, n - up - 1)
        lr[up:] = end + 0.5 * (lr_max - end) * (1 + np.cos(np.pi * u))
        p.update(peak_epoch=up + 1)
    else:
        raise ValueError(name)
    return lr.astype(np.float32).astype(float), p


def _decay(s: float, shape: str, tau: float, alpha: float) -> float:
    return math.exp(-s / tau) if shape == "exp" else (1.0 + s / tau) ** (-alpha)


# --------------------------------------------------------------------------- the generator

class _Noise:
    """Unit-scale noise draws of one family for one series; sigma is applied by the caller."""

    def __init__(self, family: str, n: int, rng: np.random.Generator):
        self.family = family
        self.df = float(rng.uniform(2.0, 4.0))
        self.phi = float(rng.uniform(0.5, 0.95))
        if family == "student_t":
            # scaled so the median |z| is a unit Gaussian's (0.6745): same body, heavier tails
            z = rng.standard_t(self.df, size=n)
            from scipy import stats
            z *= 0.6745 / stats.t.ppf(0.75, self.df)
            # epoch means have heavy *upper* tails (bad batches); a mean 10 sigma below its
            # trend does not happen, so the lower tail is cut at -3.5
            z = np.maximum(z, -3.5)
        elif family == "ar1":
            e = rng.standard_normal(n)
            z = np.empty(n)
            z[0] = e[0]
            for i in range(1, n):
                z[i] = self.phi * z[i - 1] + math.sqrt(1 - self.phi ** 2) * e[i]
        else:
            z = rng.standard_normal(n)
        self.z = z

    def apply(self, i: int, clean: float, rel: float, level_ref: float) -> tuple[float, float]:
        """(noisy value, sigma) at epoch index i."""
        z = self.z[i]
        if self.family == "lognormal":
            return clean * math.exp(rel * z - 0.5 * rel * rel), rel * clean
        if self.family == "ar1":
            sigma = rel * clean
        else:                                   # gauss, student_t, outliers: constant sigma
            sigma = rel * level_ref
        return max(clean + sigma * z, 0.5 * clean), sigma


def _resolution(v: float) -> float:
    """The step of Keras' printed value at this size (4 decimals, or 5 significant digits)."""
    return 1e-4 if abs(v) > 1e-3 else max(abs(v), 1e-12) * 1e-4


def make(kind: str, schedule: str, noise: str, seed: int, split: str = "dev") -> Curve:
    """One curve; everything drawn from ``np.random.default_rng(seed)``.

    A healthy ReduceLROnPlateau run is redrawn (from ``default_rng([seed, attempt])``) until
    the callback cut the rate at least once: a run it never fired on is a constant-lr run.
    """
    if kind not in KINDS or schedule not in SCHEDULES or noise not in NOISES:
        raise ValueError((kind, schedule, noise))
    for attempt in range(20):
        rng = np.random.default_rng(seed if attempt == 0 else [seed, attempt])
        curve = _make(kind, schedule, noise, seed, split, rng)
        if kind != "healthy" or schedule != "plateau_lr" or curve.truth.params["reductions"]:
            break
    curve.truth.params["attempt"] = attempt
    return curve


def _make(kind: str, schedule: str, noise: str, seed: int, split: str, rng: np.random.Generator) -> Curve:
    P: dict[str, Any] = {}

    # ---- task, size, levels
    n = round(_loguniform(rng, MIN_EPOCHS, MAX_EPOCHS))
    if kind == "overfitting":
        n = max(n, 30)
    task = "classification" if rng.random() < 0.7 else "regression"
    if task == "classification":
        n_classes = int(rng.choice([2, 2, 3, 5, 10, 10, 10, 20, 100, 1000]))
        L0 = math.log(n_classes) * rng.uniform(1.0, 1.12)
        floor = L0 * _loguniform(rng, 0.003, 0.4)
        gap = L0 * _loguniform(rng, 0.01, 0.25)
        with_acc = rng.random() < 0.85
    else:
        n_classes = 0
        L0 = _loguniform(rng, 0.01, 5000.0)
        floor = L0 * _loguniform(rng, 0.001, 0.3)
        gap = floor * _loguniform(rng, 0.05, 1.0)
        with_acc = False
    vfloor = floor + gap
    k_val = rng.uniform(1.0, 1.3)
    beta = _loguniform(rng, 0.02, 0.25)
    B = beta * (L0 - floor)
    A = L0 - floor - B
    shape = "exp" if rng.random() < 0.5 else "power"
    tc = rng.uniform(0.4, 2.0)                          # epochs the lr excess takes to follow the rate
    alpha = rng.uniform(0.3, 1.2)
    optimizer = "adam" if rng.random() < 0.6 else "sgd"
    lr_max = float(rng.choice([1e-3, 1e-3, 3e-4, 5e-4, 2e-3])) if optimizer == "adam" \
        else float(rng.choice([0.1, 0.05, 0.01]))
    P.update(n_planned=n, task=task, n_classes=n_classes, L0=L0, floor=floor, vfloor=vfloor,
             k_val=k_val, beta=beta, shape=shape, tc=tc, optimizer=optimizer, lr_max=lr_max)

    # ---- schedule
    if schedule == "plateau_lr":
        factor = float(rng.choice([0.1, 0.2, 0.5, 0.5]))
        patience = int(rng.integers(2, 11))
        cooldown = int(rng.choice([0, 0, 1, 2]))
        min_lr = float(rng.choice([0.0, 1e-6, lr_max * 1e-3]))
        lr_fixed = None
        P.update(factor=factor, patience=patience, cooldown=cooldown, min_lr=min_lr)
        progress_total = 0.6 * n
    else:
        lr_fixed, sp = _fixed_schedule(schedule, n, lr_max, rng)
        P.update(sp)
        progress_total = float(np.sum(lr_fixed / lr_max))
    if shape == "exp":
        tau = progress_total * rng.uniform(0.04, 0.3)
    else:
        tau = rng.uniform(0.2, 3.0)
    P.update(tau=tau, alpha=alpha)

    # ---- noise
    rel = _loguniform(rng, 0.001, 0.05)
    rel_val = min(0.15, rel * rng.uniform(1.2, 4.0))
    nz_tr, nz_va = _Noise(noise, n, rng), _Noise(noise, n, rng)
    level_ref = floor + 0.5 * B + A * _decay(0.6 * progress_total, shape, tau, alpha)
    vlevel_ref = vfloor + k_val * (level_ref - floor)
    spikes: dict[int, tuple[float, float]] = {}        # 0-based epoch -> (train, val) relative size
    if noise == "outliers":
        k = int(min(3, max(1, rng.poisson(n / 60.0))))
        for e in rng.choice(np.arange(2, n), size=k, replace=False):
            size = _loguniform(rng, 0.05, 0.8)
            where = rng.choice(["train", "train", "val", "both"])
            spikes[int(e)] = (size if where in ("train", "both") else 0.0,
                              size * rng.uniform(0.5, 1.5) if where in ("val", "both") else 0.0)
    P.update(rel=rel, rel_val=rel_val, df=nz_tr.df if noise == "student_t" else None,
             phi=nz_tr.phi if noise == "ar1" else None)

    # ---- pathology parameters (epochs are 0-based here; truth is 1-based)
    # 0-based epochs whose rate differs sharply from the epoch before: step milestones, warm
    # restarts (the smooth warmup / cosine / one-cycle phases have none)
    lr_jumps = {e - 1 for e in P.get("milestones", []) + P.get("restarts", [])}
    c = None
    metrics: tuple[str, ...] = ()
    if kind == "jump":
        lo = max(5, int(0.25 * n), P.get("warmup", 0) + 3)
        cands = [i for i in range(lo, min(n - 5, int(0.85 * n)) + 1)
                 if not any(abs(i - j) <= 3 for j in lr_jumps)
                 and not any(abs(i - j) <= 2 for j in spikes)]
        if not cands:
            cands = list(range(max(5, int(0.25 * n)), n - 4))
        c = int(rng.choice(cands))
        P.update(jump_sigmas=_loguniform(rng, 3.0, 30.0), jump_val_ratio=rng.uniform(0.7, 1.3))
        metrics = ("loss", "val_loss")
    elif kind == "divergence":
        c = 0 if rng.random() < 0.25 else int(rng.integers(max(2, int(0.15 * n)), max(3, int(0.8 * n))))
        growth = _loguniform(rng, 1.15, 4.0)
        m = int(rng.integers(4, 16))
        m = max(4, min(m, int(math.log(1e12) / math.log(growth))))
        n = min(n, c + m)
        P.update(growth=growth, growth_val=growth * rng.uniform(0.9, 1.1))
        metrics = ("loss", "val_loss")
    elif kind == "plateau":
        c = 0
        if task == "classification":
            if n_classes == 2 and rng.random() < 0.5:
                prior = rng.uniform(0.55, 0.9)
                c0 = -(prior * math.log(prior) + (1 - prior) * math.log(1 - prior))
                acc0 = prior
            else:
                c0, acc0 = math.log(n_classes), 1.0 / n_classes
        else:
            c0, acc0 = L0, None
        P.update(stuck_level=c0, stuck_acc=acc0, stuck_val=c0 * (1 + rng.uniform(-0.01, 0.01)),
                 stuck_val_acc=None if acc0 is None else float(np.clip(acc0 + rng.uniform(-0.02, 0.02), 0, 1)),
                 stuck_rel=_loguniform(rng, 1e-5, 5e-4))
        metrics = ("loss", "val_loss")
    elif kind == "oscillation":
        c = 0 if rng.random() < 0.4 else int(rng.integers(max(2, int(0.2 * n)), max(3, int(0.6 * n))))
        period = int(rng.choice([2, 3, 4]))
        P.update(period=period, osc_rel=max(_loguniform(rng, 0.03, 0.3), 3 * rel), osc_val_ratio=rng.uniform(0.5, 1.5),
                 osc_jitter=rng.uniform(0.0, 0.3))
        metrics = ("loss", "val_loss")
    elif kind == "overfitting":
        b = int(rng.integers(max(5, int(0.2 * n)), int(0.6 * n) + 1))
        P.update(overfit_from=b, overfit_rise=_loguniform(rng, 0.2, 1.5), overfit_power=rng.uniform(1.0, 2.0),
                 memorize=rng.uniform(0.5, 0.95))
        metrics = ("val_loss",)
    elif kind == "nan":
        c = int(rng.integers(1, max(2, int(0.95 * n))))
        terminate = rng.random() < 0.35
        if terminate:
            n = c + 1
        elif rng.random() < 0.5:
            n = min(n, c + 1 + int(rng.integers(0, 11)))
        P.update(terminate_on_nan=terminate, nan_word="inf" if terminate and rng.random() < 0.2 else "nan")
        metrics = ("loss", "val_loss")
    # per-epoch jitter draws for the oscillation, independent of the noise draws
    osc_u = rng.uniform(-1, 1, size=n)

    # ---- sequential simulation
    loss, vloss, acc, vacc, lrs = [], [], [], [], []
    clean_val: list[float] = []
    before: dict[int, list[str]] = {}
    e_prev = None
    S = 0.0
    lr_now = lr_max
    best, wait, cool = math.inf, 0, 0
    reductions: list[int] = []
    e_acc_tr = rng.uniform(0.0, 0.15) * (1 - 1 / max(n_classes, 2))
    e_acc_va = e_acc_tr + rng.uniform(0.01, 0.15) * (1 - 1 / max(n_classes, 2))
    acc_q = rng.uniform(0.7, 1.5)
    n_train = int(_loguniform(rng, 500, 200_000))
    n_val = int(_loguniform(rng, 100, 20_000))
    shift = shift_v = 0.0
    base_div = base_div_v = None
    kk = 1 - math.exp(-1.0 / tc)
    prev_tr_c = None

    def to_err(L: float, fl: float, e_floor: float) -> float:
        e0 = 1 - 1 / n_classes
        x = min(1.0, max(0.0, (L - fl) / max(L0 - fl, 1e-12)))
        return e_floor + (e0 - e_floor) * x ** acc_q

    for i in range(n):
        lr_t = float(lr_fixed[i]) if lr_fixed is not None else lr_now
        r = lr_t / lr_max
        e_now = (e_prev if e_prev is not None else r) + (r - (e_prev if e_prev is not None else r)) * kk
        e_mid = 0.5 * ((e_prev if e_prev is not None else r) + e_now)
        S_mid, S = S + 0.5 * r, S + r
        e_prev = e_now
        fl = floor
        if kind == "overfitting" and i > P["overfit_from"]:
            u = (i - P["overfit_from"]) / (n - P["overfit_from"])
            fl = floor * (1 - P["memorize"] * u)
        tr_c = fl + A * _decay(S_mid, shape, tau, alpha) + B * e_mid
        tr_end = floor + A * _decay(S, shape, tau, alpha) + B * e_now
        va_c = vfloor + k_val * (tr_end - floor)
        va_for_acc = va_c
        if kind == "overfitting" and i > P["overfit_from"]:
            b = P["overfit_from"]
            u = (i - b) / (n - b)
            rise = P["overfit_rise"] * clean_val[b] * u ** P["overfit_power"]
            va_c += rise
            va_for_acc = va_c - 0.7 * rise
        clean_val.append(va_c)
        if kind == "oscillation" and i >= c:
            k_ = i - c
            per = P["period"]
            pat = (1.0 if k_ % 2 == 0 else -1.0) if per == 2 else \
                math.cos(2 * math.pi * k_ / per + (math.pi / 4 if per == 4 else 0.0))
            amp = P["osc_rel"] * (1 + P["osc_jitter"] * osc_u[i])
            tr_c *= 1 + min(0.6, amp) * pat
            va_c *= 1 + min(0.6, amp * P["osc_val_ratio"]) * pat

        tr, sig = nz_tr.apply(i, tr_c, rel, level_ref)
        va, sig_v = nz_va.apply(i, va_c, rel_val, vlevel_ref)
        if i in spikes:
            tr += spikes[i][0] * tr_c
            va += spikes[i][1] * va_c
        if kind == "jump" and i == c:
            s_eff = math.sqrt(sig ** 2 + _resolution(tr_c) ** 2 / 12)
            sv_eff = math.sqrt(sig_v ** 2 + _resolution(va_c) ** 2 / 12)
            shift = P["jump_sigmas"] * s_eff
            shift_v = P["jump_sigmas"] * P["jump_val_ratio"] * sv_eff
            # visible: the clean loss rises at the jump (the shift beats the trend's decline)
            P.update(jump_size=shift, jump_sigma=s_eff,
                     jump_visible=bool(prev_tr_c is None or shift > prev_tr_c - tr_c))
        tr += shift
        va += shift_v
        if kind == "divergence" and i >= c:
            if base_div is None:
                base_div = loss[-1] if loss else L0
                base_div_v = vloss[-1] if vloss else L0 * 1.02
            k_ = i - c + 1
            tr = base_div * P["growth"] ** k_ * math.exp(rel * nz_tr.z[i])
            va = base_div_v * P["growth_val"] ** k_ * math.exp(rel_val * nz_va.z[i])
        if kind == "plateau":
            c0 = P["stuck_level"]
            tr = c0 * (1 + P["stuck_rel"] * nz_tr.z[i])
            va = P["stuck_val"] * (1 + P["stuck_rel"] * nz_va.z[i])
        is_nan = kind == "nan" and i >= c

        # accuracy
        if with_acc:
            if kind == "plateau":
                a, av = P["stuck_acc"], P["stuck_val_acc"]
            elif is_nan:
                a = av = 1.0 / n_classes
            else:
                a = 1 - to_err(tr, floor, e_acc_tr)
                av = 1 - to_err(va_for_acc if kind == "overfitting" else va, vfloor, e_acc_va)
            a = float(np.clip(a + rng.normal(0, math.sqrt(max(a * (1 - a), 1e-9) / n_train)), 0, 1))
            av = float(np.clip(round(av * n_val) / n_val, 0, 1))
            if kind == "plateau":
                a = P["stuck_acc"]
        if is_nan:
            tr = va = float("nan")
            if P.get("nan_word") == "inf":
                tr = float("inf")
        prev_tr_c = tr_c
        loss.append(tr)
        vloss.append(va)
        lrs.append(lr_t)
        if with_acc:
            acc.append(a)
            vacc.append(av)

        # ReduceLROnPlateau(monitor="val_loss") at the end of the epoch, as Keras runs it
        if schedule == "plateau_lr":
            cur = float(np.float32(va))
            if cool > 0:
                cool -= 1
                wait = 0
            if cur < best - 1e-4:
                best, wait = cur, 0
            elif cool == 0:
                wait += 1
                if wait >= P["patience"]:
                    old = float(np.float32(lr_now))
                    if old > np.float32(P["min_lr"]):
                        new = max(old * P["factor"], P["min_lr"])
                        lr_now = float(np.float32(new))
                        reductions.append(i + 1)
                        before.setdefault(i + 1, []).append(("", (f"Epoch {i + 1}: ReduceLROnPlateau "
                                                                 f"reducing learning rate to {new}.")))
                        cool, wait = P["cooldown"], 0

    # ---- truth
    if kind == "overfitting":
        c = int(np.argmin(clean_val))
    lr_events: list[int] = []
    if schedule == "plateau_lr":
        lr_events = [e + 1 for e in reductions]      # the first epoch run at the lower rate
    elif lr_fixed is not None:
        lr_events = sorted(j + 1 for j in lr_jumps if j < n)
    truth = Truth(kind=kind, schedule=schedule, noise=noise,
                  epoch=None if c is None else c + 1, metrics=metrics,
                  lr_events=[e for e in lr_events if e <= n],
                  outlier_epochs=sorted(e + 1 for e in spikes if e < n), params=P)

    # ---- what the log prints
    history: dict[str, list[float]] = {"loss": loss}
    if with_acc:
        history["accuracy"] = acc
    history["val_loss"] = vloss
    if with_acc:
        history["val_accuracy"] = vacc
    lr_col = rng.choice(["lr", "learning_rate", None, None], p=[0.35, 0.15, 0.25, 0.25]) \
        if schedule != "plateau_lr" else rng.choice(["lr", "learning_rate", None], p=[0.5, 0.2, 0.3])
    if lr_col is not None:
        history[str(lr_col)] = lrs
    callback_lines = schedule == "plateau_lr" and rng.random() < 0.5
    before_line: dict[int, list[str]] = {}
    if callback_lines:
        # tf.keras 2.x prints the callback's message (after a blank line) between the epoch
        # header and the epoch's metrics line, whose lr is still the old rate.
        for e, msgs in before.items():
            if e <= n:
                before_line.setdefault(e, []).extend(x for pair in msgs for x in pair)
    if kind == "nan" and P.get("terminate_on_nan"):
        before_line.setdefault(n, []).append(f"Batch {int(rng.integers(0, 50))}: Invalid loss, terminating training")
    P.update(lr_column=None if lr_col is None else str(lr_col), callback_lines=callback_lines,
             reductions=reductions, n_printed=n)

    steps = round(_loguniform(rng, 8, 2000))
    ms_step = _loguniform(rng, 1.0, 300.0) / 1000
    secs = [steps * ms_step * rng.uniform(0.93, 1.07) for _ in range(n)]
    secs[0] += _loguniform(rng, 0.5, 10.0)
    return Curve(seed=seed, split=split, history=history, truth=truth, declared_epochs=P["n_planned"],
                 steps=steps, epoch_seconds=secs, before_line=before_line)


# --------------------------------------------------------------------------- suites

def cells() -> list[tuple[str, str | None, str]]:
    """Every (kind, schedule, noise) cell in a fixed order; schedule None = drawn per curve."""
    out: list[tuple[str, str | None, str]] = [("healthy", s, z) for s in SCHEDULES for z in NOISES]
    out += [(k, None, z) for k in PATHOLOGIES for z in NOISES]
    return out


def suite(split: str = "dev", per_healthy: int = 20, per_pathology: int = 15) -> Iterator[Curve]:
    """The benchmark's curves: every healthy schedule x noise cell, every pathology x noise cell
    (the schedule of a pathology curve drawn from its seed).  Seeds never overlap across splits."""
    base = SPLITS[split]
    for cell_id, (kind, schedule, noise) in enumerate(cells()):
        per = per_healthy if kind == "healthy" else per_pathology
        if per > PER_CELL_MAX:
            raise ValueError(f"at most {PER_CELL_MAX} curves per cell")
        for i in range(per):
            seed = base + cell_id * PER_CELL_MAX + i
            sched = schedule or SCHEDULES[int(np.random.default_rng([seed, 1]).integers(len(SCHEDULES)))]
            yield make(kind, sched, noise, seed, split)


if __name__ == "__main__":   # print one curve: python benchmarks/realistic_curves.py KIND SCHEDULE NOISE SEED
    import sys

    args = sys.argv[1:] or ["healthy", "sgdr", "ar1", "7"]
    c = make(args[0], args[1], args[2], int(args[3]))
    print(c.render(), end="")
    print({k: v for k, v in c.truth.__dict__.items() if k != "params"}, file=sys.stderr)
