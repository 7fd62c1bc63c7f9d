"""Plateau: training made no meaningful progress, or sits at the loss a guessing model gets.

A flat tail alone is what every converged run looks like, so it is not a symptom.
Two things are: (1) the loss never moved — the whole run, first epoch included,
stays within ``max_rel_change`` along its Theil-Sen line; (2) the loss settled
at chance level — ln K for K-class cross-entropy, ln 2 for binary, the target
variance for MSE — which means the model predicts the prior and learned nothing
from the inputs. (3) the loss is frozen: the same value (to 1e-5) for several
epochs, so nothing is being updated (dead or saturated units, a zero learning
rate). The chance level comes from the run's context when known, or
is inferred when accuracy is near 1/K and the loss near ln K together.
"""
from __future__ import annotations

import math

import numpy as np

from ..context.setup import class_count, loss_function
from ..findings import Finding
from ..log import Run
from ..metrics import accuracy_metric, main_loss
from ..numeric import clip01, number, rfloat
from . import significance as stats
from .base import SeriesDetector, epoch_int
from .trend import theil_trend

#: One or two epochs count as at chance only this much closer to it (a third of ``chance_tol``): with no
#: trend to judge, only an average that learning could not have left so close.
SHORT_CHANCE_TOL = 1.0 / 3.0


class PlateauDetector(SeriesDetector):
    """Flag a loss that did not move, or that sits at chance level.

    Args:
        chance_level: the loss of an input-independent prediction, when known.
        chance_source: how it was obtained (for the message), e.g. ``"ln 10 (10 classes)"``.
        min_epochs: shortest run judged for "never moved".
        max_rel_change: largest relative change over the window that counts as flat.
        chance_tol: relative distance to the chance level that counts as "at" it.
        min_frozen: identical trailing values that count as frozen (also a plateau).
    """

    symptom = "plateau"

    def __init__(self, chance_level: float | None = None, chance_source: str | None = None,
                 min_epochs: int = 5, max_rel_change: float = 0.03, chance_tol: float = 0.03,
                 min_frozen: int = 3) -> None:
        super().__init__()
        self.min_frozen = min_frozen
        self.chance_level = chance_level
        self.chance_source = chance_source
        self.min_epochs = min_epochs
        self.max_rel_change = max_rel_change
        self.chance_tol = chance_tol

    def _detect(self, y: np.ndarray, epochs: np.ndarray, metric: str) -> list[Finding]:
        ok = np.isfinite(y) & (y > 0)
        raw, ep = y[ok], epochs[ok]
        if y.size == raw.size == 2 and raw[-1] >= 1e-3 and _trailing_repeats(raw) == 2:
            # Every epoch shown prints the same loss: a short paste of a frozen run. Two independent
            # epoch averages of a training run agree to the printed digits by chance almost never.
            return [self._frozen(raw, ep, metric, 2)]
        if 1 <= raw.size < 3 and self.chance_level is not None and self.chance_level > 0 \
                and np.all(np.abs(raw / self.chance_level - 1.0) <= SHORT_CHANCE_TOL * self.chance_tol):
            return [self._short_at_chance(raw, ep, metric)]
        if raw.size < 3:
            # A loss frozen below zero (an impossible cross-entropy whose outputs sit at the clip) is as
            # frozen as one above it; only the log-scale trend needs positive values.
            finite = np.isfinite(y)
            neg, nep = y[finite], epochs[finite]
            if neg.size >= self.min_frozen and neg[-1] <= -1e-3 and _trailing_repeats(neg) >= self.min_frozen:
                return [self._frozen(neg, nep, metric, _trailing_repeats(neg))]
            return []
        # Whole run flat?
        if raw.size >= self.min_epochs:
            f = self._flat(raw, ep, metric, 0)
            if f is not None:
                return [f]
        # Frozen: the same printed value epoch after epoch; nothing is being updated.
        same = _trailing_repeats(raw)
        if same >= self.min_frozen and raw[-1] >= 1e-3:
            return [self._frozen(raw, ep, metric, same)]
        # Tail at chance level? (the last third, at least three epochs)
        if self.chance_level is not None and self.chance_level > 0:
            start = max(0, raw.size - max(3, raw.size // 3))
            f = self._flat(raw, ep, metric, start, need_chance=True)
            if f is not None:
                return [f]
        return []

    def _short_at_chance(self, raw: np.ndarray, ep: np.ndarray, metric: str) -> Finding:
        """One or two epochs whose averages sit at the chance level: no trend to judge, but an epoch
        average is the mean over all its updates, so any learning in the epoch would pull it below."""
        chance = float(self.chance_level or 0.0)
        worst = float(np.max(np.abs(raw / chance - 1.0)))
        level = float(raw[-1])
        st = {"level": rfloat(level), "slope": 0.0, "rel_change": 0.0, "stuck": True,
              "chance_level": rfloat(chance), "n_epochs": int(raw.size)}
        msg = (f"{metric} {level:.4g} at chance level {chance:.4g}"
               + (f" = {self.chance_source}" if self.chance_source else "")
               + f" in every epoch shown ({raw.size}; at most {worst:.2%} from it): the epoch averages show no"
               " learning at all")
        conf = clip01(1.0 - worst / (SHORT_CHANCE_TOL * self.chance_tol)) * (1.0 - math.exp(-raw.size))
        return Finding(symptom=self.symptom, metric=metric, start_epoch=epoch_int(ep[0]), end_epoch=epoch_int(ep[-1]),
                       confidence=clip01(conf), stats=st, message=msg)

    def _frozen(self, raw: np.ndarray, ep: np.ndarray, metric: str, same: int) -> Finding:
        level = float(raw[-1])
        chance = self.chance_level
        stuck = chance is not None and abs(level / chance - 1.0) <= self.chance_tol
        st = {"level": rfloat(level), "slope": 0.0, "rel_change": 0.0, "stuck": bool(stuck),
              "chance_level": rfloat(chance) if chance is not None else None, "n_epochs": int(same),
              "frozen": True}
        # Identical values to the printed precision are ever less likely by chance as they repeat.
        conf = 1.0 - 0.5 ** (same - 1)
        msg = (f"{metric} frozen at {level:.6g} for the last {same} epochs "
               f"({epoch_int(ep[-same])}-{epoch_int(ep[-1])}): the weights no longer change the loss")
        return Finding(symptom=self.symptom, metric=metric, start_epoch=epoch_int(ep[-same]),
                       end_epoch=epoch_int(ep[-1]), confidence=clip01(conf), stats=st, message=msg)

    def _flat(self, raw: np.ndarray, ep: np.ndarray, metric: str, start: int,
              need_chance: bool = False) -> Finding | None:
        z, t = np.log(raw[start:]), ep[start:]
        tr = theil_trend(z, t)
        span = float(t[-1] - t[0])
        rel_change = abs(math.expm1(tr.slope * span))
        level = stats.median(raw[start:])
        first_gap = abs(raw[start] / level - 1.0)  # the first epoch must not stand far above the rest
        if rel_change > self.max_rel_change or first_gap > 2 * self.max_rel_change:
            return None
        chance = self.chance_level
        stuck = chance is not None and abs(level / chance - 1.0) <= self.chance_tol
        if need_chance and not stuck:
            return None
        flat_score = clip01(1.0 - rel_change / self.max_rel_change) * (1.0 - math.exp(-z.size / 4.0))
        conf = flat_score
        if stuck:
            closeness = clip01(1.0 - abs(level / chance - 1.0) / self.chance_tol)
            conf = 1.0 - (1.0 - flat_score) * (1.0 - closeness)
        st = {"level": rfloat(level), "slope": rfloat(tr.slope, 4), "rel_change": rfloat(rel_change, 4),
              "stuck": bool(stuck), "chance_level": rfloat(chance) if chance is not None else None,
              "n_epochs": int(z.size)}
        msg = (f"{metric} flat at {level:.4g} over epochs {epoch_int(t[0])}-{epoch_int(t[-1])} "
               f"(relative change {rel_change:.2%})")
        if stuck:
            msg += f", at chance level {chance:.4g}" + (f" = {self.chance_source}" if self.chance_source else "")
        return Finding(symptom=self.symptom, metric=metric, start_epoch=epoch_int(t[0]), end_epoch=epoch_int(t[-1]),
                       confidence=clip01(conf), stats=st, message=msg)


def chance_level(run: Run, metric: str = "loss") -> tuple[float, str] | None:
    """The loss of predicting the prior, from the run's context or inferred from accuracy.

    Context: ``loss`` names the function; ``num_classes`` (or similar) gives K;
    ``target_variance`` gives the MSE chance level. Inference: the loss within 3 %
    of ln K and the accuracy near 1/K, for K = round(1/accuracy) or round(e^loss).
    """
    ctx = run.context or {}
    loss = loss_function(ctx, metric.removeprefix("val_")) or ""
    if loss == "mse":
        var = number(ctx.get("target_variance"))
        return (var, "the target variance") if var is not None and var > 0 else None
    if loss == "binary_crossentropy":
        return math.log(2.0), "ln 2 (binary)"
    k = class_count(ctx)
    if loss.endswith("crossentropy") and k is not None:
        return math.log(k), f"ln {k} ({k} classes)"
    acc_name = accuracy_metric(run, validation=metric.startswith("val_"))
    if acc_name is None:
        return None
    acc = run.series(acc_name)
    loss_y = run.series(metric)
    tail = slice(max(0, acc.size - 3), acc.size)
    acc_t, loss_t = acc[tail], loss_y[tail]
    acc_t, loss_t = acc_t[np.isfinite(acc_t)], loss_t[np.isfinite(loss_t)]
    if acc_t.size == 0 or loss_t.size == 0:
        return None
    a, l_ = stats.median(acc_t), stats.median(loss_t)
    if a <= 0.0 or l_ <= 0.0:
        return None
    # K from the accuracy (good for few classes) or from the loss (good for many).
    guesses = [int(round(math.exp(min(l_, 20.0))))]
    if a >= 1e-4:
        guesses.insert(0, int(round(1.0 / a)))
    for k_hat in dict.fromkeys(guesses):
        if k_hat >= 2 and abs(a - 1.0 / k_hat) <= max(0.02, 0.5 / k_hat) \
                and abs(l_ / math.log(k_hat) - 1.0) <= 0.03:
            return math.log(k_hat), f"ln {k_hat} (accuracy {a:.3g} ~ 1/{k_hat})"
    return None


def _trailing_repeats(raw: np.ndarray, rtol: float = 1e-5) -> int:
    """How many values at the end equal the last one, up to float32 round-off (``rtol``).

    Printed logs repeat the same 4 decimals; histories keep float32 noise in the 7th digit.
    """
    differs = np.flatnonzero(np.abs(raw - raw[-1]) > rtol * abs(raw[-1]))
    return int(raw.size - (differs[-1] + 1)) if differs.size else int(raw.size)


#: Identical trailing accuracies that count as pinned predictions (a loss needs 3; an accuracy is coarser).
MIN_FROZEN_ACCURACY = 5
#: An accuracy this close to 0 or 1 repeats because the fit is perfect (or nothing is right), not stuck.
ACCURACY_EDGE = 0.01
#: The most classes read off an accuracy alone: near 0 an accuracy of 1/K cannot be told from one that
#: scores nothing (a regression's `acc`), so more classes need the set-up to say so.
MAX_INFERRED_CLASSES = 20
#: Accuracies that are all fractions m/n with n up to this come from a data set so small that a repeat is
#: no surprise (200 samples: 0.960 is 8 of them wrong, epoch after epoch).
TINY_DATA = 200


def accuracy_plateau(run: Run, epochs: np.ndarray, chance_k: int | None = None) -> list[Finding]:
    """A plateau the training accuracy shows while the loss moves: pinned predictions, or guessing.

    Two readings, both about the predictions rather than the loss (which a bad target or class
    weights can keep moving): (1) the accuracy prints the same value (to 1e-5) for the last
    `MIN_FROZEN_ACCURACY` epochs or more, away from 0 and 1 and from the steps of a tiny data set, so
    the predicted classes no longer change; (2) every epoch of a run of five or more sits within
    noise of 1/K (K from the set-up, else the nearest 1/K to the median), so the model guesses.
    The frozen reading is skipped when every printed accuracy is a multiple of 1/n for a small n:
    then a few samples decide the accuracy and it repeats by itself near convergence.
    """
    name = accuracy_metric(run, validation=False)
    if name is None:
        return []
    y = run.series(name)
    ok = np.isfinite(y)
    loss = main_loss(run)
    if loss is not None:  # after a nan loss the accuracy scores nan outputs: that is the nan's symptom
        ok &= np.isfinite(run.series(loss))
    acc, ep = y[ok], epochs[ok]
    if acc.size < 4:
        return []
    same = _trailing_repeats(acc)
    level = float(acc[-1])
    if same >= MIN_FROZEN_ACCURACY and ACCURACY_EDGE < level < 1.0 - ACCURACY_EDGE and not _small_data(acc):
        st = {"level": rfloat(level), "slope": 0.0, "rel_change": 0.0, "stuck": False, "chance_level": None,
              "n_epochs": int(same), "frozen": True}
        msg = (f"{name} frozen at {level:.6g} for the last {same} epochs ({epoch_int(ep[-same])}-"
               f"{epoch_int(ep[-1])}) while the loss still moves: the predicted classes no longer change")
        return [Finding(symptom="plateau", metric=name, start_epoch=epoch_int(ep[-same]), end_epoch=epoch_int(ep[-1]),
                        confidence=clip01(1.0 - 0.5 ** (same - 1)), stats=st, message=msg)]
    if acc.size < 5:
        return []
    med = stats.median(acc)
    k = chance_k if chance_k is not None else (round(1.0 / med) if med > 0 else 0)
    if k < 2 or (chance_k is None and k > MAX_INFERRED_CLASSES):
        return []
    tol = max(0.005, 0.05 / k)
    worst = float(np.max(np.abs(acc - 1.0 / k)))
    if worst > tol:
        return []
    st = {"level": rfloat(med), "slope": 0.0, "rel_change": rfloat(float(np.ptp(acc)) / max(med, 1e-12), 4),
          "stuck": True, "chance_level": rfloat(1.0 / k), "n_epochs": int(acc.size)}
    msg = (f"{name} at chance level 1/{k} = {1.0 / k:.4g} in every epoch ({epoch_int(ep[0])}-{epoch_int(ep[-1])}: "
           f"{float(acc.min()):.4g}-{float(acc.max()):.4g}, never more than {worst:.2g} from it): the model guesses")
    conf = clip01((1.0 - worst / tol) * 0.5 + 0.5) * (1.0 - math.exp(-acc.size / 4.0))
    return [Finding(symptom="plateau", metric=name, start_epoch=epoch_int(ep[0]), end_epoch=epoch_int(ep[-1]),
                    confidence=clip01(conf), stats=st, message=msg)]


def _small_data(acc: np.ndarray) -> bool:
    """Are all accuracies (three distinct values at least) multiples of 1/n for some n <= `TINY_DATA`,
    to the 4 printed decimals?"""
    values = np.unique(acc)
    if values.size < 3:  # two values fit some m/n with n <= 200 by chance (a few percent of the time)
        return False
    n = np.arange(2, TINY_DATA + 1)[:, None]
    scaled = values[None, :] * n
    return bool(np.any(np.all(np.abs(scaled - np.round(scaled)) <= 5e-5 * n, axis=1)))
