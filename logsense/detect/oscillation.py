"""Oscillation: the loss bounces up and down by much more than it trends.

Two statistics together: how often consecutive first differences change sign
(white noise alone does so 2/3 of the time, a period-2 bounce always), and the
amplitude of the swings (half the median absolute deviation of the steps from the trend's step),
on a log scale so it reads as a fraction of the loss. Noise on an epoch-averaged loss is a few
percent; an optimiser overshooting a valley moves it by tens of percent. The
amplitude must also dwarf the trend's own movement per epoch, or the "bounce"
is just a steep curve. Confidence combines a binomial test of the sign changes
against chance (1/2) with how far the amplitude clears its threshold.

Noise is not oscillation. Independent noise about a smooth trend reverses direction in 2/3 of
the steps, so a reversal rate that a one-sided binomial test cannot tell from 2/3 says only that
the curve is noisy: mini-batch noise on a training loss, or a small validation set's loss moving
as a few samples cross the decision boundary. Such a curve is flagged only when its typical
epoch-to-epoch step changes the loss by more than a factor of two (amplitude >= ln 2 / 2), which
no healthy run's noise does; a bounce more regular than noise needs only ``min_amplitude``.
"""
from __future__ import annotations

import math

import numpy as np

from ..findings import Finding
from ..numeric import clip01, rfloat
from . import significance as stats
from .base import SeriesDetector, epoch_int, p_value
from .trend import theil_trend


class OscillationDetector(SeriesDetector):
    """Flag a loss that zig-zags.

    Args:
        min_epochs: shortest series judged.
        min_rate: smallest share of sign changes among consecutive differences.
        min_amplitude: smallest robust deviation from the trend, as a fraction of the loss.
        trend_ratio: the amplitude must exceed this multiple of the trend's change per epoch.
        noise_level: a reversal rate whose one-sided p-value against the 2/3 of independent noise is
            at least this reads as noise (loose, because a short run has few steps: 9 perfect
            reversals give p = 0.026).
        noise_amplitude: the amplitude a noise-like zig-zag needs to be flagged.
    """

    symptom = "oscillation"

    def __init__(self, min_epochs: int = 6, min_rate: float = 0.6, min_amplitude: float = 0.1,
                 trend_ratio: float = 2.0, noise_level: float = 0.3,
                 noise_amplitude: float = 0.5 * math.log(2.0)) -> None:
        super().__init__()
        self.min_epochs = min_epochs
        self.min_rate = min_rate
        self.min_amplitude = min_amplitude
        self.trend_ratio = trend_ratio
        self.noise_level = noise_level
        self.noise_amplitude = noise_amplitude

    def _detect(self, y: np.ndarray, epochs: np.ndarray, metric: str) -> list[Finding]:
        ok = np.isfinite(y) & (y > 0)
        raw, ep = y[ok], epochs[ok]
        if raw.size < self.min_epochs:
            return []
        z = np.log(raw)
        d = np.diff(z) / np.diff(ep)
        s = np.sign(d[d != 0])
        if s.size < 3:
            return []
        changes = int(np.sum(s[1:] != s[:-1]))
        rate = changes / (s.size - 1)
        if rate < self.min_rate:
            return []  # most curves: settled before the trend is fitted
        trend_step = theil_trend(z, ep).slope
        # Half the typical step about the trend's step: a swing of +-a moves 2a per epoch.
        amplitude = 0.5 * stats.median(np.abs(d - trend_step))
        trend_step = abs(trend_step)
        if amplitude < self.min_amplitude or amplitude < self.trend_ratio * trend_step:
            return []
        p_noise = p_value(stats.binomtest, changes, s.size - 1, 2.0 / 3.0, alternative="greater")
        if p_noise >= self.noise_level and amplitude < self.noise_amplitude:
            return []  # reverses as often as independent noise does, by no more than noise moves
        p = p_value(stats.binomtest, changes, s.size - 1, 0.5, alternative="greater")
        conf = (1.0 - p) * (1.0 - math.exp(-amplitude / self.min_amplitude))
        st = {"sign_change_rate": rfloat(rate, 4), "amplitude": rfloat(amplitude, 4), "p_value": rfloat(p, 3),
              "p_vs_noise": rfloat(p_noise, 3),
              "trend_per_epoch": rfloat(trend_step, 4), "n_epochs": int(raw.size)}
        msg = (f"{metric} oscillates: {rate:.0%} of steps reverse direction, typical swing {amplitude:.0%} "
               f"of the loss against a trend of {trend_step:.1%} per epoch")
        return [Finding(symptom=self.symptom, metric=metric, start_epoch=epoch_int(ep[0]), end_epoch=epoch_int(ep[-1]),
                        confidence=clip01(conf), stats=st, message=msg)]
