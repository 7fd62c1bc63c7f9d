"""The learning-rate schedule a run printed, so a detector can tell a schedule's step from a pathology.

A warm restart lifts the loss within an epoch or two and a rate cut drops it: these are the
schedule doing its job, not symptoms. Three sources say what the rate did, most direct first:
the ``lr`` / ``learning_rate`` column Keras prints, the LearningRateScheduler's "setting learning
rate to" messages (the rate from that epoch on) and ReduceLROnPlateau's "reducing learning rate
to" messages (a cut after that epoch). Without any of them, `restart_grid` recognises warm
restarts by their shape alone, conservatively: the run's sharp rises of the loss, measured against
the trend just before each, must be exactly a warm-restart grid anchored at the run's start (cycles
of T0 epochs, fixed or doubling: SGDR's ``T_mult`` 1 or 2), the same lag behind every restart; every
restart the grid predicts must show a rise of comparable size (a restart lifts the loss about as
much as the previous cycle's annealing lowered it) and no large rise may lie off the grid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..log import Run
from ..numeric import rfloat
from . import significance as stats
from .base import curve_noise, level_noise

#: Metric names Keras prints the learning rate under.
LR_COLUMNS = ("lr", "learning_rate")
#: A rate that moved by this factor within a few epochs is an abrupt change of the schedule.
MIN_FACTOR = 1.5
#: ... and by this share of the largest rate the run uses from there on (a ramp of tiny rates
#: moves nothing; SGDR's restarts may peak lower each cycle, so the run's first peak is no yardstick
#: for its fifth restart).
MIN_SHARE = 0.2


@dataclass
class RateChange:
    """An abrupt change of the learning rate that explains a shift at ``epoch``."""

    epoch: int
    before: float | None
    after: float | None
    source: str
    restarts: tuple[int, ...] = ()  # with no rate printed: the warm restarts recognised by shape

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"epoch": self.epoch, "lr_before": rfloat(self.before, 6) if self.before is not None
                                  else None, "lr_after": rfloat(self.after, 6) if self.after is not None else None,
                                  "source": self.source}
        if self.restarts:
            out["restarts"] = list(self.restarts)
        return out


@dataclass
class Schedule:
    """The rate per epoch (NaN where unknown) and ReduceLROnPlateau's cuts, aligned with the run's epochs."""

    epochs: np.ndarray
    rates: np.ndarray
    source: str = ""
    cuts: tuple[int, ...] = ()

    @classmethod
    def of(cls, run: Run) -> Schedule:
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
        ahead = ok & (self.epochs >= epoch - 1)
        top = float(np.max(self.rates[ahead])) if ahead.any() else 0.0
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

    def abrupt(self, cuts: bool = True) -> list[float]:
        """Epochs from which the rate is abruptly different: a rise or (``cuts``) a cut by
        ``MIN_FACTOR`` and ``MIN_SHARE`` from one printed epoch to the next (warm restarts,
        milestones), and the first epoch after each ReduceLROnPlateau message. A changepoint search
        can split the loss there beforehand, so that a jump between two restarts is judged within
        its own cycle."""
        out = {float(c) + 1.0 for c in self.cuts} if cuts else set()
        ok = np.isfinite(self.rates) & (self.rates > 0)
        rate, ep = self.rates[ok], self.epochs[ok]
        top = float(np.max(rate)) if rate.size else 0.0
        ahead = np.maximum.accumulate(rate[::-1])[::-1] if rate.size else rate  # the largest rate from j on
        for j in range(1, rate.size):
            a, b = float(rate[j - 1]), float(rate[j])
            up = b >= MIN_FACTOR * a and b - a >= MIN_SHARE * float(ahead[j])
            # a cut from a steady rate (a milestone, a plateau cut), not the tail of an annealing
            steady = j < 2 or 1 / 1.1 <= rate[j - 1] / rate[j - 2] <= 1.1
            down = a >= MIN_FACTOR * b and (a - b >= MIN_SHARE * top or steady)
            if up or (down and cuts):
                out.add(float(ep[j]))
        return sorted(out)

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


#: A restart the grid predicts must rise by this share of the rise being explained (SGDR may
#: shrink each cycle's peak rate, e.g. by 0.7: three cycles later the rise is a third) ...
MEMBER_SHARE = 0.25
#: ... and by this many times the series' drift (`level_noise`).
MEMBER_SIGMA = 2.0
#: With a single other restart to go by, the two rises must agree within this factor.
PAIR_FACTOR = 2.0


def rises(z: np.ndarray) -> np.ndarray:
    """How far the series sits above its recent trend, epoch by epoch (-inf where unmeasurable).

    ``rises(z)[i]``: the median of ``z[i:i+3]`` minus the Theil-Sen line through the up to six
    values before ``i`` (at least four), extended over those epochs, and at most that median minus
    the median of the two values before ``i``: a restart really lifts the loss, while a curve that
    merely flattens after a steep fall (a rate cut) only sits above its old trend. The median of
    three after ignores a single heavy-tailed bad epoch.
    """
    n = z.size
    out = np.full(n, -np.inf)
    full = np.arange(6, n - 2)  # six values before, three after: all at once
    if full.size:
        win = np.lib.stride_tricks.sliding_window_view(z, 6)[full - 6]
        a, b = np.triu_indices(6, 1)
        slope = stats.nanmedian_rows((win[:, b] - win[:, a]) / (b - a))
        t = np.arange(6, dtype=float)
        icpt = stats.nanmedian_rows(win - slope[:, None] * t)
        post = np.lib.stride_tricks.sliding_window_view(z, 3)[full]
        ahead = icpt[:, None] + slope[:, None] * (6.0 + np.arange(3.0))
        last2 = stats.nanmedian_rows(np.lib.stride_tricks.sliding_window_view(z, 2)[full - 2])
        out[full] = np.minimum(stats.nanmedian_rows(post - ahead), stats.nanmedian_rows(post) - last2)
    for i in [j for j in (4, 5, n - 2) if 4 <= j < n - 1 and not 6 <= j < n - 2]:
        pre = z[max(0, i - 6):i]
        t = np.arange(pre.size, dtype=float)
        slopes = [(pre[b] - pre[a]) / (b - a) for a in range(pre.size) for b in range(a + 1, pre.size)]
        slope_i = stats.median(slopes)
        icpt_i = stats.median(pre - slope_i * t)
        post_i = z[i:i + 3]
        ahead_i = icpt_i + slope_i * (pre.size + np.arange(post_i.size, dtype=float))
        out[i] = min(stats.median(post_i - ahead_i), stats.median(post_i) - stats.median(z[i - 2:i]))
    return out


def _peaks(r: np.ndarray, floor: float) -> list[int]:
    """Positions of the local maxima (within 2 epochs) of ``r`` at or above ``floor``."""
    return [i for i in range(r.size) if r[i] >= floor and r[i] == np.max(r[max(0, i - 2):i + 3])]


@dataclass
class RestartGrid:
    """Warm restarts recognised by shape: every ``cycle`` epochs (``mult`` 2: each cycle twice the last)."""

    epochs: tuple[float, ...]
    cycle: float
    mult: int
    lag: float

    def describe(self) -> str:
        kind = "fixed" if self.mult == 1 else f"each {self.mult}x the last"
        return (f"warm restarts at epochs {', '.join(str(round(e)) for e in self.epochs)} "
                f"(first cycle {self.cycle:g} epochs, {kind}; shape, no rate printed)")


def restart_grid(y: np.ndarray, epochs: np.ndarray, onset: int) -> RestartGrid | None:
    """The warm-restart grid a rise near position ``onset`` of the loss ``y`` belongs to, or None.

    ``y`` is the finite loss of a run that printed no rate and ``epochs`` its epoch numbers. Rises
    are found and judged on the log scale (`rises`, in units of its drift, `level_noise`) and
    compared in size on the loss's own scale, where SGD's noise floor lifts the loss by about the
    same amount at every restart (on the log scale the lift grows as the loss falls). The rise is
    the largest within 2 epochs of ``onset``. A grid is a cycle length T0 (in half epochs from 3,
    as per-batch schedulers make fractional cycles) that stays fixed or doubles, anchored at the
    first epoch, with one lag for every restart (-1 to 1.5 epochs: the median of three places a
    rise up to an epoch early). It explains the rise if the rise is on it and at least one more
    predicted restart inside the run is, and no grid without it accounts for more of the run's
    rises (a genuine jump among warm restarts stays off the best grid); every predicted restart must show a rise of at least
    ``MEMBER_SIGMA`` drifts and ``MEMBER_SHARE`` of the lift within an epoch (with three or more
    seen, the first may be missing: a steep early decay hides a small restart; so may one in
    the last two epochs, which has no epochs after it to show, and one among four or more seen), two rises alone
    must agree within ``PAIR_FACTOR`` (two epochs nearly always fit some grid), and every cycle
    anneals its restart's lift away: the loss before a restart is no higher than before the previous one.
    """
    v = np.asarray(y, dtype=float)
    n = v.size
    if n < 10:
        return None
    use_log = bool(np.all(v > 0))
    z = np.log(v) if use_log else v
    r = rises(z)
    lift = np.full(n, -np.inf)
    inner = np.arange(4, n - 2)
    lift[inner] = (stats.nanmedian_rows(np.lib.stride_tricks.sliding_window_view(v, 3)[inner])
                   - stats.nanmedian_rows(np.lib.stride_tricks.sliding_window_view(v, 2)[inner - 2]))
    lift[n - 2] = stats.median(v[n - 2:]) - stats.median(v[n - 4:n - 2])
    lo, hi = max(0, onset - 2), min(n, onset + 3)
    c = lo + int(np.argmax(r[lo:hi]))
    if not r[c] > 0:
        return None
    # The drift between the rises (a running median across a sawtooth of restarts would count
    # the cycles' own shape as noise): split at every rise of a quarter of this one; nor may the
    # floor, first differences, count the slope's swings from cycle to cycle (`curve_noise`).
    noise = level_noise(z, breaks=_peaks(r, MEMBER_SHARE * float(r[c])), base=curve_noise(z))
    if not math.isfinite(float(r[c])) or r[c] < MEMBER_SIGMA * noise or lift[c] <= 0:
        return None
    clear = [i for i in _peaks(r, MEMBER_SIGMA * noise) if lift[i] > 0]
    members = sorted({c, *(i for i in clear if lift[i] >= MEMBER_SHARE * lift[c])})
    if len(members) < 2:
        return None
    ep = np.asarray(epochs, dtype=float)
    at = np.array([float(ep[i]) for i in members])
    at_clear = np.array([float(ep[i]) for i in clear])
    e0, first, last = float(ep[0]), float(ep[4]), float(ep[n - 2])
    most, best, best_score = -n, None, -n  # the best evidence of any grid; the best grid through c
    for mult in (1, 2):
        for t0 in np.arange(3.0, ep[-1] - e0 + 0.5, 0.5):
            for lag in (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5):
                grid, start, length = [], e0, float(t0)
                while start + length + lag <= last:
                    start += length
                    grid.append(start + lag)
                    length *= mult
                checkable = [g for g in grid if g >= first]
                if len(checkable) < 2:
                    continue
                gap = np.abs(at[None, :] - np.array(checkable)[:, None])
                near = np.argmin(gap, axis=1)
                hit = [members[j] for j in near.tolist()]
                seen = (gap[np.arange(near.size), near] <= 1.0).tolist()
                _chain(checkable, hit, seen, clear, at_clear, lift)
                if checkable[-1] >= float(ep[-3]) and not seen[-1]:
                    hit, seen = hit[:-1], seen[:-1]  # a restart in the last epochs may not show yet
                k = seen.index(True) if True in seen else len(seen)
                unseen = len(seen) - k - sum(seen[k:])
                if k > 1 or (k and sum(seen) < 3) or unseen > (1 if sum(seen) >= 4 else 0):
                    continue
                missing = len(seen) - sum(seen)
                hit = sorted({i for i, ok in zip(hit[k:], seen[k:]) if ok})
                if len(hit) < 2:
                    continue
                if len(hit) == 2 and max(lift[hit]) > PAIR_FACTOR * min(lift[hit]):
                    continue  # two rises are a grid only if they are alike
                # A grid's evidence: the restarts it predicts that show, less those that do not (a
                # half-length cycle would take in a jump midway between restarts at the cost of
                # predicting restarts that never come).
                score = len(hit) - missing
                most = max(most, score)
                if c in hit and (best is None or score > best_score):
                    best, best_score = RestartGrid(tuple(float(ep[i]) for i in hit), float(t0), mult, lag), score
    # A rise that the best grid leaves out (a genuine jump among restarts) is not explained.
    return best if best is not None and best_score >= most else None


def _chain(grid: list[float], hit: list[int], seen: list[bool], clear: list[int], at: np.ndarray,
           lift: np.ndarray) -> None:
    """Mark as seen, in place, each predicted restart without a member rise that has a clear rise
    within an epoch lifting by ``MEMBER_SHARE`` of the previous seen restart's lift: a shrinking
    peak rate lowers the lift cycle by cycle, so a late restart is compared with its predecessor,
    not with the rise being explained several cycles earlier."""
    prev = None
    for j, g in enumerate(grid):
        if seen[j]:
            prev = float(lift[hit[j]])
            continue
        if prev is None or not at.size:
            continue
        q = int(np.argmin(np.abs(at - g)))
        if abs(float(at[q]) - g) <= 1.0 and float(lift[clear[q]]) >= MEMBER_SHARE * prev:
            hit[j], seen[j] = clear[q], True
            prev = float(lift[clear[q]])
