"""Structured inputs: CSVLogger files and history dumps, real ones and hand-written ones."""
from __future__ import annotations

import json
import math
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
        assert run.meta["format"] == "csvlogger" and run.meta["epoch_base"] == 0
        assert run.epoch_numbers().tolist() == list(range(len(history["loss"])))
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


def test_hand_written_csvlogger_with_semicolons_and_non_finite_values() -> None:
    # CSVLogger(separator=";") writes `epoch` first, then the sorted log keys; a
    # failed run logs nan and inf as Python's repr of the float.
    text = ("epoch;acc;loss;lr;val_acc;val_loss\n"
            "0;0.5;0.6931471824645996;0.01;0.5;0.6931\n"
            "1;0.75;nan;0.01;0.25;inf\n"
            "2;0.5;-inf;0.001;0.5;NA\n")
    [run] = read_structured(text)
    assert run.metrics == ["acc", "loss", "lr", "val_acc", "val_loss"]
    assert run.epoch_numbers().tolist() == [0, 1, 2]
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
