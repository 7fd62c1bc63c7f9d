"""Overfitting: validation loss rises (or validation accuracy falls) while training keeps improving.

The parting epoch is the minimum of the validation loss (after a 3-epoch running
median, so one lucky epoch does not set it). After it, Kendall tests must find
validation rising *and* validation rising relative to training (their log
ratio grows: a jump that lifts both curves is not overfitting), a Theil-Sen
line must put the rise above ``min_rise``, and training must be falling over the
same epochs. Confidence multiplies the tests' complements: every part of the
picture has to hold.
"""
from __future__ import annotations

import math

import numpy as np

from ..findings import Finding
from ..log import Run
from ..metrics import train_val_pairs
from ..numeric import clip01, rfloat
from .base import RunDetector, epoch_int, level_noise
from .trend import running_median, theil_trend


class OverfittingDetector(RunDetector):
    """Flag train/validation curves that part ways.

    Args:
        min_window: epochs needed after the parting point.
        min_rise: relative rise of validation loss (absolute fall of validation accuracy) that matters.
        alpha: significance level for validation getting worse.
        short_window: fewest epochs after the parting point judged when training stopped
            early (an EarlyStopping message, or fewer epochs than declared): between this and
            ``min_window`` every epoch must move the wrong way and validation must rise by
            ``short_rise``; the confidence stays modest.
        drift_ratio: the rise (on the log scale) must exceed this multiple of the validation
            curve's noise level robust to autocorrelation (`level_noise`).
    """

    symptom = "overfitting"

    def __init__(self, min_window: int = 4, min_rise: float = 0.05, alpha: float = 0.01,
                 short_window: int = 3, short_rise: float = 0.15, drift_ratio: float = 3.0) -> None:
        super().__init__()
        self.drift_ratio = drift_ratio
        self.short_window = short_window
        self.short_rise = short_rise
        self.min_window = min_window
        self.min_rise = min_rise
        self.alpha = alpha

    def _detect(self, run: Run) -> list[Finding]:
        out: list[Finding] = []
        ep = run.epoch_numbers()
        short_ok = stopped_early(run)
        for kind in ("loss", "accuracy"):
            for train, val in train_val_pairs(run, kind):
                f = self._pair(run.series(train), run.series(val), ep, train, val, kind, short_ok)
                if f is not None:
                    out.append(f)
            if out:  # the loss pair already tells the story; accuracy is the fallback
                break
        return out

    def _pair(self, tr: np.ndarray, va: np.ndarray, ep: np.ndarray, train: str, val: str,
              kind: str, short_ok: bool = False) -> Finding | None:
        ok = np.isfinite(tr) & np.isfinite(va)
        if kind == "loss":
            ok &= (tr > 0) & (va > 0)
        tr, va, ep = tr[ok], va[ok], ep[ok]
        if va.size < self.short_window + 1:
            return None
        # Work so that "worse" is "up": log loss, or minus accuracy.
        zt, zv = (np.log(tr), np.log(va)) if kind == "loss" else (-tr, -va)
        part = int(np.argmin(running_median(zv, 3) if zv.size >= 8 else zv))
        w = slice(part, va.size)
        n_after = va.size - part
        if n_after < (self.short_window if short_ok else self.min_window):
            return None
        span = float(ep[-1] - ep[part])
        # The three trends are fitted one at a time, each only if the checks before it pass
        # (most runs fail the first): the validation curve, the training curve, their parting.
        if n_after >= self.min_window:
            vt = theil_trend(zv[w], ep[w])
            rise = math.expm1(vt.slope * span) if kind == "loss" else vt.slope * span
            if vt.p_up >= self.alpha or rise < self.min_rise:
                return None
            tt = theil_trend(zt[w], ep[w])
            if tt.slope >= 0:
                return None
            apart = theil_trend(zv[w] - zt[w], ep[w])  # the curves part: their ratio (difference) grows
            if apart.p_up >= self.alpha:
                return None
            # Kendall's test takes the epochs as independent; epoch averages drift together
            # (AR(1)-like), so the rise must also clear the validation curve's own drift.
            if vt.slope * span < self.drift_ratio * level_noise(zv):
                return None
        else:
            # The last few epochs only (what EarlyStopping leaves): too few for the test's
            # level, so demand every step to go the wrong way and a larger rise instead.
            short_rise = math.expm1(zv[-1] - zv[part]) if kind == "loss" else zv[-1] - zv[part]
            if not (np.all(np.diff(zv[w]) > 0) and np.all(np.diff(zt[w]) < 0)) or short_rise < self.short_rise:
                return None
            rise = short_rise
            vt, tt = theil_trend(zv[w], ep[w]), theil_trend(zt[w], ep[w])
            apart = theil_trend(zv[w] - zt[w], ep[w])
        conf = (1.0 - vt.p_up) * (1.0 - apart.p_up) * (1.0 - tt.p_down)
        part_epoch = epoch_int(ep[part])
        st = {"part_epoch": part_epoch, "val_slope": rfloat(vt.slope, 4), "train_slope": rfloat(tt.slope, 4),
              "val_rise": rfloat(rise, 4), "p_value": rfloat(vt.p_up, 3), "scale": "log" if kind == "loss" else "linear"}
        what = f"{val} rises {rise:.0%}" if kind == "loss" else f"{val} falls {rise:.3g}"
        msg = (f"{what} after epoch {part_epoch} (p={vt.p_up:.2g}) while {train} keeps improving "
               f"({tt.slope:+.3g}/epoch{' in log' if kind == 'loss' else ''})")
        return Finding(symptom=self.symptom, metric=val, start_epoch=part_epoch, end_epoch=epoch_int(ep[-1]),
                       confidence=clip01(conf), stats=st, message=msg)


def stopped_early(run: Run) -> bool:
    """Did training end before its declared epochs (as EarlyStopping makes it)?"""
    if any(e.kind == "early_stopping" for e in run.events):
        return True
    declared = run.meta.get("declared_epochs")
    epochs = run.epoch_numbers()
    try:
        return bool(declared) and epochs.size > 0 and float(epochs[-1]) < float(declared)
    except (TypeError, ValueError):
        return False
