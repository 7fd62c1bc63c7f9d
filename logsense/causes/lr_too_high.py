"""The learning rate is above the stability limit ``2/h`` of the loss's curvature.

Near a minimum the loss is quadratic; each gradient step multiplies the error
along the stiffest direction by ``1 - lr*h`` and the loss by ``(1 - lr*h)^2``.
Past ``lr*h = 2`` that factor exceeds 1 and the loss grows geometrically, so a
geometric divergence alone tells ``lr*h = 1 + sqrt(growth)``. When the paste
shows a one-weight least-squares model (data, loss, optimizer) the replay
computes ``h`` from the data, infers the initial weight from the first printed
loss and reruns gradient descent in float32 to match every printed value.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..context.setup import layer_dicts, mapping
from ..findings import DivergenceStats, Finding, NanStats, SustainedRiseStats
from ..log import Run
from ..metrics import is_validation, main_loss, val_name
from ..numeric import fmt, number
from ..simulate.quadratic import Quadratic, gd_losses, lr_h_from_growth
from .base import Cause, Replay, RunCause, combine, judged, known, print_resolution, relative_errors, run_context

#: The scalar replay must reproduce printed losses (and the final weight) this closely.
TOLERANCE = 1e-3
#: Without the set-up the replay predicts the change since epoch 1 from two values: 2 % of that change.
GEOMETRIC_TOLERANCE = 0.02
#: Keras's default ``batch_size`` for ``fit``.
DEFAULT_BATCH = 32


def training_divergence(findings: list[Finding]) -> Finding | None:
    """The divergence of a training metric, if one was found (validation alone is overfitting's business)."""
    return next((f for f in findings if f.symptom == "divergence" and not is_validation(f.metric)), None)


#: A validation oscillation this wide (share of the loss's level) and this regular (share of steps that reverse;
#: independent noise reverses 2/3 of them) while the training loss falls reads as steps too large.
SWING_AMPLITUDE = 0.5
SWING_REVERSALS = 0.75


def validation_swings(run: Run, findings: list[Finding]) -> tuple[Finding, str] | None:
    """A wide, regular oscillation of a validation loss while the training loss falls, and how it falls."""
    train = main_loss(run)
    if train is None:
        return None
    y = run.series(train)
    y = y[np.isfinite(y)]
    if y.size < 3 or not y[-1] < y[0]:
        return None
    for f in findings:
        if f.symptom != "oscillation" or not is_validation(f.metric or ""):
            continue
        amp, rate = number(f.stats.get("amplitude")), number(f.stats.get("sign_change_rate"))
        if amp is not None and rate is not None and amp >= SWING_AMPLITUDE and rate >= SWING_REVERSALS:
            return f, f"{train} falls from {fmt(float(y[0]))} to {fmt(float(y[-1]))}"
    return None


class LrTooHigh(RunCause):
    id = "lr_too_high"
    explains = ("divergence", "nan", "plateau", "jump", "oscillation")

    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        div = training_divergence(findings)
        nan = next((f for f in findings if f.symptom == "nan"), None)
        quad = scalar_problem(context)
        lr = number(context.get("lr"))
        lr_h = quad.h * lr if quad and lr else None
        creep = steady_growth(run) if div is None and nan is None else None
        sweep = lr_sweep(run)
        swing = validation_swings(run, findings)
        if (div is None and nan is None and creep is None and sweep is None and swing is None
                and not (lr_h is not None and lr_h >= 2.0)):
            return None

        evidence: list[str] = []
        weights: list[float] = []
        symptoms: list[str] = []
        growth = DivergenceStats.of(div).growth_factor if div else None
        rise = SustainedRiseStats.of(div) if div else None
        if div is not None and rise is not None and rise.sustained_rise:
            # Rising, but not by a constant factor: the lr*h arithmetic of a quadratic does not apply.
            symptoms.append("divergence")
            weights.append(0.5 * div.confidence)
            evidence.append(f"{div.metric} rose in each of the last {(rise.n_epochs or 1) - 1} epochs "
                            f"(epochs {div.start_epoch}-{div.end_epoch}, x{fmt(1 + (rise.total_rise or 0), 3)}): "
                            f"the updates now overshoot instead of descending")
            growth = None
        elif div is not None:
            symptoms.append("divergence")
            weights.append(0.6 * div.confidence)
            stats = DivergenceStats.of(div)
            ci = stats.growth_ci
            ci_txt = f" (95% CI {fmt(ci[0], 5)}-{fmt(ci[1], 5)})" if len(ci) == 2 else ""
            evidence.append(f"{div.metric} grows geometrically by x{fmt(growth or math.nan, 5)} per epoch{ci_txt}, "
                            f"R^2 {known(stats.r2, 4)}")
            if growth and growth > 1:
                evidence.append(f"from the log alone lr*h = 1 + sqrt({fmt(growth, 5)}) = "
                                f"{fmt(lr_h_from_growth(growth)[-1], 4)} > 2, the stability limit")
        if creep is not None:
            symptoms.append("plateau")
            weights.append(0.4)
            growth = creep
            evidence.append(f"{main_loss(run)} creeps up by the same factor x{fmt(creep, 6)} every epoch: one "
                            f"quadratic mode just past the stability limit, lr*h = 1 + sqrt({fmt(creep, 6)}) = "
                            f"{fmt(lr_h_from_growth(creep)[-1], 5)}")
        if sweep is not None:
            weights.append(0.7)
            evidence.append(f"the log prints the learning rate rising from {fmt(sweep.lr_first)} to "
                            f"{fmt(sweep.lr_last)}: {sweep.metric} is lowest ({fmt(sweep.loss_best)}) at lr "
                            f"{fmt(sweep.lr_best)}, twice that by lr {fmt(sweep.lr_broke)} and {fmt(sweep.loss_last)} at "
                            f"the end: past that rate the updates overshoot")
        if swing is not None:
            osc, falls = swing
            symptoms.append("oscillation")
            weights.append(0.45 * osc.confidence)
            evidence.append(f"{osc.metric} swings by {100 * float(osc.stats['amplitude']):.0f}% of its level from "
                            f"epoch to epoch and reverses direction in {100 * float(osc.stats['sign_change_rate']):.0f}%"
                            f" of the steps (independent noise reverses in 2/3), while {falls}: the weights land far "
                            f"apart on the loss surface each epoch, the usual reading of a step too large for the "
                            f"batch (a small or unrepresentative validation set is the other; this is consistent with "
                            f"the log, not replayed)")
        if nan is not None:
            symptoms.append("nan")
            caveats = _nan_caveats(run, nan) if div is None else []
            support = _nan_support(run, nan, context) if div is None else []
            against = _nan_against(self.log, nan) if div is None else []
            # A NaN alone does not name the learning rate (bad data, a log(0), huge targets do it too): it
            # weighs fully only with support from the curve or the set-up, and little against a better lead.
            share = 0.5 if support and not caveats else 0.15 if against else 0.25 if caveats else 0.35
            weights.append(share * nan.confidence)
            evidence.append(f"the loss became non-finite at epoch {_nan_epoch(nan)}")
            evidence.extend(support + caveats + against)
        if lr_h is not None and quad is not None and lr is not None:
            weights.append(0.5 if lr_h >= 2 else 0.0)
            evidence.append(f"the set-up gives h = 2*mean(x^2) = {fmt(quad.h)}, so lr*h = {fmt(lr)}*{fmt(quad.h)} = "
                            f"{fmt(lr_h)} ({'above' if lr_h >= 2 else 'below'} 2)")
        replay = self.replay(run, findings, context)
        if replay is not None:
            if replay.confirmed:
                evidence.append(f"replay reproduces {replay.metric} to {replay.max_rel_error:.1e} relative "
                                f"(tolerance {replay.tolerance:g})")
            else:
                evidence.append(f"replay off by {replay.max_rel_error:.2g} relative: {replay.note}")
            for ctrl in replay.extra.get("controls", []):
                state = "converges" if ctrl["lr_h"] < 2 else "diverges"
                evidence.append(f"run {ctrl['run']} (lr*h = {fmt(ctrl['lr_h'])}) replayed too: {state}, max rel. "
                                f"error {ctrl['max_rel_error']:.1e}")
        fix = self._fix(lr, quad, growth)
        if sweep is not None and quad is None:
            fix = (f"train at lr {fmt(sweep.lr_best / 10)}-{fmt(sweep.lr_best / 3)} (a tenth to a third of the rate "
                   f"with the lowest loss in this sweep, {fmt(sweep.lr_best)}), and never above {fmt(sweep.lr_broke)}")
        return self.cause(combine(*weights), [run.index], evidence, fix, replay, symptoms)

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        scalar = replay_scalar(run, context, self.final_weight(run, context))
        if scalar is not None:
            others = [r for r in self.log.runs if r.index != run.index]
            controls = []
            for other in others:
                ctx = run_context(self.log, other)
                ctrl = replay_scalar(other, ctx, self.final_weight(other, ctx))
                if ctrl is not None:
                    controls.append({"run": other.index, **ctrl.params, "max_rel_error": ctrl.max_rel_error,
                                     "confirmed": ctrl.confirmed, "predicted": ctrl.predicted,
                                     "final_weight": ctrl.extra.get("final_weight")})
            if controls:
                scalar.extra["controls"] = controls
            return scalar
        div = training_divergence(findings)
        metric = div.metric if div is not None else main_loss(run) if steady_growth(run) else None
        return replay_geometric(run, metric) if metric else None

    def final_weight(self, run: Run, context: dict[str, Any]) -> float | None:
        """The trained weight if the paste printed it: ``context['final_weights']`` or a lone pasted number.

        A pasted one-value array between this run's log and the next run's is
        taken as its ``get_weights()`` printout (seed 003 prints one per fit).
        """
        fw = context.get("final_weights")
        if isinstance(fw, (list, tuple)) and len(fw) == 1:
            fw = fw[0]
        if number(fw) is not None:
            return number(fw)
        end = run.meta.get("end_line")
        if not isinstance(end, int):
            return None
        starts = self._run_starts()
        at = bisect.bisect_right(starts, end)
        nxt = starts[at] if at < len(starts) else math.inf
        for pred in self.log.predictions:
            if end <= pred.line < nxt and pred.values.size == 1:
                return float(pred.values.ravel()[0])
        return None

    def _run_starts(self) -> list[int]:
        """The lines where the log's runs start, sorted (read once per log, not once per run)."""
        if getattr(self, "_starts", None) is None:
            self._starts = sorted(s for s in (r.meta.get("start_line") for r in self.log.runs) if isinstance(s, int))
        return self._starts

    @staticmethod
    def _fix(lr: float | None, quad: Quadratic | None, growth: float | None) -> str:
        if quad is not None:
            cur = f" (now {fmt(lr)})" if lr else ""
            return (f"lower the learning rate below 2/h = {fmt(quad.max_stable_lr, 2)}{cur}; "
                    f"lr = 1/h = {fmt(quad.best_lr, 2)} converges fastest")
        if growth and growth > 1:
            lr_h = lr_h_from_growth(growth)[-1]
            text = (f"divide the learning rate by more than {fmt(lr_h / 2, 5)} (lr*h = {fmt(lr_h, 5)} must fall "
                    f"below 2); by {fmt(lr_h, 5)} it converges fastest")
            if lr:
                text += f": with lr = {fmt(lr)}, use less than {fmt(2 * lr / lr_h, 2)}, ideally {fmt(lr / lr_h, 2)}"
            return text
        return "lower the learning rate (try 10x smaller) and clip gradients (clipnorm=1.0)"


@dataclass(frozen=True)
class Sweep:
    """A learning rate printed per epoch that grows (an lr range test), and where the loss turned."""

    metric: str
    lr_first: float
    lr_last: float
    lr_best: float
    loss_best: float
    lr_broke: float
    loss_last: float


#: The printed learning rate must grow at least this much over the run to count as a sweep.
SWEEP_SPAN = 100.0


def lr_sweep(run: Run) -> Sweep | None:
    """The sweep when the run prints its learning rate rising by `SWEEP_SPAN`x and the loss, lowest
    somewhere inside, ends at twice its minimum or more."""
    name = next((m for m in ("lr", "learning_rate") if m in run.metrics), None)
    loss_name = main_loss(run)
    if name is None or loss_name is None:
        return None
    lr, y = run.series(name), run.series(loss_name)
    ok = np.isfinite(lr) & np.isfinite(y) & (lr > 0)
    lr, y = lr[ok], y[ok]
    if y.size < 6 or lr[-1] < SWEEP_SPAN * lr[0] or np.any(np.diff(lr) < 0):
        return None
    i = int(np.argmin(y))
    if i >= y.size - 3 or y[-1] < 2.0 * y[i]:
        return None
    broke = i + int(np.argmax(y[i:] >= 2.0 * y[i]))
    return Sweep(loss_name, float(lr[0]), float(lr[-1]), float(lr[i]), float(y[i]), float(lr[broke]), float(y[-1]))


def _nan_epoch(nan: Finding) -> int | None:
    epoch = NanStats.of(nan).epoch
    return epoch if epoch is not None else nan.start_epoch


#: Finite epochs before a NaN that make "always too high" unlikely.
STABLE_EPOCHS = 20


#: Learning rates above which an optimizer commonly blows up (SGD: lr / (1 - momentum), the effective step).
HIGH_LR = {"sgd": 0.05, "adam": 0.01, "adamw": 0.01, "nadam": 0.01, "rmsprop": 0.01, "adamax": 0.02, "adagrad": 0.5}
#: Without the optimizer's name, a rate this high is high for any of them.
HIGH_LR_ANY = 0.05


def _nan_support(run: Run, nan: Finding, context: dict[str, Any]) -> list[str]:
    """What in the curve or the set-up makes a too-high learning rate the NaN's likely origin."""
    out = []
    lr = number(context.get("lr"))
    opt = str(context.get("optimizer") or "").lower()
    momentum = number(context.get("momentum")) or 0.0
    if lr is not None:
        step = lr / (1.0 - momentum) if opt == "sgd" and 0.0 <= momentum < 1.0 else lr
        limit = HIGH_LR.get(opt, HIGH_LR_ANY)
        if step >= limit:
            what = f"{opt or 'the optimizer'} with lr {fmt(lr)}" + (f" and momentum {fmt(momentum)}" if momentum else "")
            out.append(f"{what} is a large step (at or above {fmt(limit)} commonly blows up)")
    callbacks = [str(c).lower() for c in context.get("callbacks") or [] if isinstance(c, str)]
    if any("learningrate" in c or "lrfinder" in c or "exponential" in c for c in callbacks):
        out.append("a callback changes the learning rate during training")
    epoch = _nan_epoch(nan)
    name = main_loss(run)
    if name is not None and epoch is not None:
        y = run.series(name)
        ep = run.epoch_numbers()
        fin = y[(ep < epoch) & np.isfinite(y)]
        if fin.size >= 2 and fin[-1] > fin[-2] * 1.1:
            out.append(f"{name} rose from {fmt(float(fin[-2]))} to {fmt(float(fin[-1]))} just before")
    return out


def _nan_against(log: Any, nan: Finding) -> list[str]:
    """What points the NaN elsewhere: a log(0) warning in the paste, a NaN right after a small batch loss."""
    from .paste_warnings import of_kind

    out = []
    zero = of_kind(log, "log_of_zero")
    if zero:
        out.append(f"but the paste prints '{zero[0].text[:80]}': a log(0), not the step size")
    stats = nan.stats if isinstance(nan.stats, dict) else {}
    last = number(stats.get("last_finite_batch_mean"))
    after = number(stats.get("after_step"))
    if last is not None and after is not None and 0 < after <= 10 and last < 1.0:
        out.append(f"but the batch loss was {fmt(last)} one step before the NaN: no growth to speak of")
    return out


def _nan_caveats(run: Run, nan: Finding) -> list[str]:
    """What speaks against a NaN from divergence: validation still finite in that epoch, a long stable run."""
    epoch = _nan_epoch(nan)
    if epoch is None:
        return []
    metric = nan.metric or ""
    epochs = run.epoch_numbers()
    out = []
    val = val_name(metric)
    at = np.flatnonzero(epochs == epoch)
    if not is_validation(metric) and val in run.metrics and at.size and np.isfinite(run.series(val)[at[0]]):
        out.append("but the validation loss stayed finite in that epoch: the weights are not NaN, so the NaN comes "
                   "from the training loss on some batch (a log(0), a division by zero, a bad sample), not from "
                   "divergence")
    before = int(np.sum(epochs < epoch))
    if before >= STABLE_EPOCHS:
        out.append(f"after {before} finite epochs without divergence: one exploding gradient or bad batch is more "
                   f"likely than a learning rate that was always too high (clipnorm=1.0 guards against both)")
    return out


def scalar_problem(context: dict[str, Any]) -> Quadratic | None:
    """The quadratic of a one-weight MSE model ``y = w*x`` fitted on the pasted data, if that is the set-up."""
    data = mapping(context.get("data"))
    xs = data.get("x_values")
    if (str(context.get("loss", "")).lower() not in ("mse", "mean_squared_error") or not isinstance(xs, list)
            or not xs or any(number(v) is None for v in xs)):
        return None
    params = sum(int(p) for p in (number(layer.get("params")) for layer in layer_dicts(context)) if p is not None)
    if layer_dicts(context) and params != 1:
        return None  # more than one weight: the one-weight replay would be a different model
    x = np.asarray(xs, dtype=float)
    y = quad_targets(data, x)
    if y is None:
        return None
    try:
        return Quadratic.from_data(x, y)
    except ValueError:
        return None


def quad_targets(data: dict[str, Any], x: np.ndarray) -> np.ndarray | None:
    """The targets: pasted values when they match ``x``, else ``y_scale * x`` (``y = 2 * x``)."""
    ys = data.get("y_values")
    if isinstance(ys, list) and len(ys) == x.size and all(number(v) is not None for v in ys):
        return np.asarray(ys, dtype=float)
    scale = number(data.get("y_scale"))
    return scale * x if scale is not None else None


def replay_scalar(run: Run, context: dict[str, Any], final_weight: float | None) -> Replay | None:
    """Replay plain SGD on the one-weight model; ``None`` unless the set-up allows it."""
    quad = scalar_problem(context)
    lr = number(context.get("lr"))
    metric = main_loss(run)
    optimizer = str(context.get("optimizer") or "sgd").lower()
    if quad is None or lr is None or metric is None or optimizer != "sgd" or number(context.get("momentum")):
        return None
    data = mapping(context.get("data"))
    n = len(data["x_values"])
    batch = int(number(context.get("batch_size")) or DEFAULT_BATCH)
    if n > batch:
        return None  # several batches per epoch: Keras prints a running mean, not one loss per step
    observed = run.series(metric)
    if observed.size == 0 or not np.isfinite(observed[0]):
        return None
    x = np.asarray(data["x_values"], dtype=float)
    y = quad_targets(data, x)
    if y is None:
        return None
    candidates = []
    for w0 in quad.initial_weights(float(observed[0])):
        sim = gd_losses(x, y, w0, lr, observed.size)
        err = relative_errors(sim.losses, observed)
        w_err = abs(sim.final_weight - final_weight) / abs(final_weight) if final_weight else None
        candidates.append((w_err if w_err is not None else 0.0, w0, sim, err, w_err))
    candidates.sort(key=lambda c: c[0])
    _, w0, sim, err, w_err = candidates[0]
    finite = err[np.isfinite(observed)]
    max_err = float(max(finite.max(initial=0.0), w_err or 0.0))
    lr_h = lr * quad.h
    if final_weight is None:
        note = (f"the loss depends on (w - {fmt(quad.w_star)})^2 only, so it cannot tell "
                f"w0 = {fmt(candidates[0][1], 6)} from w0 = {fmt(candidates[1][1], 6)}; both replay the losses "
                f"equally, the printed weights would decide")
    else:
        note = (f"w0 = {fmt(w0, 7)} inferred from the first loss, sign chosen by the printed final weight "
                f"{fmt(final_weight, 8)} (replayed {fmt(sim.final_weight, 8)})")
    extra: dict[str, Any] = {"epochs": run.epoch_numbers().tolist(), "final_weight": sim.final_weight,
                             "weights": sim.weights.tolist(),
                             "raw_max_rel_error": float(np.max(relative_errors(sim.losses, observed, printed=False))),
                             "loss_factor_per_step": (1 - lr_h) ** 2}
    if lr_h >= 2.0:
        fixed_lr = float(f"{quad.best_lr:.2g}")
        fixed = gd_losses(x, y, w0, fixed_lr, observed.size)
        extra["under_fix"] = {"lr": fixed_lr, "predicted": fixed.losses.tolist(), "final_weight": fixed.final_weight}
    if final_weight is not None:
        extra["observed_final_weight"] = final_weight
        extra["final_weight_rel_error"] = w_err
    params = {"lr": lr, "h": quad.h, "lr_h": lr_h, "w0": w0, "w_star": quad.w_star,
              "max_stable_lr": quad.max_stable_lr, "best_lr": quad.best_lr, "dtype": "float32"}
    return Replay(metric=metric, predicted=sim.losses.tolist(), observed=observed.tolist(), max_rel_error=max_err,
                  tolerance=TOLERANCE, params=params, status=judged(max_err <= TOLERANCE and lr_h >= 2.0),
                  note=note if lr_h >= 2.0 else note + f"; lr*h = {fmt(lr_h)} < 2, so this run is stable",
                  extra=extra)


def steady_growth(run: Run, min_epochs: int = 5, max_spread: float = 0.05) -> float | None:
    """The per-epoch factor of a training loss that grows by one constant factor, however small.

    A single quadratic mode multiplies the loss by exactly ``(1 - lr*h)^2`` per
    step; real training noise makes the ratios wander. Ratios above 1 whose
    logs vary by less than ``max_spread`` of their mean are that mode just past
    ``lr*h = 2`` (a divergence too slow for the divergence detector).
    """
    metric = main_loss(run)
    y = run.series(metric) if metric else np.array([])
    if y.size < min_epochs or not np.all(np.isfinite(y)) or np.any(y <= 0):
        return None
    logr = np.diff(np.log(y))
    if np.any(logr <= 0) or np.std(logr) > max_spread * np.mean(logr):
        return None
    return float(np.exp(np.mean(logr)))


def replay_geometric(run: Run, metric: str) -> Replay | None:
    """Without the set-up: predict epochs 3.. from the first two losses as one quadratic mode.

    Fitting on two values and predicting the rest makes this a real test: a
    loss that is not one overshooting mode (several directions, noise, many
    batches per epoch) misses the later values. The error is measured on the
    change since the first epoch, ``|pred - obs| / |obs - obs_1|``, so a loss
    that barely moves cannot pass just by staying near its start.
    """
    y = run.series(metric)
    finite = np.isfinite(y)
    epochs = run.epoch_numbers()[finite].tolist()
    y = y[finite]
    if y.size < 4 or y[0] <= 0 or y[1] <= y[0]:
        return None
    growth = float(y[1] / y[0])
    with np.errstate(over="ignore"):
        predicted = y[0] * growth ** np.arange(y.size)
    change = np.abs(y[2:] - y[0])
    slack = np.array([print_resolution(v) for v in y[2:]])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        err = np.maximum(np.abs(predicted[2:] - y[2:]) - slack, 0.0) / change
    max_err = float(np.nan_to_num(err, nan=np.inf).max())
    lr_h = lr_h_from_growth(growth)[-1]
    return Replay(metric=metric, predicted=predicted.tolist(), observed=y.tolist(), max_rel_error=max_err,
                  tolerance=GEOMETRIC_TOLERANCE,
                  params={"growth_factor": growth, "lr_h": lr_h, "lr_shrink_min": lr_h / 2, "lr_shrink_best": lr_h},
                  status=judged(max_err <= GEOMETRIC_TOLERANCE),
                  note="no set-up in the paste: one quadratic mode with (1 - lr*h)^2 fitted on the first two epochs, "
                       "the rest predicted (error relative to each epoch's change since epoch 1); h itself is "
                       "unknown, only lr*h",
                  extra={"epochs": epochs})
