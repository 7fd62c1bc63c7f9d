"""Records held by column (`logsense.columns.RecordColumns`) read back as the dicts they were fed,
and a parse that holds them so gives the same log as one that keeps plain dicts."""
from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

import logsense
from logsense.columns import RecordColumns
from logsense.parse import assemble, stream

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _same(a: object, b: object) -> bool:
    """Equal, key order and type included, NaN equal to NaN and -0.0 told from 0.0."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return type(a) is type(b) and a == b


def _odd_records() -> list[dict]:
    nan, inf = float("nan"), float("inf")
    return [
        {"epoch": 1, "loss": 0.5, "seconds": 2.0},
        {"epoch": 2, "loss": nan, "seconds": 1.0},
        {"epoch": 3, "loss": inf, "seconds": -0.0},
        {"epoch": 4, "loss": -inf},  # a key missing: another layout
        {"epoch": 5, "step": 3, "total": None, "eta_seconds": None, "loss": 0.25},
        {"epoch": 6, "step": 4, "total": 9, "eta_seconds": 1.5, "loss": 0.125},
        {"epoch": 7, "step": 2 ** 60, "total": 9, "eta_seconds": None, "loss": 1e-300},  # an int past 2**53
        {"epoch": 8, "step": 5, "total": 9, "eta_seconds": 0.5, "loss": True},  # a bool stays a bool
        {"epoch": 9, "step": 6, "total": 9, "eta_seconds": 2, "loss": "n/a"},  # ints and floats mixed
        {},
        {"loss": 0.5, "epoch": 10},  # the same keys in another order
        {"loss": 0.5, "epoch": 11.0},
    ]


@pytest.mark.parametrize("upto", range(13))
def test_frozen_records_read_back_exactly(upto: int) -> None:
    records = _odd_records()
    block = RecordColumns(records)
    block.freeze(upto)
    assert block.frozen == upto
    assert len(block) == len(records)
    got = list(block)
    assert all(_same(a, b) for a, b in zip(got, records)), got
    assert all(_same(block[i], records[i]) for i in range(-len(records), len(records)))
    for lo in range(-3, len(records) + 2):
        for hi in range(-3, len(records) + 2):
            assert all(_same(a, b) for a, b in zip(block[lo:hi], records[lo:hi]))
            assert len(block[lo:hi]) == len(records[lo:hi])
    assert all(_same(a, b) for a, b in zip(block[::-2], records[::-2]))


def test_frozen_dicts_are_released_and_the_block_stays_a_list_to_readers() -> None:
    records = [{"epoch": e, "loss": 1 / e, "val_loss": 2 / e} for e in range(1, 5001)]
    block = RecordColumns(records)
    block.freeze(4999)
    assert block._tail == [records[-1]]  # one dict left; the rest are numbers in a block
    assert block == records and records == block
    assert block != records[:-1]
    assert repr(block[:2]) == repr(records[:2])
    assert [r["loss"] for r in block] == [r["loss"] for r in records]
    with pytest.raises(IndexError):
        block[5000]


def test_changes_behave_as_on_a_list() -> None:
    """Random edits, with freezes in between, end as the same edits on a plain list."""
    rng = random.Random(7)
    for trial in range(40):
        model = [{"epoch": i, "step": rng.randint(0, 5), "loss": rng.random()} for i in range(rng.randint(0, 30))]
        block = RecordColumns(model)
        for _ in range(30):
            op = rng.randrange(8)
            n = len(model)
            if op == 0:
                record = {"epoch": rng.randint(0, 99), "loss": rng.random()}
                model.append(record)
                block.append(record)
            elif op == 1 and n:
                i = rng.randrange(-n, n)
                record = {"epoch": -i, "step": None}
                model[i] = record
                block[i] = record
            elif op == 2 and n:
                i = rng.randrange(-n, n)
                del model[i]
                del block[i]
            elif op == 3:
                lo, hi = sorted(rng.randrange(n + 1) for _ in range(2))
                new = [{"epoch": 50 + k} for k in range(rng.randrange(4))]
                model[lo:hi] = new
                block[lo:hi] = new
            elif op == 4:
                i = rng.randrange(-n - 2, n + 3)
                record = {"epoch": 77}
                model.insert(i, record)
                block.insert(i, record)
            elif op == 5 and n:
                assert _same(model.pop(), block.pop())
            elif op == 6:
                model.sort(key=lambda r: (r.get("epoch", 0), r.get("step") or 0))
                block.sort(key=lambda r: (r.get("epoch", 0), r.get("step") or 0))
            else:
                block.freeze(rng.randrange(len(model) + 1))
            assert len(block) == len(model), trial
            assert all(_same(a, b) for a, b in zip(block, model)), trial


def test_sorting_records_already_in_order_keeps_them_frozen() -> None:
    block = RecordColumns({"epoch": e, "step": s} for e in range(1, 4) for s in range(1, 4))
    block.freeze(9)
    block.sort(key=lambda r: (r["epoch"], r["step"]))
    assert block.frozen == 9
    block.sort(key=lambda r: -r["step"])
    assert block.frozen == 0
    assert [r["step"] for r in block] == [3, 3, 3, 2, 2, 2, 1, 1, 1]


def _inputs() -> list[Path]:
    found = []
    for family in ("seeds", "keras", "real_logs", "real_posts", "frameworks"):
        found += sorted(p for p in (FIXTURES / family).rglob("*") if p.is_file() and p.suffix in (".txt", ".log"))
    return found


def test_a_parse_holding_records_by_column_gives_the_same_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fixture parsed with records held by column from the first block (normally only past
    `COLUMNS_AFTER_CHARS`) gives the same ``to_dict`` as the plain parse, warnings and steps included."""
    inputs = _inputs()
    assert len(inputs) > 300
    plain = {path: logsense.parse(path).to_dict() for path in inputs}
    monkeypatch.setattr(stream, "COLUMNS_AFTER_CHARS", -1)
    monkeypatch.setattr(stream, "_FREEZE_AT_LEAST", 1)
    sealed = 0
    finish = assemble.Assembler.finish

    def counting_finish(self: assemble.Assembler) -> list:
        nonlocal sealed
        sealed += sum(isinstance(state, assemble._Sealed) for state in self.runs)
        return finish(self)

    monkeypatch.setattr(assemble.Assembler, "finish", counting_finish)
    frozen_runs = 0
    for path in inputs:
        log = logsense.parse(path)
        frozen_runs += sum(isinstance(r.epoch_records, RecordColumns) and r.epoch_records.frozen > 0
                           for r in log.runs)
        assert log.to_dict() == plain[path], path
    assert frozen_runs > 100  # the comparison did read frozen records
    assert sealed > 50  # and runs that ended kept only their sealed state (`Assembler.seal`)


def test_a_loop_of_one_epoch_fits_is_one_run_of_all_their_epochs() -> None:
    """30,000 ``fit(epochs=1)`` calls, past `COLUMNS_AFTER_CHARS`: one training of 30,000 epochs
    (joining them read the joined run's metrics again for every fit: 20,000 took 80 s, now 2 s)."""
    fits = 30_000
    text = "".join(f"Epoch 1/1\n10/10 [==============================] - 0s 2ms/step - loss: {1 / (i + 2):.4f}\n"
                   for i in range(fits))
    assert len(text) > stream.COLUMNS_AFTER_CHARS
    [run] = logsense.parse(text).runs
    assert run.meta["fits"] == fits
    assert run.epoch_numbers().tolist() == list(range(1, fits + 1))
    assert run.series("loss").tolist() == [round(1 / (i + 2), 4) for i in range(fits)]


def test_a_long_log_holds_its_epochs_by_column() -> None:
    epochs = 60_000
    text = "".join(f"Epoch {e}/{epochs}\n1/1 [==============================] - 0s 1ms/step - loss: {1 / e:.4f}\n"
                   for e in range(1, epochs + 1))
    log = logsense.parse(text)
    [run] = log.runs
    assert isinstance(run.epoch_records, RecordColumns)
    assert run.epoch_records.frozen >= epochs - 1 - stream._FREEZE_AT_LEAST
    assert run.series("loss").tolist() == [round(1 / e, 4) for e in range(1, epochs + 1)]
    assert run.epochs["epoch"].tolist() == list(range(1, epochs + 1))
    assert log.to_dict()["runs"][0]["epochs"][-1] == {"epoch": epochs, "loss": round(1 / epochs, 4),
                                                      "seconds": 0.0}


def test_records_assigned_while_iterating_are_each_read_once() -> None:
    """`parse.names.resolve_names` renames records in place as it iterates them."""
    block = RecordColumns({"epoch": e, "acc": e / 10} for e in range(1, 10_000))
    block.freeze(9_000)
    for i, record in enumerate(block):
        block[i] = {"epoch": record["epoch"], "accuracy": record["acc"]}
    assert block == [{"epoch": e, "accuracy": e / 10} for e in range(1, 10_000)]
