"""What web pages and pastes do to a log, and what logsense still reads.

Forum posts quote logs in markdown (inline code, quotes, bullets, tables), pastebins number
the lines, and people paste from the middle of a run: the first epoch has no header, or
only a few progress updates were copied (the ones that show the NaN). The examples are
written here, in the shapes found in public posts.
"""
from __future__ import annotations

import pytest

import logsense

PLAIN = [
    "Epoch 1/3",
    "576/576 [==============================] - 18s 31ms/step - loss: 4.4855 - acc: 0.0208 - val_loss: 4.1012",
    "Epoch 2/3",
    "576/576 [==============================] - 17s 30ms/step - loss: 4.0745 - acc: 0.0312 - val_loss: 3.9977",
    "Epoch 3/3",
    "576/576 [==============================] - 17s 30ms/step - loss: 3.8120 - acc: 0.0521 - val_loss: 3.9430",
]

DECORATIONS = {
    "inline code": lambda i, line: f"`{line}`",
    "code closed on the last line": lambda i, line: line + ("`" if i == len(PLAIN) - 1 else ""),
    "markdown quote": lambda i, line: f"> {line}",
    "nested quote": lambda i, line: f"> > {line}",
    "bullet": lambda i, line: f"- {line}",
    "numbered lines": lambda i, line: f"{i + 1:>3}. {line}",
    "code view": lambda i, line: f"{i + 1:>4} | {line}",
    "table cells": lambda i, line: f"{line} | |",
    "bold": lambda i, line: f"**{line}**",
}


def _epochs(text: str) -> list[list[dict]]:
    return [run.epoch_records for run in logsense.parse(text).runs]


@pytest.mark.parametrize("name", DECORATIONS)
def test_decorated_log_reads_as_the_plain_one(name):
    decorate = DECORATIONS[name]
    text = "\n".join(decorate(i, line) for i, line in enumerate(PLAIN)) + "\n"
    log = logsense.parse(text)
    assert _epochs(text) == _epochs("\n".join(PLAIN) + "\n") and len(log.runs[0].epoch_records) == 3
    assert log.unparsed == []


def test_verbose2_dash_is_keras_not_a_bullet():
    """Keras 2.2's verbose=2 line starts with ' - 2s': that dash stays part of the message."""
    text = "Epoch 1/2\n - 2s - loss: 0.5000 - acc: 0.7000\nEpoch 2/2\n - 1s - loss: 0.2500 - acc: 0.8000\n"
    (run,) = logsense.parse(text).runs
    assert run.series("loss").tolist() == [0.5, 0.25] and run.epochs["seconds"].tolist() == [2.0, 1.0]


def test_prose_with_a_bullet_is_not_read_as_a_log():
    text = "- I trained for 3 epochs\n> the loss was 0.5 then\n12. nothing else\n"
    log = logsense.parse(text)
    assert log.runs == [] and log.unparsed == []


def test_paste_cut_above_its_first_header_numbers_that_epoch_from_the_next_one():
    text = ("Epoch 00039: ReduceLROnPlateau reducing learning rate to 0.0005.\n"
            "405/405 [==============================] - 0s 829us/sample - loss: 0.2223 - val_loss: 0.3574\n"
            "Epoch 40/500\n"
            "405/405 [==============================] - 0s 984us/sample - loss: 0.2020 - val_loss: 0.2863\n")
    (run,) = logsense.parse(text).runs
    assert run.epoch_numbers().tolist() == [39, 40] and run.meta["declared_epochs"] == 500
    assert [(e.epoch, e.kind, e.value) for e in run.events] == [(39, "lr_change", 0.0005)]


def test_a_restarting_header_after_a_headerless_bar_still_starts_a_new_run():
    text = ("313/313 [==============================] - 1s 2ms/step - loss: 0.3000 - accuracy: 0.9000\n"
            "Epoch 1/2\n10/10 [==] - 0s - loss: 0.5000\nEpoch 2/2\n10/10 [==] - 0s - loss: 0.4000\n")
    runs = logsense.parse(text).runs
    assert [r.epoch_numbers().tolist() for r in runs] == [[1], [1, 2]]


def test_a_few_progress_updates_without_a_header_are_a_run_and_their_nan_is_found():
    text = ("  1/102 [..............................] - ETA: 19:24 - loss: 0.6917 - accuracy: 0.5938\n"
            "  2/102 [..............................] - ETA: 8:29 - loss: nan - accuracy: 0.5938\n")
    (run,) = logsense.parse(text).runs
    assert run.epoch_records == [] and [s["step"] for s in run.step_records] == [1, 2]
    assert run.step_metrics == ["loss", "accuracy"]
    report = logsense.diagnose(text)
    (nan,) = [f for f in report.findings if f.symptom == "nan"]
    assert (nan.metric, nan.stats["epoch"], nan.stats["step"], nan.stats["after_step"]) == ("loss", 1, 2, 1)
    assert "metrics loss, accuracy (progress updates only)" in report.to_text()


def test_bars_without_metrics_before_a_header_start_no_run():
    """predict() prints bars without metrics: they are not training output."""
    text = "  1/20 [>.............................] - ETA: 3s\n20/20 [==============================] - 1s 4ms/step\n"
    assert logsense.parse(text).runs == []
