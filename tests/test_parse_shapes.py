"""Shapes real public posts gave the parser, each rebuilt here from our own numbers in the same shape.

fixtures/real_logs/keras_shapes holds the public originals (benchmarks/real_logs.py scores them);
these tests pin down each shape on its own.
"""
from __future__ import annotations

import numpy as np
import pytest

import logsense
from logsense.parse.arrays import extract_predictions
from logsense.parse.stream import parse_text

BAR = "[==============================]"


def _bar(loss: float, acc: float, extra: str = "") -> str:
    return f"250/250 {BAR} - 1s 4ms/step - loss: {loss:.4f} - accuracy: {acc:.4f}{extra}"


LOSSES = [0.9123, 0.7311, 0.6054, 0.5137, 0.4502]
ACCS = [0.5511, 0.6623, 0.7214, 0.7719, 0.8032]


def _series(run, metric):
    return run.series(metric).tolist()


def test_a_paste_without_headers_whose_bars_never_redraw_has_one_epoch_per_bar() -> None:
    text = "\n".join(_bar(lo, ac) for lo, ac in zip(LOSSES, ACCS)) + "\n"
    (run,) = logsense.parse(text).runs
    assert _series(run, "loss") == LOSSES and _series(run, "accuracy") == ACCS
    assert run.epoch_numbers().tolist() == [1, 2, 3, 4, 5]


def test_keras0_spellings_become_canonical_names() -> None:
    text = "Epoch 0\n1000/1000 [==============================] - 1s - loss: 0.6931 - acc.: 0.5010 - val. loss: 0.6930\n"
    (run,) = logsense.parse(text).runs
    assert run.metrics == ["loss", "acc", "val_loss"] and run.meta["format"] == "keras0"


def test_a_page_that_escaped_the_bar_and_broke_its_lines() -> None:
    text = ("Epoch 1/2 </br>\n250/250 \\[==============================\\] - 1s 4ms/step - loss: 0.9123\n"
            "- accuracy: 0.5511 - val\\_loss: 0.8000 - **val\\_accuracy: 0.6000** </br>\n"
            "Epoch 2/2 <br>\n250/250 \\[==============================\\] - 1s 4ms/step - loss:\n"
            "0.7311 - accuracy: 0.6623 - val\\_loss: 0.7000 - val\\_accuracy: 0.6500\\\n")
    (run,) = logsense.parse(text).runs
    assert run.epoch_records == [
        {"epoch": 1, "loss": 0.9123, "accuracy": 0.5511, "val_loss": 0.8, "val_accuracy": 0.6, "seconds": 1.0},
        {"epoch": 2, "loss": 0.7311, "accuracy": 0.6623, "val_loss": 0.7, "val_accuracy": 0.65, "seconds": 1.0}]


def test_a_history_printed_as_a_pandas_table() -> None:
    text = ("The fit went fine, then I printed the history:\n"
            "       loss  accuracy  val_loss  val_accuracy\n"
            "0  0.912300  0.551100  0.800000        0.6000\n"
            "1  0.731100  0.662300  0.700000        0.6500\n"
            "2  0.605400  0.721400  0.690000        0.6600\n")
    log = logsense.parse(text)
    (run,) = log.runs
    assert _series(run, "loss") == LOSSES[:3] and _series(run, "val_accuracy") == [0.6, 0.65, 0.66]
    assert run.meta["format"] == "history_table" and any("history table" in w for w in log.warnings)


def test_a_history_dict_printed_in_prose() -> None:
    text = f"print(history.history) gave {{'loss': {LOSSES}, 'accuracy': {ACCS}}} and I am stuck"
    (run,) = logsense.parse(text).runs
    assert _series(run, "loss") == LOSSES and run.meta["format"] == "history"


def test_console_epochs_win_over_a_printed_history() -> None:
    text = "Epoch 1/1\n" + _bar(0.5, 0.6) + "\n{'loss': [0.1, 0.2]}\n"
    (run,) = logsense.parse(text).runs
    assert _series(run, "loss") == [0.5]


def test_a_mirror_s_one_line_preview_above_the_log_is_not_a_run() -> None:
    epochs = [f"Epoch {e}/5\n{_bar(lo, ac)}" for e, (lo, ac) in enumerate(zip(LOSSES, ACCS), 1)]
    preview = " ".join(epochs[:2]).replace("\n", " ")
    log = logsense.parse(preview + "\n\nThe full log:\n" + "\n".join(epochs) + "\n")
    (run,) = log.runs
    assert _series(run, "loss") == LOSSES
    assert any("quotation" in w for w in log.warnings)


def test_a_generator_printing_the_header_into_every_update_gives_one_run() -> None:
    lines = []
    for epoch in (1, 2):
        for step in (1, 2, 3):
            lines += [f"Epoch {epoch}/1000", f"{step}/3 [==========>...................] - ETA: 2s - loss: 0.{9 - step}000"]
        lines += [f"Epoch {epoch}/1000", f"3/3 {BAR} - 3s 1s/step - loss: 0.{7 - epoch}000"]
    (run,) = logsense.parse("\n".join(lines) + "\n").runs
    assert run.epoch_numbers().tolist() == [1, 2] and _series(run, "loss") == [0.6, 0.5]
    assert run.meta["declared_epochs"] == 1000


def test_digits_glued_to_the_next_counter_split_at_the_fourth_decimal() -> None:
    text = ("Epoch 1/1\n 1/70 [..............................] - ETA: 9s - loss: 0.8431"
            "10/70 [====>.........................] - ETA: 8s - loss: 0.8012"
            f"70/70 {BAR} - 9s 128ms/step - loss: 0.6001\n")
    (run,) = logsense.parse(text).runs
    assert [(s["step"], s["loss"]) for s in run.step_records] == [(1, 0.8431), (10, 0.8012)]
    assert _series(run, "loss") == [0.6001]


def test_a_bar_broken_across_two_lines_mid_bar() -> None:
    text = ("Epoch 1/1\n70/70 [===============\n===============] - 9s 128ms/step - loss: 0.6001 - accuracy: 0.7000\n")
    (run,) = logsense.parse(text).runs
    assert run.epoch_records == [{"epoch": 1, "loss": 0.6001, "accuracy": 0.7, "seconds": 9.0}]


def test_fits_of_one_epoch_in_a_loop_are_one_training() -> None:
    text = "\n".join(f"augmenting...\nEpoch 1/1\n{_bar(lo, ac)}\n  my val acc: 0.5" for lo, ac in zip(LOSSES, ACCS))
    (run,) = logsense.parse(text + "\n").runs
    assert _series(run, "loss") == LOSSES and run.epoch_numbers().tolist() == [1, 2, 3, 4, 5]
    assert run.meta["fits"] == 5


def test_runs_of_several_epochs_are_not_joined() -> None:
    one = "\n".join(f"Epoch {e}/2\n{_bar(lo, 0.5)}" for e, lo in ((1, 0.9), (2, 0.8)))
    runs, _ = parse_text(one + "\n" + one + "\n")
    assert len(runs) == 2


def test_an_unclosed_prediction_array_keeps_its_printed_rows() -> None:
    text = "predictions [[0.31 0.29 0.40]\n [0.31 0.30 0.39]\n [0.31 0.29 0.40]\n\nwhy is every row the same?"
    (pred,) = extract_predictions(text)
    assert pred.shape == (3, 3) and pred.elided
    assert np.allclose(pred.values[:, 0], 0.31)


@pytest.mark.parametrize("value", ["1.#INF", "-1.#INF", "1.#QNAN", "-1.#IND"])
def test_msvc_spellings_of_non_finite_values(value: str) -> None:
    (run,) = logsense.parse(f"Epoch 1/1\n10/10 {BAR} - 0s - loss: {value}\n").runs
    loss = run.series("loss")[0]
    assert not np.isfinite(loss) and (np.isnan(loss) == ("#INF" not in value))
