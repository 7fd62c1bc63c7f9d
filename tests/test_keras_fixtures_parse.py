"""logsense.parse reads every real Keras capture back to the numbers Keras printed.

For each scenario, framework and medium (raw terminal, pipe, verbose=2, the
paste with control bytes dropped, the rendered final screen) the parse must
give the history's run count, epoch count and every metric value as printed
(4 decimals, or a 4-digit exponent below 1e-3). Events printed by callbacks
must come back with their kinds.
"""
from __future__ import annotations

import math

import keras_catalog as catalog
import numpy as np
import pytest

import logsense

CASES = [(folder, capture) for folder in catalog.scenario_dirs() for capture in catalog.CAPTURES]


def _case_id(case) -> str:
    folder, capture = case
    return f"{catalog.case_id(folder)}/{capture}"


def _printed(values: list[float], verbose: int) -> np.ndarray:
    return np.array([v if not math.isfinite(v) else catalog.as_printed(v, verbose) for v in values])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_capture_parses_to_the_printed_history(case) -> None:
    folder, capture = case
    runs = catalog.histories(folder / catalog.CAPTURES[capture])
    verbose = 2 if capture == "verbose2.txt" and folder.parent.name == "keras3" else 1
    log = logsense.parse(folder / capture)

    assert len(log.runs) == len(runs)
    for run, hist in zip(log.runs, runs):
        assert len(run.epoch_records) == len(hist["loss"])
        assert run.epoch_numbers().tolist() == list(range(1, len(hist["loss"]) + 1))
        for metric, values in hist.items():
            np.testing.assert_array_equal(run.series(metric), _printed(values, verbose), err_msg=metric)


EVENT_KINDS = {
    "callbacks": {"checkpoint", "early_stopping", "lr_change", "restore_weights"},
    "nan": {"terminate_on_nan"},
}


@pytest.mark.parametrize("folder", [f for f in catalog.scenario_dirs() if f.name in EVENT_KINDS], ids=catalog.case_id)
@pytest.mark.parametrize("capture", ["pipe.txt", "verbose2.txt", "screen.txt"])
def test_callback_messages_become_events(folder, capture) -> None:
    log = logsense.parse(folder / capture)
    kinds = {e.kind for run in log.runs for e in run.events}
    assert EVENT_KINDS[folder.name] <= kinds
    lr_changes = [e for run in log.runs for e in run.events if e.kind == "lr_change"]
    for event in lr_changes:  # ReduceLROnPlateau prints the new rate; the event keeps it
        assert event.value is not None and 0 < event.value < 1e-2


@pytest.mark.parametrize("folder", catalog.scenario_dirs(), ids=catalog.case_id)
def test_csvlogger_parses_to_the_history(folder) -> None:
    """A CSVLogger file carries full precision (float32): the parse must keep it, run by run."""
    runs = catalog.histories(folder / "history.json")
    log = logsense.parse(folder / catalog.CSV_LOG)
    assert len(log.runs) == len(runs)
    for run, hist in zip(log.runs, runs):
        for metric, values in hist.items():
            np.testing.assert_allclose(run.series(metric), values, rtol=1e-6, err_msg=metric)


@pytest.mark.parametrize("folder", [f for f in catalog.scenario_dirs() if f.name == "long_epoch"], ids=catalog.case_id)
@pytest.mark.parametrize("capture", ["tty.txt", "pipe.txt", "pasted.txt"])
def test_progress_updates_become_steps(folder, capture) -> None:
    """800 steps per epoch: the intra-epoch updates come back as ordered step records."""
    log = logsense.parse(folder / capture)
    (run,) = log.runs
    steps = run.steps
    assert len(steps) >= 3 * 5
    assert set(steps["total"]) == {800}
    for _, group in steps.groupby("epoch"):
        assert group["step"].is_monotonic_increasing
        assert group["step"].between(1, 800).all()
