"""What web pages and pastes do to a log, and what logsense still reads.

Forum posts quote logs in markdown (inline code, quotes, bullets, tables), pastebins number
the lines, and people paste from the middle of a run: the first epoch has no header, or
only a few progress updates were copied (the ones that show the NaN). The examples are
written here, in the shapes found in public posts.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest

import logsense

ROOT = Path(__file__).resolve().parent.parent

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


@pytest.mark.parametrize("glued, shown", [
    ("(683, 1024, 3)", "(683, 1024, 3)"),  # a shape the data generator printed
    ("WARNING:tensorflow:Can save best model only with val_acc available, skipping.", "WARNING:tensorflow:"),
    ("      (405, 540, 3)", "(405, 540, 3)"),
])
def test_text_printed_into_a_bar_is_cut_off_and_the_update_kept(glued, shown):
    text = ("Epoch 1/10\n"
            f"  1/100 [..............................] - ETA: 12:52 - loss: 0.0838 - mse: 0.0486{glued}\n"
            f"  2/100 [..............................] - ETA: 20:11 - loss: nan - mse: nan{glued}\n")
    log = logsense.parse(text)
    (run,) = log.runs
    assert [(s["step"], s["mse"]) for s in run.steps.to_dict("records")][:1] == [(1, 0.0486)]
    assert math.isnan(run.step_records[1]["loss"]) and log.unparsed == []
    (warning,) = log.warnings
    assert warning.startswith("2 progress update(s) had other output printed into them (first at line 2: ")
    assert shown in warning


def test_a_value_cut_in_two_is_not_salvaged():
    """``loss: 0.4`` then ``2/9``: glued digits may be the next counter, so the line is reported instead."""
    text = "Epoch 1/2\n1/9 [==>...] - ETA: 1s - loss: 0.42.5x\n"
    log = logsense.parse(text)
    assert log.unparsed and not any(r.step_records for r in log.runs)


HEAD = "Epoch 1/2\n10/10 [==============================] - 0s - loss: 0.5000 - val_loss: 0.6000\nEpoch 2/2\n"


@pytest.mark.parametrize("last, kept, warning", [
    ("10/10 [==============================] - 0s - loss: 0.4000 - val_loss: 0.5",
     {"loss": 0.4}, "the text ends inside line 4 (epoch 2): val_loss was printed as '0.5', cut short, and was left out"),
    ("10/10 [==============================] - 0s - loss: 0.41", None,
     "the text ends inside line 4 (epoch 2): loss was printed as '0.41', cut short, and was left out with the whole "
     "epoch record"),
    ("10/10 [==============================] - 0s - loss: 0.4000 - val_loss: 0.5000", {"loss": 0.4, "val_loss": 0.5},
     None),
])
def test_a_text_that_ends_inside_a_line_drops_the_value_it_cut(last, kept, warning):
    """A log file still being written (or a paste cut short) ends mid-value: Keras prints 4 decimals."""
    log = logsense.parse(HEAD + last)
    (run,) = log.runs
    second = [{k: v for k, v in r.items() if k not in ("epoch", "seconds")} for r in run.epoch_records[1:]]
    assert second == ([kept] if kept else [])
    assert log.warnings == ([warning] if warning else [])


def test_a_cut_progress_update_keeps_its_step():
    log = logsense.parse("Epoch 1/2\n 3/10 [======>.......................] - ETA: 1s - loss: 0.5")
    assert log.runs[0].step_records == [{"epoch": 1, "step": 3, "total": 10, "eta_seconds": 1.0}]
    assert log.warnings == ["the text ends inside line 2 (step 3 of epoch 1): loss was printed as '0.5', cut short, "
                            "and was left out"]


def test_a_hand_written_log_ending_in_a_newline_is_taken_as_written():
    (run,) = logsense.parse(HEAD + "10/10 [==] - 0s - loss: 0.4 - val_loss: 0.5\n").runs
    assert run.series("val_loss").tolist() == [0.6, 0.5]


def test_a_run_whose_only_line_was_cut_is_no_run():
    log = logsense.parse("Epoch 1/2\n10/10 [==============================] - 0s - loss: 0.4")
    assert log.runs == [] and log.warnings[0].startswith("the text ends inside line 2 (epoch 1)")


def test_a_metric_list_cut_at_a_name_keeps_the_values_before_it_and_says_so():
    log = logsense.parse(HEAD + "10/10 [==============================] - 0s - loss: 0.4000 - val_lo\n")
    (run,) = log.runs
    assert run.epoch_records[-1] == {"epoch": 2, "loss": 0.4, "seconds": 0.0}
    assert log.warnings == ["the text ends inside line 4: the metrics after 'loss: 0.4000' were cut off "
                            "('- val_lo' is all that is left of them)"]


@pytest.mark.parametrize("cut", ["val_loss: ", "val_loss:", "val_loss: 7.9712 -"])
def test_a_line_wrapped_inside_its_metric_list_is_joined(cut):
    """A page (or an editor) broke the line where no metric list ends; the next line holds the rest."""
    whole = "30/30 [==============================] - 18s 593ms/step - loss: 7.9712 - acc: 0.5000 - val_loss: 7.9712 - val_acc: 0.5000"
    head, rest = whole[:whole.index(cut) + len(cut)], whole[whole.index(cut) + len(cut):]
    text = f"Epoch 1/25\n{head}\n{rest.lstrip()}\nEpoch 2/25\n{whole}\n"
    (run,) = logsense.parse(text).runs
    assert run.epoch_records[0] == run.epoch_records[1] | {"epoch": 1}


def test_an_epoch_quoted_again_below_the_log_is_not_a_second_run():
    lines = [f"Epoch {e}/50\n1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 140ms/step - loss: {40 - e:.4f}" for e in (5, 6, 7)]
    quote = "Epoch 6/50\n1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 132ms/step - loss: 34.0000"
    text = "\n".join(lines) + "\nEpoch 7: early stopping\n```\nThe best loss is at this line:\n```\n" + quote + "\n"
    log = logsense.parse(text)
    assert [r.epoch_numbers().tolist() for r in log.runs] == [[5, 6, 7]]
    assert log.warnings == ["line 11: 1 epoch(s) repeating what an earlier run printed were taken as a quotation, "
                            "not as a new run"]


def test_a_second_run_with_its_own_values_stays_a_run():
    one = "Epoch 1/2\n1/1 [==] - 0s - loss: 0.5000\nEpoch 2/2\n1/1 [==] - 0s - loss: 0.4000\n"
    two = one.replace("0.4000", "0.3000")
    assert len(logsense.parse(one + two).runs) == 2


def test_a_seeded_rerun_that_prints_the_same_values_stays_a_run():
    one = "Epoch 1/2\n1/1 [==] - 0s - loss: 0.5000\nEpoch 2/2\n1/1 [==] - 0s - loss: 0.4000\n"
    assert len(logsense.parse(one + "model.fit(x, y)  # again, same seed\n" + one).runs) == 2


def test_a_verbose2_line_cut_above_its_header_is_kept_once_a_header_follows():
    text = ("13s - loss: 0.7772 - acc: 0.5680 - val_loss: 0.6657 - val_acc: 0.6048\nEpoch 2/5\n"
            "15s - loss: 0.6654 - acc: 0.5952 - val_loss: 0.6552 - val_acc: 0.6048\n")
    (run,) = logsense.parse(text).runs
    assert run.epoch_numbers().tolist() == [1, 2] and run.series("loss").tolist() == [0.7772, 0.6654]
    assert run.meta["declared_epochs"] == 5


def test_a_lone_line_that_reads_like_verbose2_is_no_run():
    """`2s - loss: 0.3` in a table or a sentence, with no Epoch header after it."""
    assert logsense.parse("2s - loss: 0.3000 - acc: 0.9000\nand that was all\n").runs == []


def test_an_exponent_cut_short_is_not_read_as_a_smaller_number():
    log = logsense.parse(HEAD + "10/10 [==============================] - 0s - loss: 0.4000 - val_loss: 3.5193e-0")
    assert "val_loss" not in log.runs[0].epoch_records[-1]
    assert "val_loss was printed as '3.5193e-0', cut short" in log.warnings[0]


def test_a_paste_without_any_header_counts_its_epochs_by_the_bars_that_start_over():
    """Old Keras with a checkpoint message printed into the last update of every epoch, headers not copied."""
    epochs = [("1.6080", "1.5564", "00001: val_loss improved from inf to 1.55635, saving model to best.h5"),
              ("1.5307", "1.5285", "00002: val_loss improved from 1.55635 to 1.52850, saving model to best.h5"),
              ("1.4806", "1.5510", "00003: val_loss did not improve")]
    text = "".join(f"12299/12300 [============================>.] - ETA: 0s - loss: {loss}Epoch {msg}\n"
                   f"12300/12300 [==============================] - 2773s 225ms/step - loss: {loss} - val_loss: {val}\n"
                   for loss, val, msg in epochs)
    text += "313/313 [==============================] - 1s 2ms/step - loss: 1.5000\n"  # evaluate(): no epoch
    (run,) = logsense.parse(text).runs
    assert run.epoch_numbers().tolist() == [1, 2, 3]
    assert run.series("val_loss").tolist() == [1.5564, 1.5285, 1.551]
    assert [(e.epoch, e.kind) for e in run.events] == [(1, "checkpoint"), (2, "checkpoint"), (3, "checkpoint")]


def test_a_hyphenated_metric_name_is_its_own_metric():
    # Keras 3 names a top-k metric `top-5-accuracy` (a real post, p116): the hyphens are part of
    # the name, not the ` - ` separator, and `top-5-` is not a translated `val_` prefix.
    path = next((ROOT / "fixtures" / "real_posts" / "posts").glob("p116_*.txt"))
    run = logsense.parse(path).runs[0]
    assert run.metrics == ["accuracy", "loss", "top-5-accuracy", "val_accuracy", "val_loss", "val_top-5-accuracy"]
    first = run.epoch_records[0]
    assert (first["accuracy"], first["top-5-accuracy"], first["val_accuracy"]) == (0.0517, 0.1816, 0.1396)
    assert len(run.epoch_records) == 40 and "inferred_names" not in run.meta


def test_a_dash_glued_to_a_name_still_separates_it():
    # `- loss: 0.5 -accuracy: 0.9`: a hyphen is inside a word only between two word characters.
    run = logsense.parse("Epoch 1/1\n10/10 [====] - 1s - loss: 0.5000 -accuracy: 0.9000\n").runs[0]
    assert run.epoch_records[0]["loss"] == 0.5 and run.epoch_records[0]["accuracy"] == 0.9


@pytest.mark.parametrize("prefix, epochs, first", [
    # `epoch [1]: training loss: 2.27 - acc: 0.50 - val_loss: ...`: a hand-printed loop that
    # separates its pairs the way Keras does (real posts p022 and its translated mirror p048).
    ("p022_", 10, {"epoch": 1, "loss": 2.27, "accuracy": 0.5, "val_loss": 3.29, "val_accuracy": 0.49}),
    ("p048_", 10, {"epoch": 1, "loss": 2.27, "accuracy": 0.5, "val_loss": 3.29, "val_accuracy": 0.49}),
    # `Epoch 1: train loss: 1041.52 - validation loss: 1045.89`: a counter followed by a colon (p023).
    ("p023_", 5, {"epoch": 1, "loss": 1041.52, "val_loss": 1045.89}),
])
def test_a_hand_printed_loop_with_dash_separators_is_read(prefix, epochs, first):
    path = next((ROOT / "fixtures" / "real_posts" / "posts").glob(f"{prefix}*.txt"))
    (run,) = logsense.parse(path).runs
    assert len(run.epoch_records) == epochs
    assert run.epoch_records[0] == first
    assert [r["epoch"] for r in run.epoch_records] == list(range(1, epochs + 1))


def test_a_negative_value_after_a_dash_separator_keeps_its_sign():
    text = "".join(f"epoch [{e}]: training loss: -{e}.5 - acc: 0.{e}\n" for e in range(1, 4))
    (run,) = logsense.parse(text).runs
    assert [r["loss"] for r in run.epoch_records] == [-1.5, -2.5, -3.5]


def test_a_header_and_full_bar_with_a_tensorflow_log_glued_on_is_the_epoch_it_shows():
    """The epoch's own line never copied: its last full bar (still showing ETA) stands for it, and the
    TensorFlow C++ log glued after the metrics is no part of the record."""
    text = ("Epoch 1/50 1607/1607 [==============================] - ETA: 0s - loss: -117944.7500 - accuracy: "
            "3.8897e-05 2022-05-22 11:14:28.922065: I tensorflow/core/grappler/optimizers/"
            "custom_graph_optimizer_registry.cc:113] Plugin optimizer for device_type GPU is enabled.\n")
    (run,) = logsense.parse(text).runs
    assert run.epoch_records == [{"epoch": 1, "loss": -117944.75, "accuracy": 3.8897e-05}]
    assert run.meta["epochs_from_full_bars"] == 1
    # A paste with the epoch's own line keeps it, not the bar before it.
    full = text.replace("- ETA: 0s -", "- 3s 2ms/step -").replace(" 2022-05-22", "\n2022-05-22")
    (run,) = logsense.parse("Epoch 1/50\n1607/1607 [==============================] - ETA: 0s - loss: -1.0 - "
                            "accuracy: 0.5\n" + full.split(" ", 2)[2]).runs
    assert "epochs_from_full_bars" not in run.meta


def test_a_csvlogger_file_pasted_under_comments_is_read_as_the_file():
    text = ("# the per-epoch history a CSVLogger callback wrote:\n\n"
            "epoch,acc,loss,val_acc,val_loss\n\n"
            "0,0.893458329291,0.357344379275,0.495111731844,2.99819970397\n\n"
            "1,0.975676921584,0.075197558605,0.16061452514,11.4251960882\n\n"
            "the validation accuracy drops at the second epoch\n")
    (run,) = logsense.parse(text).runs
    assert [r["epoch"] for r in run.epoch_records] == [1, 2]  # the file's 0-based column, as Keras prints it
    assert run.series("val_loss").tolist() == [2.99819970397, 11.4251960882]
    assert run.meta["start_line"] == 3 and run.meta["csv_epoch_base"] == 0
    # prose that only mentions an epoch column is no file
    assert not logsense.parse("epoch, loss and accuracy are printed below\nnothing else\n").runs
