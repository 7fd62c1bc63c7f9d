"""logsense.parse reads the real PyTorch-family captures back to their true histories.

fixtures/frameworks holds what PyTorch Lightning (TQDM and Rich bars), the HF Trainer,
fastai and four styles of plain PyTorch loop really printed, under a terminal and piped,
next to the values recorded inside training (``history.json``). Each capture must give
one run with its format named, every epoch the capture shows, and each value equal to
the true one within what the framework prints (tqdm's 3 significant digits, HF's 4,
fastai's 6 decimals, the loops' 3-6 decimals); NaN and inf where training had them.
"""
from __future__ import annotations

import math

import frameworks_catalog as catalog
import numpy as np
import pytest

import logsense

FORMATS = {"lightning_tqdm": "lightning", "lightning_rich": "lightning", "hf_trainer": "hf_trainer",
           "fastai": "fastai", "torch_loop": "loop"}
#: Captures that show only the last epoch(s): the piped Rich bar prints its final state only, and a
#: terminal's screen keeps a redrawn tqdm/Rich bar's last state.
TAIL_ONLY = {("lightning_rich", "pipe.txt"), ("lightning_rich", "screen.txt"), ("lightning_tqdm", "screen.txt")}
#: What each capture prints of the true series, and to what precision (relative, absolute): tqdm's
#: 3 significant digits, Rich's 3 decimals, HF 5's 4 significant digits, fastai's 6 decimals; the HF
#: Trainer's `loss` is a windowed mean, not the epoch's. Plain loops by style: `pipes` prints 2 decimals,
#: `step` only batch losses (its epoch mean is not printed) beside 4-decimal validation values, `tabs` 6
#: decimals and no accuracy, `tutorial` running means over equal stretches (their mean is the epoch's).
PRINTED = {
    "lightning_tqdm": (("train_loss", "val_loss", "val_acc"), 5e-3, 0.0),
    "lightning_rich": (("train_loss", "val_loss", "val_acc"), 1e-9, 5e-4),
    "hf_trainer": (("val_loss", "val_acc"), 5e-4, 0.0),
    "fastai": (("train_loss", "val_loss", "val_acc"), 1e-9, 5e-7),
    "pipes": (("train_loss", "val_loss", "val_acc"), 1e-9, 5e-3),
    "step": (("val_loss", "val_acc"), 1e-9, 5e-5),
    "tabs": (("train_loss", "val_loss"), 1e-9, 5e-7),
    "tutorial": (("train_loss",), 1e-9, 5e-4),
}

CASES = [(folder, capture) for folder in catalog.scenario_dirs() for capture in ("pipe.txt", "tty.txt", "screen.txt")
         if (folder / capture).is_file()]


def _id(case) -> str:
    folder, capture = case
    return f"{catalog.case_id(folder)}/{capture}"


def _parsed(run, common: str) -> np.ndarray | None:
    # (the pipes loop prints its validation accuracy as `acc`: read as it stands)
    names = {"train_loss": ("loss",), "val_loss": ("val_loss",), "val_acc": ("val_acc", "val_accuracy", "accuracy")}[common]
    for name in names:
        if name in run.epochs.columns:
            return run.series(name)
    return None


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_capture_parses_to_its_true_history(case) -> None:
    folder, capture = case
    family = folder.parent.name
    fmt = FORMATS[family]
    truth = catalog.epoch_series(folder, capture)
    n_true = max(len(v) for v in truth.values())

    log = logsense.parse(folder / capture)

    assert len(log.runs) == 1, [r.meta for r in log.runs]
    run = log.runs[0]
    assert run.meta["format"] == fmt
    n = len(run.epoch_records)
    if (family, capture) in TAIL_ONLY:
        assert 1 <= n <= n_true
    else:
        assert n == n_true
    epochs = [int(e) for e in run.epoch_numbers()]
    assert epochs == list(range(epochs[0], epochs[0] + n))  # consecutive
    compared, rtol, atol = PRINTED[folder.name.partition("-")[2] or family]
    for common in compared:
        if common not in truth:  # the regressions have no accuracy
            continue
        got = _parsed(run, common)
        assert got is not None, (common, list(run.epochs.columns))
        want = np.array(truth[common][n_true - n:])  # a tail-only capture shows the last epochs
        finite = np.isfinite(want)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=common)
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want), err_msg=common)
        np.testing.assert_allclose(got[finite], want[finite], rtol=rtol, atol=atol, err_msg=common)


@pytest.mark.parametrize("folder", catalog.scenario_dirs(), ids=catalog.case_id)
def test_run_says_what_its_numbers_are(folder) -> None:
    family = folder.parent.name
    run = logsense.parse(folder / "pipe.txt").runs[0]
    meta = run.meta
    if family.startswith("lightning"):
        assert meta["epoch_base"] == 0 and meta["precision_digits"] == 3
        assert meta["precision_kind"] == ("decimals" if family == "lightning_rich" else "significant")
        assert "last batch" in meta["loss_is"]
    elif family == "fastai":
        assert meta["epoch_base"] == 0 and "smoothed" in meta["loss_is"]
    elif family == "hf_trainer":
        assert "logging window" in meta["loss_is"]
    else:
        style = folder.name.partition("-")[2]
        assert meta["epoch_base"] == (0 if style == "pipes" else 1)


def test_hf_nan_is_read_as_nan_not_dropped() -> None:
    folder = catalog.FIXTURES / "hf_trainer" / "nan"
    run = logsense.parse(folder / "pipe.txt").runs[0]
    truth = catalog.epoch_series(folder)["val_loss"]
    assert not math.isfinite(truth[-1])
    assert np.isnan(run.series("val_loss")[-1]) == math.isnan(truth[-1])


@pytest.mark.parametrize("folder", catalog.scenario_dirs("hf_trainer"), ids=catalog.case_id)
def test_trainer_state_gives_the_run_the_console_gives(folder) -> None:
    state = logsense.parse(folder / "trainer_state.json").runs
    console = logsense.parse(folder / "pipe.txt").runs[0]
    assert len(state) == 1 and state[0].meta["source"] == "trainer_state.json"
    run = state[0]
    assert run.meta["format"] == "hf_trainer"
    assert run.epoch_numbers().tolist() == console.epoch_numbers().tolist()
    for name in console.epochs.columns.drop("epoch"):
        want, got = console.series(name), run.series(name)  # the file unrounded, the console 4 digits
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        finite = np.isfinite(want)
        np.testing.assert_allclose(got[finite], want[finite], rtol=5e-4, err_msg=name)


YOLO = catalog.FIXTURES / "yolo_posts"


@pytest.mark.parametrize(("name", "epochs", "declared", "row"), [
    # lines from two public Ultralytics issues (#21765: the paste starts after a header; #7653)
    ("ultralytics-21765.txt", [8, 9, 10], 55, {"box_loss": 0.1295, "cls_loss": 7.585, "dfl_loss": 3.256,
                                               "val_precision": 0.764, "val_recall": 0.776, "val_mAP50-95": 0.526}),
    ("ultralytics-7653.txt", [70, 71, 72], 1000, {"box_loss": 1.038, "cls_loss": 0.4686, "dfl_loss": 1.064,
                                                  "val_precision": 0.991, "val_mAP50": 0.994}),
])
def test_yolo_tables_read_with_their_validation_rows(name, epochs, declared, row) -> None:
    log = logsense.parse(YOLO / name)
    assert len(log.runs) == 1 and not log.unparsed
    run = log.runs[0]
    assert run.meta["format"] == "yolo" and run.meta["declared_epochs"] == declared
    assert [int(e) for e in run.epoch_numbers()] == epochs
    second = run.epoch_records[1]
    for key, value in row.items():
        assert second[key] == pytest.approx(value), key
    assert second["loss"] == pytest.approx(second["box_loss"] + second["cls_loss"] + second["dfl_loss"])


def _bar_lines() -> list[str]:
    from logsense.parse.locales import table
    from logsense.parse.segment import segments

    out = []
    for folder in catalog.scenario_dirs():
        for capture in ("tty.txt", "pipe.txt"):
            text = (folder / capture).read_bytes().decode("utf-8", errors="replace")
            out += [seg.text for seg in segments(text, table()) if "|" in seg.text]
    return out


def test_the_tqdm_fast_path_agrees_with_the_grammar() -> None:
    from logsense.parse.families import fast_tqdm, tqdm_record

    lines = _bar_lines()
    read = 0
    for text in lines:
        fast = fast_tqdm(text)
        if fast is None:
            continue
        read += 1
        assert fast == tqdm_record(text), text
    assert read > 0.9 * sum("%|" in t for t in lines)  # the fast path takes nearly every tqdm bar
