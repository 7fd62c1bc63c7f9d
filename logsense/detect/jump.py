"""Jump: a sudden level shift of a loss, located by penalised changepoint search.

PELT with a piecewise-linear cost and a BIC penalty (noise from the MAD of first
differences) proposes changepoints; because every segment carries its own
trend, a decaying curve is cut at its bends, not turned into a staircase. A
changepoint is a *jump* only if the step between the two segments is larger
than either segment's trend can explain, by at least ``min_sigma`` times the
pre-change noise, and a Welch t-test on the two sides (each projected to the
boundary along its own line) rejects "no step". Positive losses are analysed on
a log scale, where the multiplicative noise of training curves is even.

The noise a step must clear is estimated robustly under autocorrelation (`level_noise`:
epoch averages drift together, so first differences understate it) and a step must
persist: a heavy-tailed single bad epoch is not a level shift. A shift that coincides
with an abrupt change of the printed learning rate (a warm restart, a milestone, a
ReduceLROnPlateau cut) is the schedule at work, and so is an upward shift on a warm-restart
grid of the run's sharp rises when no rate was printed (`schedule.restart_grid`):
those are kept as information (`explained()`), not reported as jumps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from ..findings import Finding
from ..log import Run
from ..numeric import clip01, rfloat
from . import significance as stats
from .base import MAD_TO_SIGMA, SeriesDetector, curve_noise, epoch_int, level_noise, noise_sigma, p_value
from .changepoint import bic_penalty, line_fit, pelt
from .schedule import RateChange, Schedule, restart_grid
from .steps import deaverage


@dataclass
class _Shift:
    """An accepted level shift, in positions of the finite series (``a``/``b``: its two segments' ends)."""

    onset: int
    a: int
    b: int
    size: float
    p: float
    direction: float
    recovery: int | None
    sigma_pre: float
    across: float | None = None  # an abrupt change of the printed rate between the two segments (its epoch)


class JumpDetector(SeriesDetector):
    """Flag level shifts.

    Args:
        min_sigma: smallest step, in units of the pre-change noise, that counts.
        min_drift: ... and in units of the whole series' drift (`level_noise`, robust to AR(1)-like
            epoch errors): a short quiet stretch before a wiggle must not make the wiggle a step.
        alpha: significance level of the one-sided Welch t-test.
        bic_k: the BIC multiplier ``k`` in ``k * sigma^2 * ln n`` (3: intercept, slope, location).
        min_before: epochs of history needed before a jump.
        min_after: epochs needed after it (fewer cannot tell a shift from a spike).
        directions: which shifts to report. A loss that suddenly *falls* is good news
            (typically a learning-rate drop), so by default only ``"up"``; pass
            ``("up", "down")`` for accuracy-like series or to see both.
        schedule: the run's learning-rate schedule (`Schedule.of(run)`); shifts it explains
            are not jumps. None: judge the series alone (warm restarts still recognised by shape).
    """

    symptom = "jump"

    def __init__(self, min_sigma: float = 7.0, min_drift: float = 5.0, alpha: float = 0.01, bic_k: float = 3.0,
                 min_before: int = 3, min_after: int = 3, directions: tuple[str, ...] = ("up",),
                 schedule: Schedule | None = None) -> None:
        super().__init__()
        self.schedule = schedule
        self._explained: list[dict[str, object]] = []
        self.directions = directions
        self.min_sigma = min_sigma
        self.min_drift = min_drift
        self.alpha = alpha
        self.bic_k = bic_k
        self.min_before = min_before
        self.min_after = min_after

    def _detect(self, y: np.ndarray, epochs: np.ndarray, metric: str) -> list[Finding]:
        keep = np.isfinite(y)
        raw, ep = y[keep], epochs[keep]
        n = raw.size
        if n < self.min_before + self.min_after:
            return []
        use_log = bool(np.all(raw > 0))
        z = np.log(raw) if use_log else raw
        # Printed values keep 4 decimals: never treat noise as smaller than that resolution.
        resolution = 1e-4 / stats.median(raw) if use_log else 1e-4
        forced = self._forced(ep, n)
        # Where the printed rate restarts, the loss's slope changes with it (steep after each restart,
        # flat at each cycle's end): first differences would count that as noise.
        sigma = max(curve_noise(z) if forced else noise_sigma(z), resolution)
        drift = max(level_noise(z, breaks=forced, base=sigma), resolution)
        cps = self._segment(z, forced, bic_penalty(n, sigma, self.bic_k))
        # Segments shorter than min_before are transitions (a ramp over an epoch or two),
        # not levels: a jump is judged between the long segments on either side.
        bounds = [0, *cps, n]
        long_segs = [(lo, hi) for lo, hi in pairwise(bounds) if hi - lo >= self.min_before]
        # After a printed restart the cycle's first epochs are one level, however the search cut
        # them: the restart's own lift is judged up to it, and a jump a few epochs into the cycle
        # from it (merged into the transit, the jump would pass for part of the restart).
        for f in forced:
            nxt = next((lo for lo, _ in long_segs if lo >= f), n)
            if nxt - f >= self.min_before and all(not (lo < nxt and hi > f) for lo, hi in long_segs):
                long_segs.append((f, nxt))
        long_segs.sort()
        found: list[_Shift] = []
        for (a, e), (s, b) in pairwise(long_segs):
            cand = self._judge(z, a, e, s, b, sigma, resolution, drift)
            if cand is not None:
                cand.across = next((float(ep[f]) for f in forced if e <= f <= s), None)
                found.append(cand)
        tail = self._tail_shift(z, long_segs, n, sigma, resolution, drift)
        if tail is not None:
            found.append(tail)
        self._explained = []
        kept = []
        why = self._explanations(found, raw, ep)
        for c in found:
            reason = why.get(c.onset)
            if reason is None:
                kept.append(self._finding(c, raw, ep, metric, use_log))
            else:
                self._explained.append({"metric": metric, "epoch": epoch_int(ep[c.onset]),
                                        "direction": "up" if c.direction > 0 else "down",
                                        "size_sigma": rfloat(abs(c.size), 4), **reason.to_dict()})
        return kept

    def _tail_shift(self, z: np.ndarray, long_segs: list[tuple[int, int]], n: int, sigma: float,
                    resolution: float, drift: float) -> _Shift | None:
        """A shift in the last epochs, which the search cut into pieces too short to be levels.

        A loss that leaves its level near the end of a paste (0.047 for epochs, then 0.061, 0.096,
        0.088) rises over an epoch or two, so the search splits the rise from what follows and no long
        segment is left after it. When at least ``min_after`` epochs follow the last long segment, the
        tail from each possible start is judged as one flat level against it (a line through three
        epochs that include the rise would take the step for its slope); the largest step stands.
        """
        if not long_segs:
            return None
        a, e = long_segs[-1]
        cands = [c for s in range(e, n - self.min_after + 1)
                 if (c := self._judge(z, a, e, s, n, sigma, resolution, drift, level_after=True)) is not None]
        return max(cands, key=lambda c: abs(c.size), default=None)

    def _forced(self, ep: np.ndarray, n: int) -> list[int]:
        """Positions where the printed rate rose abruptly (`Schedule.abrupt`: warm restarts, a warmup's
        jump). Cuts are left to the search: a cut only lowers the loss, and ReduceLROnPlateau often
        cuts a few epochs after a jump, where a split would leave the jump too few epochs to judge."""
        if self.schedule is None:
            return []
        return sorted({int(np.searchsorted(ep, e)) for e in self.schedule.abrupt(cuts=False)} - {0, n})

    def _segment(self, z: np.ndarray, forced: list[int], penalty: float) -> list[int]:
        """PELT's changepoints. Where the printed rate changed abruptly the series is split first
        and each piece segmented alone, so a jump inside a short cycle between two warm restarts
        (or after a milestone) is not merged into the restart's own shift."""
        cps: list[int] = []
        for lo, hi in zip([0, *forced], [*forced, z.size]):
            cps += [lo + c for c in pelt(z[lo:hi], penalty, model="linear", min_size=2)]
        return sorted({*cps, *forced})

    def explained(self) -> list[dict[str, object]]:
        """Shifts of the last ``fit`` that the learning-rate schedule accounts for (not findings)."""
        return list(self._explained)

    def _explanations(self, found: list[_Shift], raw: np.ndarray, ep: np.ndarray) -> dict[int, RateChange]:
        """The schedule's reason for each shift it explains, by onset position."""
        sched = self.schedule
        out: dict[int, RateChange] = {}
        if sched is not None and sched.known:
            for c in found:
                direction = "up" if c.direction > 0 else "down"
                r = sched.explains(c.across, direction) if c.across is not None else None
                r = r or sched.explains(float(ep[c.onset]), direction)
                if r is not None:
                    out[c.onset] = r
            if bool(np.isfinite(sched.rates).any()):
                return out  # the rate is known: its shape says everything
        # No rate printed: an upward shift is a warm restart if the run's sharp rises are a
        # restart grid it sits on (`schedule.restart_grid`).
        grids = {c.onset: g for c in found if c.direction > 0 and (g := restart_grid(raw, ep, c.onset))}
        if not grids:
            return out
        # One run has one schedule: the grid that accounts for the most of its shifts (then the one
        # with the most restarts) explains them; a shift on another grid of its own (a jump that
        # pairs up with one restart) is not explained by it.
        votes: dict[tuple[float, ...], int] = {}
        for g in grids.values():
            votes[g.epochs] = votes.get(g.epochs, 0) + 1
        run_grid = max(grids.values(), key=lambda g: (votes[g.epochs], len(g.epochs)))
        for onset, grid in grids.items():
            # the same grid, up to an epoch's wobble of where a rise is read
            if all(any(abs(g - e) <= 1 for e in run_grid.epochs) for g in grid.epochs):
                out[onset] = RateChange(epoch_int(ep[onset]), None, None, f"periodic {run_grid.describe()}",
                                        tuple(epoch_int(g) for g in run_grid.epochs))
        return out

    def _judge(self, z: np.ndarray, a: int, e: int, s: int, b: int, sigma: float,
               resolution: float, drift: float = 0.0, level_after: bool = False) -> _Shift | None:
        """Is there a step between the level ``z[a:e]`` and the level ``z[s:b]`` (``z[e:s]`` in transit)?

        ``level_after``: the side after is taken as flat (its mean), not as a line of its own.
        """
        if b - s < self.min_after:
            return None
        t = np.arange(z.size, dtype=float)
        iL, sL = line_fit(t[a:e], z[a:e])
        iR, sR = (float(np.mean(z[s:b])), 0.0) if level_after else line_fit(t[s:b], z[s:b])
        span = s - (e - 1)
        gap = (iR + sR * s) - (iL + sL * (e - 1))
        disc = gap - float(np.clip(gap, span * min(sL, sR), span * max(sL, sR)))
        sigma_pre = _pre_noise(z[a:e], t[a:e], iL, sL) if e - a >= 5 else sigma
        # Floor: half the differences' noise, raised by as much as the drift exceeds it (0 for
        # independent errors, whose drift equals that noise; most of it under strong AR(1)).
        sigma_pre = max(sigma_pre, 0.5 * sigma, resolution, drift - 0.5 * sigma)
        size = disc / sigma_pre
        if abs(size) < self.min_sigma or abs(disc) < self.min_drift * drift:
            return None
        direction = 1.0 if disc > 0 else -1.0
        # A level shift persists: two of the first three epochs after it stay beyond half the
        # step (one heavy-tailed bad epoch does not).
        m = min(3, b - s)
        beyond = direction * (z[s:s + m] - (iL + sL * t[s:s + m])) >= 0.5 * abs(disc)
        if int(np.sum(beyond)) < 2:
            return None
        if ("up" if direction > 0 else "down") not in self.directions:
            return None
        w = min(8, e - a, b - s)
        left = z[e - w:e] + sL * ((e - 1) - t[e - w:e])
        right = z[s:s + w] - sR * (t[s:s + w] - s)
        if level_after:
            # A few last epochs: a two-sample test has no power on them, but each must lie beyond the
            # old level's noise. Under "no step" every one of them clears its excess with the Student
            # probability of the smallest excess (the pre-change noise estimated from e - a epochs).
            excess = direction * (z[s:b] - (iL + sL * t[s:b]))
            if float(np.min(excess)) < 0.5 * abs(disc):
                return None
            tail = 1.0 - stats._stdtr(max(e - a - 2, 1), float(np.min(excess)) / sigma_pre)
            p = float(tail ** (b - s))
        else:
            # Noise-free sides (a clean step) leave the t statistic undefined: the step stands.
            p = p_value(stats.ttest_ind, right, left, equal_var=False,
                        alternative="greater" if direction > 0 else "less", default=0.0)
        if p >= self.alpha:
            return None

        def stands_out(j: int) -> bool:
            # Judged against the epochs before j only, so the ramp does not inflate the noise.
            ref = min(j, e)
            if ref - a < 3:
                return False
            ri, rs = line_fit(t[a:ref], z[a:ref])
            noise = _pre_noise(z[a:ref], t[a:ref], ri, rs) if ref - a >= 5 else sigma_pre
            noise = max(noise, 0.5 * sigma, resolution)
            return direction * (z[j] - (ri + rs * j)) >= 3.5 * noise

        # Onset: walk back from the first post-change epoch while the epochs before it
        # (in transit, or the last two of the old level) already stand out from the old trend.
        onset = s
        while onset - 1 >= max(a + 3, e - 2) and stands_out(onset - 1):
            onset -= 1
        level_before = iL + sL * (min(onset, e) - 1)
        recovery = None
        for j in range(max(onset, s) + 1, z.size):
            if direction * (z[j] - level_before) <= 2.0 * sigma_pre:
                recovery = j
                break
        return _Shift(onset=onset, a=a, b=b, size=size, p=p, direction=direction, recovery=recovery,
                      sigma_pre=sigma_pre)

    def _finding(self, c: _Shift, raw: np.ndarray, ep: np.ndarray, metric: str, use_log: bool) -> Finding:
        onset, a, b = c.onset, c.a, c.b
        before = raw[max(a, onset - 5):onset]
        after = raw[onset:min(b, onset + 5)]
        rec = c.recovery
        direction = "up" if c.direction > 0 else "down"
        st = {
            "epoch": epoch_int(ep[onset]),
            "size_sigma": rfloat(abs(c.size), 4),
            "direction": direction,
            "p_value": rfloat(c.p, 3),
            "recovered": rec is not None,
            "recovery_epoch": epoch_int(ep[rec]) if rec is not None else None,
            "before_mean": rfloat(float(np.mean(before))),
            "after_mean": rfloat(float(np.mean(after))),
            "noise_sigma": rfloat(c.sigma_pre, 4),
            "scale": "log" if use_log else "linear",
        }
        conf = (1.0 - c.p) * (1.0 - math.exp(-abs(c.size) / self.min_sigma))
        end = epoch_int(ep[rec]) if rec is not None else epoch_int(ep[-1])
        msg = (f"{metric} jumps {direction} at epoch {st['epoch']}: {st['before_mean']:.4g} -> {st['after_mean']:.4g} "
               f"({abs(c.size):.1f} sigma of the pre-jump noise, p={c.p:.2g}), "
               + (f"recovered by epoch {st['recovery_epoch']}" if rec is not None else "no recovery in the log"))
        return Finding(symptom=self.symptom, metric=metric, start_epoch=st["epoch"], end_epoch=end,
                       confidence=clip01(conf), stats=st, message=msg)


def _pre_noise(z: np.ndarray, t: np.ndarray, intercept: float, slope: float) -> float:
    """Noise before a change: the larger of the first-difference and the residual estimates.

    Epoch values are averages and their errors are autocorrelated; first
    differences then understate the spread (by sqrt(1 - phi) for AR(1) noise),
    while residuals about the segment's line capture it. Both are MAD-based.
    """
    resid = z - (intercept + slope * t)
    return max(noise_sigma(z), MAD_TO_SIGMA * stats.median_abs_deviation(resid))


def add_within_epoch(run: Run, finding: Finding) -> None:
    """Add what the progress bar shows inside the onset epoch: the de-averaged batch means.

    With updates printed mid-epoch the last batches' mean is recoverable, which shows
    whether the shift had already happened before the epoch ended.
    """
    segs = [s for s in deaverage(run, finding.metric or "") if s.epoch == finding.start_epoch]
    finding.stats["deaveraged"] = bool(segs)
    if segs:
        finding.stats["onset_epoch_segments"] = [
            {"steps": [rfloat(s.start), rfloat(s.end)], "mean": rfloat(s.value, 5), "error": rfloat(s.error, 2)}
            for s in segs]
