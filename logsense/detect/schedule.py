"""The learning-rate schedule a run printed, so a detector can tell a schedule's step from a pathology.

A warm restart lifts the loss within an epoch or two and a rate cut drops it: these are the
schedule doing its job, not symptoms. Three sources say what the rate did, most direct first:
the ``lr`` / ``learning_rate`` column Keras prints, the LearningRateScheduler's "setting learning
rate to" messages (the rate from that epoch on) and ReduceLROnPlateau's "reducing learning rate
to" messages (a cut after that epoch). Without any of them, `periodic_restarts` recognises warm
restarts by their shape alone, conservatively: at least two upward shifts that each fall back, at
epochs a fixed period (or a doubling one, SGDR's ``T_mult=2``) apart.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..log import Run
from ..numeric import rfloat

#: Metric names Keras prints the learning rate under.
LR_COLUMNS = ("lr", "learning_rate")
#: A rate that moved by this factor within a few epochs is an abrupt change of the schedule.
MIN_FACTOR = 1.5
#: ... and by this share of the run's largest rate (a ramp of tiny rates moves nothing).
MIN_SHARE = 0.2


@dataclass
class RateChange:
    """An abrupt change of the learning rate that explains a shift at ``epoch``."""

    epoch: int
    before: float | None
    after: float | None
    source: str

    def to_dict(self) -> dict[str, object]:
        return {"epoch": self.epoch, "lr_before": rfloat(self.before, 6) if self.before is not None else None,
                "lr_after": rfloat(self.after, 6) if self.after is not None else None, "source": self.source}


@dataclass
class Schedule:
    """The rate per epoch (NaN where unknown) and ReduceLROnPlateau's cuts, aligned with the run's epochs."""

    epochs: np.ndarray
    rates: np.ndarray
    source: str = ""
    cuts: tuple[int, ...] = ()

    @classmethod
    def of(cls, run: Run) -> "Schedule":
        """What ``run`` printed about its learning rate (an empty schedule when nothing)."""
        epochs = run.epoch_numbers()
        rates = np.full(epochs.size, np.nan)
        source = ""
        for name in LR_COLUMNS:
            if name in run.metrics:
                rates, source = run.series(name), f"the {name} column"
                break
        events = sorted((e for e in run.events if e.epoch is not None and e.value is not None
                         and math.isfinite(e.value) and e.value >= 0), key=lambda e: e.epoch or 0)
        if not source:
            set_at = [e for e in events if e.kind == "lr_schedule"]
            for e in set_at:  # the rate the scheduler set from that epoch on
                rates[epochs >= float(e.epoch or 0)] = e.value
            if set_at:
                source = "LearningRateScheduler"
        cuts = tuple(int(e.epoch or 0) for e in events if e.kind == "lr_change")
        return cls(epochs=epochs, rates=rates, source=source, cuts=cuts)

    @property
    def known(self) -> bool:
        return bool(self.cuts) or bool(np.isfinite(self.rates).any())

    def explains(self, epoch: float, direction: str) -> RateChange | None:
        """The rate change that makes a shift starting at ``epoch`` expected: a rise of the rate for a
        rise of the loss, a cut for a fall. The loss follows the rate within about two epochs."""
        if direction == "down":
            for c in self.cuts:  # Keras reports the cut at the end of epoch c: the new rate runs from c + 1
                if c - 1 <= epoch <= c + 3:
                    return RateChange(int(epoch), None, None, "ReduceLROnPlateau")
        ok = np.isfinite(self.rates)
        if not ok.any():
            return None
        top = float(np.max(self.rates[ok]))
        if top <= 0:
            return None
        # The loss follows the rate within two epochs, and a shift's onset is placed up to two
        # epochs early when the old level was already bending: the rate must move from the
        # three epochs before the onset to the window around it.
        before = self._window(epoch - 3, epoch - 1)
        after = self._window(epoch - 1, epoch + 2)
        if before.size == 0 or after.size == 0:
            return None
        if direction == "up":
            lo, hi = float(np.min(before)), float(np.max(after))
            moved = hi - lo >= MIN_SHARE * top and hi >= MIN_FACTOR * lo
            return RateChange(int(epoch), lo, hi, self.source) if moved else None
        hi, lo = float(np.max(before)), float(np.min(after))
        moved = hi - lo >= MIN_SHARE * hi and hi >= MIN_FACTOR * lo
        return RateChange(int(epoch), hi, lo, self.source) if moved else None

    def _window(self, first: float, last: float) -> np.ndarray:
        sel = (self.epochs >= first) & (self.epochs <= last) & np.isfinite(self.rates)
        return self.rates[sel]


def periodic_restarts(onsets: list[float], first_epoch: float, tolerance: float = 2.0) -> list[float]:
    """The onsets that sit on a warm-restart grid, or nothing unless at least two do.

    Fixed cycles (``T_mult=1``): every onset is the first plus a multiple of one period P, and the
    first lies about P (or 2P, 3P: early restarts may be too small to see) after the run's start.
    Doubling cycles (``T_mult=2``): consecutive onsets' gaps double, the first gap being about
    twice the first cycle. The loss follows the rate with the same lag at every restart, so the
    grid is anchored at the first onset; ``tolerance`` epochs absorb the lag's wobble.
    """
    xs = sorted(onsets)
    if len(xs) < 2:
        return []
    o1 = xs[0]
    best: list[float] = []
    for period in sorted({b - a for i, a in enumerate(xs) for b in xs[i + 1:]}):
        if period < 3:
            continue
        fit = [o for o in xs if abs((o - o1) - period * round((o - o1) / period)) <= tolerance]
        lead = (o1 - first_epoch) / period
        if len(fit) > len(best) and 1 <= round(lead) <= 3 and abs(lead - round(lead)) * period <= tolerance + 2.5:
            best = fit
    run = [o1]
    for o in xs[1:]:
        gap = o - run[-1]
        prev = run[-1] - (run[-2] if len(run) > 1 else first_epoch)
        # the first cycle's length is read from the run's start, the lag not subtracted: twice it is looser
        if abs(gap - 2 * prev) <= (tolerance + 2.5 if len(run) == 1 else tolerance):
            run.append(o)
    if len(run) > len(best):
        best = run
    return best if len(best) >= 2 else []
