"""Structured inputs: CSVLogger files and history dumps, real ones and hand-written ones."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import keras_catalog as catalog
import numpy as np
import pytest

import logsense
from logsense.parse.structured import read_structured, run_from_history

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))


SCENARIOS = catalog.scenario_dirs()


def _same(a: list[float], b: list[float]) -> bool:
    """Equal to float32 precision: tf.keras writes float32 logs as str (``0.001``), history keeps repr."""
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-7, atol=0, equal_nan=True)


@pytest.mark.parametrize("folder", SCENARIOS, ids=catalog.case_id)
def test_real_csvlogger_files_give_the_history_values(folder: Path) -> None:
    text = (folder / catalog.CSV_LOG).read_text(encoding="utf-8")
    runs = read_structured(text)
    expected = catalog.histories(folder / "history.json")
    assert runs is not None and len(runs) == len(expected)
    for run, history in zip(runs, expected):
        # the file's 0-based column, numbered as the console prints the same epochs (from 1)
        assert run.meta["format"] == "csvlogger" and run.meta["epoch_base"] == 1 and run.meta["csv_epoch_base"] == 0
        assert run.epoch_numbers().tolist() == list(range(1, len(history["loss"]) + 1))
        for metric, values in history.items():
            assert _same(run.series(metric).tolist(), values), metric


@pytest.mark.parametrize("folder", SCENARIOS, ids=catalog.case_id)
def test_real_history_json_dumps_give_their_values(folder: Path) -> None:
    text = (folder / "history.json").read_text(encoding="utf-8")
    runs = read_structured(text)
    expected = catalog.histories(folder / "history.json")
    assert runs is not None and len(runs) == len(expected)
    for i, (run, history) in enumerate(zip(runs, expected)):
        assert run.index == i and run.meta["format"] == "history"
        assert run.epoch_numbers().tolist() == list(range(1, len(history["loss"]) + 1))
        for metric, values in history.items():
            assert _same(run.series(metric).tolist(), values), metric


@pytest.mark.parametrize("folder", SCENARIOS, ids=catalog.case_id)
def test_a_csvlogger_file_and_the_console_capture_of_its_run_name_the_same_epochs(folder: Path) -> None:
    """csvlogger.csv is written by the run behind pipe.txt: every epoch, finding and fix says the same number."""
    console, csv = logsense.diagnose(folder / "pipe.txt"), logsense.diagnose(folder / catalog.CSV_LOG)
    assert len(console.log.runs) == len(csv.log.runs)
    for a, b in zip(console.log.runs, csv.log.runs):
        assert a.epoch_numbers().tolist() == b.epoch_numbers().tolist()
    spans = {(f.run, f.symptom, f.metric): (f.start_epoch, f.end_epoch) for f in console.findings}
    both = [f for f in csv.findings if (f.run, f.symptom, f.metric) in spans]
    for f in both:
        assert (f.start_epoch, f.end_epoch) == spans[f.run, f.symptom, f.metric], (f.symptom, f.metric)
    kept = [re.search(r"epoch (\d+)", c.fix) for c in (console.top_cause, csv.top_cause)
            if c is not None and c.cause == "memorization"]
    if len(kept) == 2:
        assert kept[0].group(1) == kept[1].group(1)


def test_overfitting_fix_keeps_the_same_epoch_from_the_console_and_the_csvlogger_file() -> None:
    folder = next(f for f in SCENARIOS if catalog.case_id(f) == "keras3/overfitting")
    fixes = [logsense.diagnose(folder / name).top_cause.fix for name in ("pipe.txt", catalog.CSV_LOG)]
    assert all(fix.startswith("keep the weights of epoch 3 ") for fix in fixes), fixes


def test_hand_written_csvlogger_with_semicolons_and_non_finite_values() -> None:
    # CSVLogger(separator=";") writes `epoch` first, then the sorted log keys; a
    # failed run logs nan and inf as Python's repr of the float.
    text = ("epoch;acc;loss;lr;val_acc;val_loss\n"
            "0;0.5;0.6931471824645996;0.01;0.5;0.6931\n"
            "1;0.75;nan;0.01;0.25;inf\n"
            "2;0.5;-inf;0.001;0.5;NA\n")
    [run] = read_structured(text)
    assert run.metrics == ["acc", "loss", "lr", "val_acc", "val_loss"]
    assert run.epoch_numbers().tolist() == [1, 2, 3]  # CSVLogger's 0, 1, 2 as Keras prints them
    assert run.series("loss")[0] == pytest.approx(0.6931471824645996)
    assert math.isnan(run.series("loss")[1]) and run.series("loss")[2] == -math.inf
    assert run.series("val_loss")[1] == math.inf
    assert "val_loss" not in run.epoch_records[2]  # NA: not logged that epoch
    assert run.series("lr").tolist() == [0.01, 0.01, 0.001]


def test_csvlogger_columns_in_any_order_and_appended_fits_split() -> None:
    text = "epoch,val_loss,loss\r\n0,2.0,3.0\r\n1,1.5,2.0\r\n0,9.0,8.0\r\n"
    runs = read_structured(text)
    assert [len(r.epoch_records) for r in runs] == [2, 1]
    assert runs[0].series("loss").tolist() == [3.0, 2.0]
    assert runs[1].series("val_loss").tolist() == [9.0]


def test_history_nested_under_history_key_and_json_nan() -> None:
    text = json.dumps({"history": {"loss": [1.0, float("nan")], "val_loss": [2.0]},
                       "params": {"epochs": 2}, "epoch": [0, 1]})
    [run] = read_structured(text)
    assert run.epoch_records[0] == {"epoch": 1, "loss": 1.0, "val_loss": 2.0}
    assert run.epoch_records[1]["epoch"] == 2 and math.isnan(run.epoch_records[1]["loss"])
    assert "val_loss" not in run.epoch_records[1]


def test_run_from_history_accepts_a_history_object_with_numpy_values() -> None:
    class History:  # what keras.callbacks.History exposes
        history = {"loss": np.array([0.5, 0.25], dtype=np.float32), "lr": [np.float32(0.1), 0.05]}  # noqa: RUF012

    run = run_from_history(History(), index=3)
    assert run.index == 3 and run.series("loss").tolist() == [0.5, 0.25]
    assert run.series("lr")[0] == pytest.approx(0.1) and run.epoch_numbers().tolist() == [1, 2]
    assert logsense.parse({"loss": [3.0, 2.0]}).runs[0].series("loss").tolist() == [3.0, 2.0]


@pytest.mark.parametrize("text", [
    '{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"units": 1}}]}',
    '[[0.1, 0.2], [0.3, 0.4]]',
    '{"loss": "low"}',
    '{"loss": []}',
    'epoch 1: the loss went up, epochs later it fell',
    'epoch,loss\n0,low\n',
    'epoch,loss\n0.5,1.0\n',
    'Epoch 1/10\n10/10 [====] - 0s - loss: 0.5\n',
    '',
])
def test_anything_else_is_left_to_the_grammar(text: str) -> None:
    assert read_structured(text) is None


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_forum_posts_are_not_structured(seed: Path) -> None:
    assert read_structured(seed.read_text(encoding="utf-8")) is None
