"""The five seed posts parse to exactly the numbers they print.

Values are typed in from the seed text (fixtures/seeds/), not from the parser.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest

import logsense
from logsense.grammar import parse_text

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def _seed(prefix: str) -> Path:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def _series(run, metric: str) -> list[float]:
    return [r[metric] for r in run.epoch_records]


def test_seed000_keras0_two_runs_with_output_metrics() -> None:
    log = logsense.parse(_seed("000"))
    assert len(log.runs) == 2
    first, second = log.runs
    for run in log.runs:
        assert run.meta["format"] == "keras0"
        assert run.meta["declared_epochs"] is None
        assert run.meta["step_unit"] == "sample"
        assert run.meta["train_samples"] == 7500 and run.meta["val_samples"] == 2500
        assert [r["epoch"] for r in run.epoch_records] == [0, 1]
        assert run.metrics == ["output", "val_output"]
        assert [r["seconds"] for r in run.epoch_records] == [2.0, 2.0]
    assert _series(first, "output") == [2.1041, 1.6632]
    assert _series(first, "val_output") == [0.0096, 0.0096]
    assert _series(second, "output") == [0.0093, 0.0084]
    assert _series(second, "val_output") == [0.0083, 0.0083]
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
    assert _series(run, "loss") == [0.3499, 0.3547, 0.3539, 0.3552, 0.3531, 0.3548, 0.3664, 0.4377, 0.4252, 0.4194]
    assert _series(run, "acc") == [0.8518, 0.8484, 0.8488, 0.8491, 0.8494, 0.8485, 0.8418, 0.8019, 0.8086, 0.8128]
    assert _series(run, "val_loss") == [0.2777, 0.2791, 0.2781, 0.2808, 0.2795, 0.2789, 0.3192, 0.3374, 0.3351,
                                        0.3326]
    assert _series(run, "val_acc") == [0.8893, 0.8892, 0.8900, 0.8891, 0.8895, 0.8898, 0.8689, 0.8586, 0.8608,
                                       0.8616]
    assert all(r["seconds"] == 73.0 for r in run.epoch_records)

    # The ETA update printed at 83968/86016 in every epoch, with the glued callback text cut off.
    assert [(s["epoch"], s["step"], s["total"], s["eta_seconds"]) for s in run.step_records] == [
        (e, 83968, 86016, 1.0) for e in range(928, 938)]
    assert [s["loss"] for s in run.step_records] == [0.3499, 0.3543, 0.3533, 0.3558, 0.3528, 0.3543, 0.3650,
                                                     0.4382, 0.4256, 0.4191]
    assert [s["acc"] for s in run.step_records] == [0.8518, 0.8485, 0.8493, 0.8490, 0.8495, 0.8488, 0.8427,
                                                    0.8015, 0.8085, 0.8131]

    # `Epoch 00927: val_loss did not improve` is printed (0-based) while epoch 928 trains.
    assert [(e.epoch, e.kind, e.extra["monitor"], e.extra["printed_epoch"]) for e in run.events] == [
        (e, "checkpoint", "val_loss", e - 1) for e in range(928, 938)]
    assert all(e.extra["improved"] is False for e in run.events)
    assert log.unparsed == []


SEED003_FIRST = [257.6145, 47.6329, 8.8073, 1.6285, 0.3011, 0.0557, 0.0103, 0.0019, 3.5193e-04, 6.5076e-05]
SEED003_SECOND = [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375, 13107.8828, 28324.8320, 61207.1250,
                  132262.4375, 285805.9688]


def test_seed003_translated_log_on_one_line_per_run() -> None:
    log = logsense.parse(_seed("003"))
    assert len(log.runs) == 2
    for run, losses in zip(log.runs, (SEED003_FIRST, SEED003_SECOND)):
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
    first, second = log.runs
    for run in log.runs:
        assert run.meta["format"] == "tfkeras"
        assert run.meta["locale"] == "en"
        assert run.meta["step_unit"] == "batch"
        assert run.metrics == ["loss", "accuracy", "val_loss", "val_accuracy"]
        assert [r["epoch"] for r in run.epoch_records] == list(range(1, 11))
        assert all(r["seconds"] == 2.0 for r in run.epoch_records)
    assert _series(first, "loss") == [315.4696, 263.0978, 251.8907, 246.9039, 234.6116, 239.2780, 235.9433,
                                      237.9058, 235.2525, 238.1098]
    assert _series(first, "accuracy") == [0.8432, 0.8674, 0.8730, 0.8754, 0.8786, 0.8781, 0.8805, 0.8812, 0.8826,
                                          0.8810]
    assert _series(first, "val_loss") == [195.9139, 233.7138, 208.0299, 229.8979, 263.7991, 217.1707, 233.0448,
                                          229.1561, 318.9307, 275.0455]
    assert _series(first, "val_accuracy") == [0.8957, 0.8782, 0.8906, 0.8937, 0.8682, 0.8892, 0.8926, 0.8912,
                                              0.8683, 0.8809]
    assert _series(second, "loss") == [931.7540, 767.9313, 756.3298, 739.8559, 731.3071, 728.4488, 712.8240,
                                       693.1299, 700.5771, 696.2348]
    assert _series(second, "val_loss") == [618.5505, 618.2877, 847.1705, 687.9159, 693.1130, 685.3834, 640.9078,
                                           657.0080, 739.0408, 785.1879]
    assert _series(second, "accuracy")[0] == 0.8417 and _series(second, "accuracy")[-1] == 0.8833
    assert _series(second, "val_accuracy")[0] == 0.8952 and _series(second, "val_accuracy")[-1] == 0.8762
    assert log.unparsed == []


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_parse_is_deterministic_and_finite(prefix: str) -> None:
    text = _seed(prefix).read_text(encoding="utf-8")
    a, _ = parse_text(text)
    b, _ = parse_text(text)
    assert [r.to_dict() for r in a] == [r.to_dict() for r in b]
    for run in a:
        for record in run.epoch_records:
            assert all(math.isfinite(v) for k, v in record.items() if k != "epoch")
