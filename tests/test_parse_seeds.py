"""The five seed posts parse to exactly the numbers they print.

Values are typed in from the seed text (fixtures/seeds/truth.json), not from the parser.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import seeds

import logsense
from logsense.parse.stream import parse_text


def _seed(prefix: str) -> Path:
    return seeds.path(prefix)


def _series(run, metric: str) -> list[float]:
    return [r[metric] for r in run.epoch_records]


def test_seed000_keras0_two_runs_with_output_metrics() -> None:
    log = logsense.parse(_seed("000"))
    assert len(log.runs) == 2

    for run in log.runs:
        assert run.meta["format"] == "keras0"
        assert run.meta["declared_epochs"] is None
        assert run.meta["step_unit"] == "sample"
        assert run.meta["train_samples"] == 7500 and run.meta["val_samples"] == 2500
        assert [r["epoch"] for r in run.epoch_records] == [0, 1]
        assert run.metrics == ["output", "val_output"]
        assert [r["seconds"] for r in run.epoch_records] == [2.0, 2.0]
    for index, run in enumerate(log.runs):
        for metric in ("output", "val_output"):
            assert _series(run, metric) == seeds.series("000", index, metric)
    assert log.unparsed == []


def test_seed001_array_printout_is_not_a_run() -> None:
    runs, unparsed = parse_text(_seed("001").read_text(encoding="utf-8"))
    assert runs == [] and unparsed == []


def test_seed002_lost_newlines_eta_steps_and_zero_based_checkpoints() -> None:
    log = logsense.parse(_seed("002"))
    (run,) = log.runs
    assert run.meta["format"] == "keras2"
    assert run.meta["declared_epochs"] == 2048
    assert run.meta["step_unit"] == "sample"
    assert [r["epoch"] for r in run.epoch_records] == list(range(928, 938))
    for metric in ("loss", "acc", "val_loss", "val_acc"):
        assert _series(run, metric) == seeds.series("002", 0, metric)
    assert all(r["seconds"] == 73.0 for r in run.epoch_records)

    # The ETA update printed at 83968/86016 in every epoch, with the glued callback text cut off.
    assert [(s["epoch"], s["step"], s["total"], s["eta_seconds"]) for s in run.step_records] == [
        (e, 83968, 86016, 1.0) for e in range(928, 938)]
    steps = seeds.TRUTH["002"]["steps"]
    assert [s["loss"] for s in run.step_records] == [s["loss"] for s in steps]
    assert [s["acc"] for s in run.step_records] == [s["acc"] for s in steps]

    # `Epoch 00927: val_loss did not improve` is printed (0-based) while epoch 928 trains.
    assert [(e.epoch, e.kind, e.extra["monitor"], e.extra["printed_epoch"]) for e in run.events] == [
        (e, "checkpoint", "val_loss", e - 1) for e in range(928, 938)]
    assert all(e.extra["improved"] is False for e in run.events)
    assert log.unparsed == []


def test_seed003_translated_log_on_one_line_per_run() -> None:
    log = logsense.parse(_seed("003"))
    assert len(log.runs) == 2
    for index, run in enumerate(log.runs):
        losses = seeds.series("003", index, "loss")
        assert run.meta["locale"] == "zh"
        assert run.meta["format"] == "keras2"
        assert run.meta["declared_epochs"] == 10
        assert run.metrics == ["loss"]
        assert [r["epoch"] for r in run.epoch_records] == list(range(1, 11))
        assert _series(run, "loss") == losses
    assert log.runs[0].epoch_records[0]["seconds"] == 7.0
    assert log.runs[0].meta["start_line"] == 53 and log.runs[1].meta["start_line"] == 77
    assert log.unparsed == []


def test_seed004_tfkeras_two_runs_with_validation() -> None:
    log = logsense.parse(_seed("004"))
    assert len(log.runs) == 2

    for run in log.runs:
        assert run.meta["format"] == "tfkeras"
        assert run.meta["locale"] == "en"
        assert run.meta["step_unit"] == "batch"
        assert run.metrics == ["loss", "accuracy", "val_loss", "val_accuracy"]
        assert [r["epoch"] for r in run.epoch_records] == list(range(1, 11))
        assert all(r["seconds"] == 2.0 for r in run.epoch_records)
    for index, run in enumerate(log.runs):
        for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert _series(run, metric) == seeds.series("004", index, metric)
    assert log.unparsed == []


@pytest.mark.parametrize("prefix", seeds.PREFIXES)
def test_seed_parse_is_deterministic_and_finite(prefix: str) -> None:
    text = _seed(prefix).read_text(encoding="utf-8")
    a, _ = parse_text(text)
    b, _ = parse_text(text)
    assert [r.to_dict() for r in a] == [r.to_dict() for r in b]
    for run in a:
        for record in run.epoch_records:
            assert all(math.isfinite(v) for k, v in record.items() if k != "epoch")
