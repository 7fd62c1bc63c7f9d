"""The detectors' shortcuts for logs of many runs give exactly what the plain computation gives.

Each shortcut (a cost table in PELT, a vectorised screen of run pairs) exists only for speed;
these tests run both paths on the same real input and compare the results whole.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import logsense
from logsense.detect import changepoint
from logsense.detect.cross_run import LrScaledLossDetector

sys.path.insert(0, str(Path(__file__).resolve().parent / "e2e"))
import biglog  # noqa: E402


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=4, max_size=80),
       st.floats(0.01, 50.0), st.sampled_from(["linear", "mean"]), st.integers(1, 3))
@settings(max_examples=200, deadline=None)
def test_pelt_with_its_cost_table_equals_pelt_without(values, penalty, model, min_size):
    y = np.asarray(values)
    tabled = changepoint.pelt(y, penalty, model=model, min_size=min_size)
    saved = changepoint.TABLE_LIMIT
    try:
        changepoint.TABLE_LIMIT = -1  # every step's costs computed as it goes
        plain = changepoint.pelt(y, penalty, model=model, min_size=min_size)
    finally:
        changepoint.TABLE_LIMIT = saved
    assert tabled == plain


class _Exhaustive(LrScaledLossDetector):
    """Every pair goes to the exact test: what the screen must reproduce."""

    def _screen(self, log, usable, curves, rates):
        return {(i, j) for k, i in enumerate(usable) for j in usable[k + 1:k + 1 + self.max_gap]}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("many") / "sweep.log"
    biglog.build(path, 0.25, seed=3)  # real captures, each copy's values scaled: ~100 runs
    return path


@pytest.fixture
def many_runs(sweep) -> logsense.Log:
    return logsense.parse(sweep)  # a fresh parse per test: a test may edit its records


def test_the_pair_screen_keeps_every_lr_scaled_pair(many_runs):
    screened = [f.to_dict() for f in LrScaledLossDetector().fit(many_runs).findings()]
    exhaustive = [f.to_dict() for f in _Exhaustive().fit(many_runs).findings()]
    assert len(many_runs.runs) >= 50
    assert screened, "the scaled copies of one capture are lr-scaled pairs: there is something to find"
    assert screened == exhaustive


def test_the_pair_screen_keeps_pairs_whose_epochs_do_not_line_up(many_runs):
    # Every other run resumes one epoch later: its epochs overlap its neighbours' shifted by one
    # position, so the screen must hand those pairs to the exact test (which matches epochs by
    # number) instead of judging them by position.
    for run in many_runs.runs[::2]:
        for k, rec in enumerate(run.epoch_records):
            rec["epoch"] = 2 + k
    screened = [f.to_dict() for f in LrScaledLossDetector().fit(many_runs).findings()]
    exhaustive = [f.to_dict() for f in _Exhaustive().fit(many_runs).findings()]
    assert screened == exhaustive


def test_the_pair_screen_agrees_on_short_runs_judged_by_their_accuracies():
    # Runs of three epochs each (no learning rates printed): a steady loss multiple counts only when
    # the accuracies match, which the screen also judges, so it must agree with the exact test.
    rng = np.random.default_rng(5)
    lines = []
    for _ in range(300):
        loss, acc, factor = rng.uniform(0.3, 2.5), rng.uniform(0.2, 0.9), rng.choice([1.0, 2.0, 3.0])
        for epoch in (1, 2, 3):
            loss *= rng.uniform(0.7, 0.95)
            shown = round(acc + rng.choice([0.0, 0.01, 0.05]), 4)
            lines.append(f"Epoch {epoch}/3\n32/32 - 0s - loss: {loss * factor:.4f} - accuracy: {shown:.4f}")
    log = logsense.parse("\n".join(lines) + "\n")
    assert len(log.runs) == 300
    screened = [f.to_dict() for f in LrScaledLossDetector().fit(log).findings()]
    exhaustive = [f.to_dict() for f in _Exhaustive().fit(log).findings()]
    assert screened and screened == exhaustive
