"""Jumps under healthy learning-rate schedules: warm restarts by the printed rate and by shape alone."""
from __future__ import annotations

import math

import numpy as np
import pytest

from logsense.datasets import make_scheduled
from logsense.detect import JumpDetector, detect_run
from logsense.detect.base import curve_noise, level_noise, noise_sigma
from logsense.detect.schedule import Schedule, restart_grid
from logsense.log import Run


def sgdr_curve(n: int, t0: int, mult: int = 1, noise: float = 0.01, seed: int = 0,
               jump_at: int | None = None, shrink: float = 1.0) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """A loss under cosine annealing with warm restarts (1-based restart epochs returned), following
    the rate with a one-epoch lag, optionally with a persistent jump at epoch ``jump_at``; each
    cycle's peak rate is ``shrink`` times the last one's."""
    rng = np.random.default_rng(seed)
    rate, restarts, start, length, peak = np.empty(n), [], 0, t0, 1.0
    while start < n:
        k = np.arange(min(length, n - start))
        rate[start:start + k.size] = peak * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * k / length)))
        start += length
        if start < n:
            restarts.append(start + 1)
        length *= mult
        peak *= shrink
    held = np.empty(n)
    h = rate[0]
    for i in range(n):
        h += (rate[i] - h) * 0.7
        held[i] = h
    progress = np.cumsum(rate)
    loss = 0.2 + 1.5 * np.exp(-progress / (0.3 * n)) + 0.25 * held
    if jump_at is not None:
        loss[jump_at - 1:] *= 1.25
    return loss * np.exp(rng.normal(0.0, noise, n)), rate * 1e-3, restarts


def run_of(**series: np.ndarray) -> Run:
    n = len(next(iter(series.values())))
    return Run(index=0, epoch_records=[{"epoch": 1 + i, **{k: float(v[i]) for k, v in series.items()}}
                                       for i in range(n)])


@pytest.mark.parametrize("t0, mult", [(12, 1), (8, 2), (15, 1)])
def test_restart_grid_recognises_fixed_and_doubling_cycles(t0, mult):
    loss, _, restarts = sgdr_curve(90, t0, mult)
    epochs = np.arange(1.0, 91.0)
    for r in restarts[:-1]:
        grid = restart_grid(loss, epochs, r - 1)
        assert grid is not None, r
        assert grid.mult == mult
        assert all(min(abs(g - x) for x in restarts) <= 1 for g in grid.epochs)


def test_a_jump_between_restarts_is_not_on_the_grid():
    loss, _, restarts = sgdr_curve(90, 15, jump_at=38)
    epochs = np.arange(1.0, 91.0)
    assert restart_grid(loss, epochs, 37) is None
    assert restart_grid(loss, epochs, restarts[0] - 1) is not None


def test_a_single_rise_or_a_decay_is_no_grid():
    epochs = np.arange(1.0, 61.0)
    t = np.arange(60.0)
    rng = np.random.default_rng(3)
    step = (1.0 + np.exp(-t / 10)) * np.where(t >= 30, 1.3, 1.0) * np.exp(rng.normal(0, 0.01, 60))
    assert restart_grid(step, epochs, 30) is None
    assert restart_grid(np.exp(-t / 10) + 0.5, epochs, 30) is None


def test_sgdr_without_a_printed_rate_gives_no_jump():
    loss, _, restarts = sgdr_curve(100, 20, noise=0.01, seed=1)
    run = run_of(loss=loss, val_loss=loss * 1.1)
    found = [f for f in detect_run(run) if f.symptom == "jump"]
    assert found == []
    seen = {d["epoch"] for d in run.meta["schedule_shifts"] if d["metric"] == "loss"}
    assert all(min(abs(e - r) for r in restarts) <= 2 for e in seen) and len(seen) >= 2
    assert all("warm restarts" in str(d["source"]) for d in run.meta["schedule_shifts"])


def test_a_jump_inside_an_sgdr_run_is_still_found_with_or_without_the_rate():
    loss, rate, _ = sgdr_curve(100, 20, noise=0.01, seed=2, jump_at=52)
    for series in ({"loss": loss}, {"loss": loss, "lr": rate}):
        run = run_of(**series)
        jumps = [f for f in detect_run(run) if f.symptom == "jump"]
        assert [abs(f.start_epoch - 52) <= 1 for f in jumps] == [True], series.keys()


def test_datasets_sgdr_runs_without_a_rate_rarely_alarm_and_keep_their_jumps():
    alarms = found = 0
    for seed in range(12):
        healthy = make_scheduled("healthy", "sgdr", "gauss", seed, lr_column=None)
        alarms += any(f.symptom == "jump" and f.metric == "loss" for f in detect_run(healthy.run))
        jump = make_scheduled("jump", "sgdr", "gauss", seed, lr_column=None)
        found += any(f.symptom == "jump" and abs(f.start_epoch - jump.truth.epoch) <= 1
                     for f in detect_run(jump.run))
    assert alarms <= 2
    assert found >= 9


def test_a_printed_rate_splits_the_search_at_restarts():
    loss, rate, restarts = sgdr_curve(60, 8, noise=0.005, seed=4, jump_at=29)
    run = run_of(loss=loss, lr=rate)
    sched = Schedule.of(run)
    assert [int(e) for e in sched.abrupt()] == restarts
    det = JumpDetector(schedule=sched).fit(loss, np.arange(1.0, 61.0))
    assert [f.start_epoch for f in det.findings()] == [29]
    assert {d["epoch"] for d in det.explained()} <= {r + k for r in restarts for k in (-2, -1, 0, 1, 2)}


def test_abrupt_changes_are_restarts_milestones_and_cuts_not_an_annealing_tail():
    epochs = np.arange(1.0, 41.0)
    cosine = 0.5 * (1 + np.cos(np.pi * np.arange(40) / 40)) + 1e-4
    assert Schedule(epochs, cosine).abrupt() == []
    step = np.where(epochs < 21, 0.1, 0.01)
    assert Schedule(epochs, step).abrupt() == [21.0]
    assert Schedule(epochs, step).abrupt(cuts=False) == []
    assert Schedule(epochs, step[::-1]).abrupt(cuts=False) == [21.0]
    assert Schedule(epochs, np.full(40, math.nan), cuts=(12,)).abrupt() == [13.0]


def test_level_noise_within_pieces_is_not_inflated_by_the_restarts():
    loss, _, restarts = sgdr_curve(120, 10, noise=0.01, seed=5)
    z = np.log(loss)
    pieces = level_noise(z, breaks=[r - 1 for r in restarts])
    assert pieces < level_noise(z)
    assert 0.005 < pieces < 0.03


def test_restarts_with_shrinking_peaks_stay_restarts_with_the_rate_printed():
    # peaks 1, 0.7, 0.49, 0.34, 0.24, 0.17: the last restarts rise by less than a fifth of the first peak
    loss, rate, restarts = sgdr_curve(84, 12, noise=0.005, seed=6, shrink=0.7)
    run = run_of(loss=loss, lr=rate)
    assert [int(e) for e in Schedule.of(run).abrupt(cuts=False)] == restarts
    assert [f for f in detect_run(run) if f.symptom == "jump"] == []


def test_curve_noise_ignores_the_slope_swings_of_the_cycles():
    loss, _, _ = sgdr_curve(120, 15, noise=0.005, seed=7)
    z = np.log(loss)
    assert noise_sigma(z) > 1.6 * 0.005  # first differences count the steep-then-flat cycles as noise
    assert 0.5 * 0.005 < curve_noise(z) < 1.5 * 0.005
    assert curve_noise(z) < 0.75 * noise_sigma(z)
    straight = np.linspace(0.0, -1.0, 120) + np.random.default_rng(8).normal(0.0, 0.01, 120)
    assert abs(curve_noise(straight) - noise_sigma(straight)) < 0.3 * noise_sigma(straight)


def test_a_jump_a_few_epochs_into_a_printed_cycle_is_its_own():
    loss, rate, restarts = sgdr_curve(100, 20, noise=0.005, seed=9, jump_at=46)
    assert 41 in restarts
    run = run_of(loss=loss, lr=rate)
    jumps = [f.start_epoch for f in detect_run(run) if f.symptom == "jump" and f.metric == "loss"]
    assert jumps == [46]


def test_without_a_rate_shrinking_restarts_are_one_grid():
    loss, _, restarts = sgdr_curve(110, 15, noise=0.005, seed=10, shrink=0.7)
    run = run_of(loss=loss, val_loss=loss * 1.1)
    assert [f for f in detect_run(run) if f.symptom == "jump"] == []
    grid = restart_grid(loss, np.arange(1.0, 111.0), restarts[0] - 1)
    assert grid is not None and len(grid.epochs) >= len(restarts) - 1
