"""Divergence: the loss grows geometrically (or overflows to inf).

Unstable optimisation (a learning rate above 2/curvature) multiplies the error
by a constant factor every step, so the loss grows geometrically and log(loss)
grows linearly. The growth factor per epoch is exp(slope) of a Theil-Sen line
on log(loss): the median of pairwise slopes ignores a few noisy epochs, and
scipy gives its confidence interval. Kendall's tau (the rank test Theil-Sen is
built on) supplies the p-value that the loss is rising at all.

The fit starts where the final run-up starts (the earliest point below all later
ones from which the loss still grows ``min_total_growth``-fold), so a run that
first converges and then blows up is judged on the part that blows up. A run-up
of only a few epochs is too short for a rank test; after a long enough history
its mean log increment is z-tested against the history's own noise instead.
A loss that is not growing geometrically but rose in each of its last epochs
(``min_rises``, by ``min_rise`` in all) is reported too, flagged ``sustained_rise``.
"""
from __future__ import annotations

import math

import numpy as np

from ..findings import Finding
from ..numeric import clip01, rfloat
from . import significance as stats
from .base import SeriesDetector, epoch_int, noise_sigma, p_value
from .trend import rising_tail, thin

#: A rise that is not geometric is a weaker sign than one that is: its confidence is capped here.
SUSTAINED_CONFIDENCE = 0.8


class DivergenceDetector(SeriesDetector):
    """Flag geometric growth of a loss.

    Args:
        min_total_growth: the fitted line must multiply the loss by at least this
            much over the window (slow drifts are overfitting or noise, not divergence).
        alpha: the confidence interval's level is ``1 - alpha``; its lower bound must exceed 1.
        min_r2: the geometric model must explain at least this share of log-loss variance.
        min_rises: rises in a row at the end that count as a sustained (non-geometric) rise.
        min_rise: relative rise over them that matters.
    """

    symptom = "divergence"

    def __init__(self, min_total_growth: float = 3.0, alpha: float = 0.05, min_r2: float = 0.3,
                 min_rises: int = 4, min_rise: float = 0.1) -> None:
        super().__init__()
        self.min_rises = min_rises
        self.min_rise = min_rise
        self.min_total_growth = min_total_growth
        self.alpha = alpha
        self.min_r2 = min_r2

    def _detect(self, y: np.ndarray, epochs: np.ndarray, metric: str) -> list[Finding]:
        ok = np.isfinite(y) & (y > 0)
        if not ok.any():
            return []
        first_ok = int(np.argmax(ok))
        inf_after = np.flatnonzero(np.isposinf(y) & (np.arange(y.size) > first_ok))
        idx = np.flatnonzero(ok)
        z = np.log(y[idx])
        fit, start = None, int(np.argmin(z))
        for cand in self._starts(z):
            trial = self._fit(z, epochs[idx], cand)
            if trial is not None and self._growing(trial):
                fit, start = trial, cand
                break
        explosive = inf_after.size > 0
        if fit is None and not explosive:
            return self._sustained_rise(y[idx], epochs[idx], metric)
        if fit is None and idx.size - start >= 3:
            fit = self._fit(z, epochs[idx], start)
        win = idx[start:]
        end = int(inf_after[-1]) if explosive else int(win[-1])
        stats_: dict[str, object] = {}
        conf = 0.0
        if fit is not None:
            gf = math.exp(fit["slope"])
            stats_.update(growth_factor=rfloat(gf), growth_ci=[rfloat(math.exp(fit["lo"])), rfloat(math.exp(fit["hi"]))],
                          r2=rfloat(fit["r2"], 4), n_epochs=int(win.size), p_value=rfloat(fit["p"], 3),
                          test=fit["test"])
            conf = (1.0 - fit["p"]) * math.sqrt(max(fit["r2"], 0.0))
        else:
            span = max(float(epochs[win[-1]] - epochs[win[0]]), 1.0)
            gf = float(y[win[-1]] / y[win[0]]) ** (1.0 / span) if win.size >= 2 else math.inf
            stats_.update(growth_factor=rfloat(gf), growth_ci=None, r2=None, n_epochs=int(win.size), p_value=None)
        stats_["explosive"] = bool(explosive)
        if explosive:
            stats_["inf_epoch"] = epoch_int(epochs[inf_after[0]])
            conf = max(conf, 1.0 - 0.5 ** inf_after.size)
        first, last = y[win[0]], y[win[-1]]
        msg = (f"{metric} grows x{stats_['growth_factor']:.4g} per epoch from {first:.4g} "
               f"(epoch {epoch_int(epochs[win[0]])}) to {last:.4g} (epoch {epoch_int(epochs[win[-1]])})")
        if fit is not None:
            msg += f", 95% CI x{math.exp(fit['lo']):.4g}-x{math.exp(fit['hi']):.4g}, R^2={fit['r2']:.3f}"
        if explosive:
            msg += f"; overflows to inf at epoch {stats_['inf_epoch']}"
        return [Finding(symptom=self.symptom, metric=metric, start_epoch=epoch_int(epochs[win[0]]),
                        end_epoch=epoch_int(epochs[end]), confidence=clip01(conf), stats=stats_, message=msg)]

    def _sustained_rise(self, y: np.ndarray, epochs: np.ndarray, metric: str) -> list[Finding]:
        """The loss rose in each of the last ``min_rises`` epochs or more, by ``min_rise`` in all: too
        slow for the geometric test, yet training has reversed. Under noise around a level, ``k + 1``
        values come out strictly increasing with probability ``1/(k+1)!``: that is the p-value."""
        rises = rising_tail(y)
        if rises < self.min_rises:
            return []
        first, last = float(y[-1 - rises]), float(y[-1])
        total = last / first - 1.0
        if total < self.min_rise:
            return []
        p = 1.0 / math.factorial(rises + 1)
        span = max(float(epochs[-1] - epochs[-1 - rises]), 1.0)
        gf = (last / first) ** (1.0 / span)
        e0, e1 = epoch_int(epochs[-1 - rises]), epoch_int(epochs[-1])
        st = {"growth_factor": rfloat(gf), "growth_ci": None, "r2": None, "n_epochs": rises + 1,
              "p_value": rfloat(p, 3), "test": "monotone_rise", "explosive": False, "sustained_rise": True,
              "total_rise": rfloat(total, 4)}
        msg = (f"{metric} rose in each of the last {rises} epochs, x{last / first:.3g} from {first:.4g} (epoch {e0}) "
               f"to {last:.4g} (epoch {e1}): training reversed, slower than a geometric blow-up")
        return [Finding(symptom=self.symptom, metric=metric, start_epoch=e0, end_epoch=e1,
                        confidence=clip01(SUSTAINED_CONFIDENCE * (1.0 - p)), stats=st, message=msg)]

    def _starts(self, z: np.ndarray, limit: int = 8) -> list[int]:
        """Candidate starts of the run-up: points below everything after them, from which the
        loss still grows by ``min_total_growth`` to the end (earliest first)."""
        suffix_min = np.minimum.accumulate(z[::-1])[::-1]
        need = math.log(self.min_total_growth)
        out = [j for j in range(z.size - 2) if z[j] <= suffix_min[j + 1] and z[-1] - z[j] >= need]
        return out[:limit]

    def _growing(self, fit: dict) -> bool:
        return fit["lo"] > 0 and fit["r2"] >= self.min_r2 and fit["p"] < self.alpha \
            and fit["total_log_growth"] >= math.log(self.min_total_growth)

    def _fit(self, z_all: np.ndarray, t_all: np.ndarray, start: int) -> dict | None:
        """Theil-Sen line on log loss from ``start``; Kendall's test, or for a short run-up after
        a long enough history, a z-test of the mean log increment against the history's noise."""
        logy, t = z_all[start:], t_all[start:]
        if logy.size < 3 or np.ptp(t) == 0:
            return None
        slope, intercept, lo, hi = stats.theilslopes(*thin(t, logy)[::-1], alpha=1.0 - self.alpha)
        resid = logy - (intercept + slope * t)
        ss_tot = float(np.sum((logy - logy.mean()) ** 2))
        r2 = 1.0 - float(np.sum(resid ** 2)) / ss_tot if ss_tot > 0 else 0.0
        p = p_value(stats.kendalltau, t, logy, alternative="greater")
        test = "kendall"
        history = z_all[:start]
        if logy.size < 6 and history.size >= 5:
            sigma = max(noise_sigma(history), 1e-4)
            steps = np.diff(logy) / np.diff(t)
            se = sigma * math.sqrt(2.0 / steps.size)
            mean = float(steps.mean())
            p_z = float(stats.norm.sf(mean / se))
            if p_z < p:
                z975 = float(stats.norm.ppf(1.0 - self.alpha / 2))
                slope, lo, hi, p, test = mean, mean - z975 * se, mean + z975 * se, p_z, "increments_vs_history_noise"
        total = float(slope * (t[-1] - t[0]))
        return {"slope": float(slope), "lo": float(lo), "hi": float(hi), "r2": r2, "p": p, "test": test,
                "total_log_growth": total}
