"""Every Keras output style, callback message and capture artefact, on small realistic inputs."""
from __future__ import annotations

import math
import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logsense.parse import stream
from logsense.parse.fast import bar_record, fast_record, read_redraws
from logsense.parse.locales import table
from logsense.parse.records import parse_segment
from logsense.parse.segment import segments
from logsense.parse.stream import parse_text

KERAS = Path(__file__).resolve().parent.parent / "fixtures" / "keras"


def _one(text: str):
    runs, unparsed = parse_text(text)
    assert len(runs) == 1, runs
    return runs[0], unparsed


# --------------------------------------------------------------------------- formats

def test_keras0_zero_based_epochs_without_total() -> None:
    run, _ = _one("Train on 100 samples, validate on 20 samples\nEpoch 0\n"
                  "100/100 [==============================] - 1s - loss: 0.6931 - val_loss: 0.6900\n"
                  "Epoch 1\n100/100 [==============================] - 1s - loss: 0.5000 - val_loss: 0.5100\n")
    assert run.meta["format"] == "keras0" and run.meta["declared_epochs"] is None
    assert [r["epoch"] for r in run.epoch_records] == [0, 1]
    assert run.series("val_loss").tolist() == [0.69, 0.51]


def test_keras1_eta_partial_lines_are_steps() -> None:
    run, _ = _one("Epoch 1\n 32/100 [========>.....................] - ETA: 0s - loss: 0.7000\n"
                  " 64/100 [==================>...........] - ETA: 1:23 - loss: 0.6500\n"
                  "100/100 [==============================] - 0s - loss: 0.6000\n")
    assert run.meta["format"] == "keras1" and run.meta["step_unit"] == "sample"
    assert [(s["step"], s["total"], s["eta_seconds"], s["loss"]) for s in run.step_records] == [
        (32, 100, 0.0, 0.7), (64, 100, 83.0, 0.65)]
    assert run.epoch_records == [{"epoch": 1, "loss": 0.6, "seconds": 0.0}]


def test_keras2_sample_bars_and_verbose2_summaries() -> None:
    run, _ = _one("Epoch 1/2\n60000/60000 [==============================] - 3s - loss: 0.3000 - acc: 0.9100\n"
                  "Epoch 2/2\n - 2s - loss: 0.2000 - acc: 0.9400\n")
    assert run.meta["format"] == "keras2" and run.meta["declared_epochs"] == 2
    verbose2, _ = _one("Epoch 1/1\n - 2s - loss: 0.2000 - acc: 0.9400\n")
    assert verbose2.meta["verbose"] == 2 and verbose2.meta["step_unit"] == "sample"
    assert run.series("acc").tolist() == [0.91, 0.94]
    assert [r["seconds"] for r in run.epoch_records] == [3.0, 2.0]


def test_tfkeras_step_bars_with_per_step_time() -> None:
    run, _ = _one("Epoch 1/2\n   1/1875 [..............................] - ETA: 1:02:03 - loss: 2.3 - accuracy: 0.1\n"
                  "1875/1875 [==============================] - 2s 946us/step - loss: 0.3 - accuracy: 0.9\n"
                  "Epoch 2/2\n1875/1875 [==============================] - 3s 1ms/step - loss: 0.2 - accuracy: 0.95"
                  " - val_loss: 0.25 - val_accuracy: 0.93\n")
    assert run.meta["format"] == "tfkeras" and run.meta["step_unit"] == "batch"
    assert run.step_records[0]["eta_seconds"] == 3723.0
    assert run.epoch_records[1] == {"epoch": 2, "loss": 0.2, "accuracy": 0.95, "val_loss": 0.25,
                                    "val_accuracy": 0.93, "seconds": 3.0}


def test_tfkeras_verbose2_trailing_timing_is_not_a_metric() -> None:
    run, _ = _one("Epoch 1/1\n8/8 - 2s - loss: 0.5747 - accuracy: 0.7208 - lr: 0.0010 - 2s/epoch - 247ms/step\n")
    assert run.meta["format"] == "tfkeras" and run.meta["verbose"] == 2
    assert run.epoch_records == [{"epoch": 1, "loss": 0.5747, "accuracy": 0.7208, "lr": 0.001, "seconds": 2.0}]


def test_keras3_bars_and_verbose2() -> None:
    bar = "━" * 20
    run, _ = _one(f"Epoch 1/2\n 5/30 {bar} 1s 45ms/step - accuracy: 0.5000 - loss: 0.9000\n"
                  f"30/30 {bar} 0s 3ms/step - accuracy: 0.9000 - loss: 0.2000 - val_accuracy: 0.8800"
                  f" - val_loss: 0.2500\nEpoch 2/2\n30/30 - 0s - 5ms/step - accuracy: 0.9500 - loss: 0.1000\n")
    assert run.meta["format"] == "keras3"
    assert run.step_records == [{"epoch": 1, "step": 5, "total": 30, "eta_seconds": 1.0, "accuracy": 0.5,
                                 "loss": 0.9}]
    assert run.series("loss").tolist() == [0.2, 0.1]
    assert run.epoch_records[0]["val_accuracy"] == 0.88


def test_keras3_verbose2_is_recognised() -> None:
    run, _ = _one("Epoch 1/1\n30/30 - 0s - 5ms/step - accuracy: 0.9500 - loss: 0.1000\n")
    assert run.meta["format"] == "keras3" and run.meta["verbose"] == 2


def test_keras0_and_keras1_verbose2_lines_are_epochs() -> None:
    run, unparsed = _one("Train on 100 samples\nEpoch 0\n1s - loss: 1.0000\nEpoch 1\n"
                         "0s - loss: 0.5000 - acc: 0.7500\n")
    assert run.meta["format"] == "keras0" and run.meta["verbose"] == 2 and unparsed == []
    assert run.epoch_records == [{"epoch": 0, "loss": 1.0, "seconds": 1.0},
                                 {"epoch": 1, "loss": 0.5, "acc": 0.75, "seconds": 0.0}]
    run, _ = _one("Epoch 1/10\n2s - loss: 0.5 - val_loss: 0.4\n")
    assert run.epoch_records == [{"epoch": 1, "loss": 0.5, "val_loss": 0.4, "seconds": 2.0}]


def test_a_bare_time_and_metric_outside_an_epoch_starts_no_run() -> None:
    # Without an Epoch header above it, `5s - loss: 0.3` reads like prose or a table row.
    assert parse_text("It took 5s - loss: fine, then\n5s - loss: 0.3\n12ms - acc: 0.5\n") == ([], [])


@pytest.mark.parametrize("locale, unit, loss", [("de", "Schritt", "Verlust"), ("es", "paso", "pérdida"),
                                                ("pt", "passo", "perda"), ("it", "passo", "perdita"),
                                                ("fr", "étape", "perte"), ("tr", "adım", "kayıp")])
def test_translated_step_unit_is_read_and_votes_for_its_locale(locale: str, unit: str, loss: str) -> None:
    assert table().unit(unit)[0] == "step" and loss in next(l for l in LOCALES if l.code == locale).metrics
    bar = "━" * 20
    run, unparsed = _one(f"Epoch 1/1\n 3/10 [====>....] - ETA: 1s - {loss}: 0.9000\n"
                         f"10/10 [==========] - 1s 10ms/{unit} - {loss}: 0.5000\n"
                         f"10/10 {bar} 1s 10ms/{unit} - {loss}: 0.5000 - val_{loss}: 0.6000\n")
    assert unparsed == []
    assert run.meta["locale"] == locale and run.meta["format"] == "keras3"
    assert run.epoch_records == [{"epoch": 1, "loss": 0.5, "val_loss": 0.6, "seconds": 1.0}]


@pytest.mark.parametrize("unit", ["fortnight", "шаг", "步", "ステップ", "ขั้นตอน", "चरण"])
def test_a_unit_no_locale_knows_is_read_as_a_step(unit: str) -> None:
    runs, unparsed = parse_text(f"Epoch 1/1\n10/10 [==========] - 1s 10ms/{unit} - loss: 0.5000\n")
    assert unparsed == []
    assert runs[0].epoch_records == [{"epoch": 1, "loss": 0.5, "seconds": 1.0}]
    assert runs[0].meta["format"] == "tfkeras" and runs[0].meta["step_unit"] == "batch"


@pytest.mark.parametrize("printed, value", [("3.5193e-04", 3.5193e-04), ("nan", math.nan), ("inf", math.inf),
                                            ("-inf", -math.inf), ("12", 12.0), ("1.2E+05", 1.2e5)])
def test_numbers(printed: str, value: float) -> None:
    run, _ = _one(f"Epoch 1/1\n10/10 [====] - 0s - loss: {printed} - dense_1_loss: 0.5\n")
    got = run.epoch_records[0]["loss"]
    assert (math.isnan(got) and math.isnan(value)) or got == value
    assert run.epoch_records[0]["dense_1_loss"] == 0.5


# --------------------------------------------------------------------------- run splitting

def test_runs_split_on_restart_train_on_and_new_total() -> None:
    bar = "10/10 [====] - 0s - loss: {}\n"
    text = ("Epoch 1/2\n" + bar.format(1) + "Epoch 2/2\n" + bar.format(2)  # run 0
            + "Epoch 1/2\n" + bar.format(3)                                 # restart -> run 1
            + "Train on 10 samples\nEpoch 2/3\n" + bar.format(4)            # Train on -> run 2
            + "Epoch 3/5\n" + bar.format(5))                                # other total -> run 3
    runs, _ = parse_text(text)
    assert [r.series("loss").tolist() for r in runs] == [[1, 2], [3], [4], [5]]
    assert [r.index for r in runs] == [0, 1, 2, 3]


def test_evaluate_output_after_training_is_not_an_epoch() -> None:
    run, _ = _one("Epoch 1/1\n10/10 [====] - 0s 3ms/step - loss: 0.5\n"
                  "313/313 [==============================] - 1s 2ms/step - loss: 0.9 - accuracy: 0.7\n")
    assert run.series("loss").tolist() == [0.5]


# --------------------------------------------------------------------------- events

@pytest.mark.parametrize("line, kind, value", [
    ("Epoch 00005: val_loss improved from 0.50000 to 0.40000, saving model to x.h5", "checkpoint", 0.4),
    ("Epoch 5: val_loss improved from None to 0.35043, saving model to best.keras", "checkpoint", 0.35043),
    ("Epoch 00005: val_loss did not improve", "checkpoint", None),
    ("Epoch 5: val_loss did not improve from 0.31549", "checkpoint", 0.31549),
    ("Epoch 00005: early stopping", "early_stopping", None),
    ("Restoring model weights from the end of the best epoch: 7.", "restore_weights", 7.0),
    ("Epoch 00005: ReduceLROnPlateau reducing learning rate to 1e-04.", "lr_change", 1e-4),
    ("Epoch 00005: LearningRateScheduler setting learning rate to 0.01.", "lr_schedule", 0.01),
    ("Epoch 00005: LearningRateScheduler reducing learning rate to 0.001.", "lr_schedule", 0.001),
    ("Batch 12: Invalid loss, terminating training", "terminate_on_nan", None),
])
def test_callback_events_keep_their_numbers(line: str, kind: str, value: float | None) -> None:
    run, unparsed = _one(f"Epoch 5/9\n10/10 [====] - 0s - loss: 0.5\n{line}\n")
    (event,) = run.events
    assert (event.kind, event.value, event.epoch, event.line) == (kind, value, 5, 3)
    assert unparsed == []


def test_callback_glued_to_bar_maps_zero_based_epoch_to_the_printed_one() -> None:
    run, _ = _one("Epoch 3/9\n80/100 [===>.] - ETA: 1s - loss: 0.3 - acc: 0.8518Epoch 00002: val_loss did not "
                  "improve\n100/100 [====] - 9s - loss: 0.3 - acc: 0.85\n")
    assert run.step_records[0]["acc"] == 0.8518
    assert [(e.epoch, e.extra["printed_epoch"]) for e in run.events] == [(3, 2)]


def test_terminate_on_nan_glued_after_huge_value() -> None:
    run, _ = _one("Epoch 1/3\n1/8 [==>....] - ETA: 0s - loss: 384224738472851303064975554461564928.0000"
                  "Batch 3: Invalid loss, terminating training\n")
    assert run.step_records[0]["loss"] == 3.84224738472851303064975554461564928e35
    assert run.events[0].kind == "terminate_on_nan" and run.events[0].extra["batch"] == 3


# --------------------------------------------------------------------------- raw captures

def test_carriage_return_rewrites_backspaces_and_ansi() -> None:
    bar = "\x1b[32m" + "━" * 10 + "\x1b[0m"
    text = (f"Epoch 1/1\r\n\r\x1b[1m1/3\x1b[0m {bar} 0s 8ms/step - loss: 0.9000"
            + "\b" * 50 + f"\r\x1b[1m2/3\x1b[0m {bar} 0s 8ms/step - loss: 0.8000"
            + "\b" * 50 + f"\r\x1b[1m3/3\x1b[0m {bar} 0s 9ms/step - loss: 0.7000 - val_loss: 0.6000\r\n")
    run, unparsed = _one(text)
    assert [(s["step"], s["loss"]) for s in run.step_records] == [(1, 0.9), (2, 0.8)]
    assert run.epoch_records == [{"epoch": 1, "loss": 0.7, "val_loss": 0.6, "seconds": 0.0}]
    assert unparsed == []


def test_backspaces_overwrite_in_place() -> None:
    run, _ = _one("Epoch 1/1\n10/10 [====] - 0s - loss: 0.9999\b\b\b\b\b\b0.1234\n")
    assert run.series("loss").tolist() == [0.1234]


def test_paste_with_control_bytes_dropped() -> None:
    run, _ = _one("Epoch 1/1\n15/45 [=========>....] - ETA: 1s - accuracy: 0.093830/45 [===============>..] - "
                  "ETA: 0s - accuracy: 0.1203 45/45 [=====================] - 2s 3ms/step - accuracy: 0.2000\n")
    assert [(s["step"], s["accuracy"]) for s in run.step_records] == [(15, 0.0938), (30, 0.1203)]
    assert run.series("accuracy").tolist() == [0.2]


def test_lost_newlines_many_epochs_on_one_line() -> None:
    runs, _ = parse_text("Epoch 1/3 5/5 [====] - 0s - loss: 3.0 Epoch 2/3 5/5 [====] - 0s - loss: 2.0 "
                         "Epoch 3/3 5/5 [====] - 0s - loss: 1.0\n")
    assert runs[0].series("loss").tolist() == [3.0, 2.0, 1.0]


def test_screen_wrapped_at_terminal_width() -> None:
    lines = ["Epoch 1/2", "20/20 [==============================] - 1s 14ms/step - loss: 2.0151 - accuracy:",
             " 0.1258 - val_loss: 1.5904 - val_accuracy: 0.2406", "Epoch 2/2",
             "20/20 [==============================] - 0s 4ms/step - loss: 1.2665 - accuracy: ",
             "0.4273 - val_loss: 0.9712 - val_accuracy: 0.6281"]
    width = max(len(line) for line in lines)
    lines = [line.ljust(width)[:width] if line.startswith("20/20") else line for line in lines]
    runs, unparsed = parse_text("\n".join(lines) + "\n")
    assert runs[0].series("val_accuracy").tolist() == [0.2406, 0.6281]
    assert unparsed == []


# --------------------------------------------------------------------------- forum noise

def test_prose_code_json_tracebacks_and_arrays_stay_out() -> None:
    text = """I trained for 10 epochs: loss went from 0.9 to 0.3.
model.fit(x, y, epochs=10, batch_size=32)
{"class_name": "Dense", "config": {"units": 10, "epochs": 3}}
Traceback (most recent call last):
  File "train.py", line 12, in <module>
ValueError: Epoch 3 failed
array([[0.1, 0.2],
       ...,
       [0.3, 0.4]])
- loss is high
1/2 of the data is noise
Epoch 5 was the best
"""
    assert parse_text(text) == ([], [])


def test_broken_log_line_is_reported_with_its_line_number() -> None:
    runs, unparsed = parse_text("Epoch 1/1\n10/10 [====] - 0s - loss: 0.5\n5/10 [==>..] - ETA: ?? - loss: 0.5\n")
    assert runs[0].series("loss").tolist() == [0.5]
    assert unparsed == [(3, "5/10 [==>..] - ETA: ?? - loss: 0.5")]


# --------------------------------------------------------------------------- locales

LOCALES = table().locales


def _spelling(locale, english: str) -> str:
    """The locale's longest spelling of an English keyword or metric (or the English one)."""
    terms = {**locale.keywords, **locale.metrics}
    return max((t for t, e in terms.items() if e == english), key=len, default=english)


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc.code != "en"], ids=lambda loc: loc.code)
def test_every_locale_reads_translated_epoch_and_loss(locale) -> None:
    epoch = _spelling(locale, "Epoch")
    loss = _spelling(locale, "loss")
    val = next((p for p in locale.val_prefixes if p != "val_"), "val_") + loss
    text = (f"{epoch} 1/2\n10/10 [====] - 0s - {loss}：0.5000 - {val}: 0.6000\n"
            f"Epoch 2/2\n10/10 [====] - 0s - {loss}: 0.2500 - {val}: 0.3000\n")
    run, unparsed = _one(text)
    assert run.series("loss").tolist() == [0.5, 0.25]
    assert run.series("val_loss").tolist() == [0.6, 0.3]
    assert locale.code in {run.meta["locale"]} | {c for c in table().metric(loss)[1]}
    assert unparsed == []


def _grammar_words() -> set[str]:
    """The keywords of keras.lark: its literal terminals, and the plain words of its keyword regexes."""
    from logsense.parse.locales import STRUCTURAL
    from logsense.parse.records import parser

    words = set(STRUCTURAL)
    for terminal in parser().terminals:
        pattern = terminal.pattern
        if pattern.type == "str":
            words.add(pattern.value)
        elif re.fullmatch(r"[A-Za-z ,]+\??", pattern.value):  # /samples?/, /Invalid loss, terminating training/
            words |= {pattern.value.rstrip("?"), pattern.value.replace("?", "")[:-1]}
    return words


def test_locale_files_translate_into_words_the_grammar_knows() -> None:
    known = _grammar_words()
    assert {"Epoch", "ETA:", "Train on", "did not improve", "samples", "step"} <= known
    for locale in LOCALES:
        assert set(locale.keywords.values()) <= known, (locale.code, set(locale.keywords.values()) - known)


def test_traditional_chinese_is_its_own_locale() -> None:
    run, _ = _one("大紀元1/1 10/10 [====] - 0s - 損失:1.5000 - 驗證損失:1.7000\n")
    assert run.meta["locale"] == "zh_TW"
    assert run.epoch_records == [{"epoch": 1, "loss": 1.5, "val_loss": 1.7, "seconds": 0.0}]


# --------------------------------------------------------------------------- real captures

@pytest.mark.parametrize("framework", ["keras3", "tfkeras"])
def test_real_tty_capture_callbacks(framework: str) -> None:
    raw = (KERAS / framework / "callbacks" / "tty.txt").read_bytes().decode("utf-8")
    runs, unparsed = parse_text(raw)
    (run,) = runs
    kinds = [e.kind for e in run.events]
    assert {"checkpoint", "lr_change", "early_stopping", "restore_weights"} <= set(kinds)
    lr = next(e for e in run.events if e.kind == "lr_change")
    assert lr.value == pytest.approx(0.0005) and lr.epoch == lr.extra["printed_epoch"]
    assert run.meta["format"] == framework
    assert unparsed == []


# --------------------------------------------------------------------------- fast path

def _bar_segments() -> list[str]:
    texts = [f"{s}/30 {'━' * 20} 1s {m}ms/step - accuracy: 0.{s:04d} - loss: {s}.5e-04 - val_loss: nan"
             for s, m in ((1, 3), (30, 45))]
    texts += ["83968/86016 [============================>.] - ETA: 1:02:03 - loss: 0.3499 - acc: -inf",
              "1875/1875 [==============================] - 2s 946us/step - loss: 315.4696 - accuracy: 0.8432",
              "7500/7500 [==============================] - 2s - output: 2.1041 - val_output: 0.0096",
              "5/Unknown ━━━━ 2s 3ms/step - loss: 0.1", "10/10 ━━━━ 1s 10ms/Schritt - Verlust: 0.5",
              "Epoch 3/10", "Epoch 0"]
    for path in sorted(KERAS.glob("*/*/pipe.txt"))[:6]:
        texts += [seg.text for seg in segments(path.read_bytes().decode("utf-8"), table(), redraws=read_redraws)]
    return texts


def test_fast_path_agrees_with_the_grammar() -> None:
    checked = runs = 0
    for text in _bar_segments():
        if text.startswith("\r"):  # a line of redraws: one record per piece segments() would cut
            bars = read_redraws(text)
            assert bars is not None, text
            pieces = [p.rstrip("\b").strip() for p in text.split("\r")]
            expected = [parse_segment(p) for p in pieces if p]
            assert repr([("progress", bar_record(*g)) for g in bars]) == repr(expected), text
            runs += 1
            checked += 1
            continue
        fast = fast_record(text)
        if fast is None:
            continue
        assert repr(fast) == repr(parse_segment(text)), text  # repr: nan == nan
        checked += 1
    assert checked >= 6 and runs >= 1


def test_metric_cut_at_the_screen_edge_is_dropped_not_unparsed() -> None:
    run, unparsed = _one("Epoch 1/1\n50/94 [==============>...............] - ETA: 0s - loss: 61325.9062 - accuracy:\n"
                         "94/94 [==============================] - 1s 3ms/step - loss: 59388.0469 - accuracy: 0.1083\n")
    assert run.step_records == [{"epoch": 1, "step": 50, "total": 94, "eta_seconds": 0.0, "loss": 61325.9062}]
    assert run.series("accuracy").tolist() == [0.1083]
    assert unparsed == []



_PIECES = st.sampled_from([
    " 3/10 [======>.......................] - ETA: 2s - loss: 0.5000 - acc: 0.7500",
    "10/10 [==============================] - 1s 5ms/step - loss: 0.4000 - val_loss: nan",
    " 4/30 ━━━━━━━━━━━━━━━━━━━━ 1s 45ms/step - accuracy: 0.5000 - loss: 0.9000",
    "30/30 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.9000 - loss: 0.2000",
    "", "   ", "\b\b\b", " \t", "Epoch 2/5", "7/10 [====>...] - ETA: 1s - Verlust: 0.3",
    "5/10 [===>....] - ETA: 1s - pérdida: 0.3", "5/10 [===>....] - ETA: 1s - loss: 0.3\b\bxy",
    "5/10 [===>....] - ETA: 1s - loss: 0.3\x0b", "so the loss went to 0.3", "5/10 [=>..] - ETA: 1s - loss:",
    "10/10 [=====] - 1s 10ms/fortnight - loss: 0.5", "5/Unknown ━━━━ 2s 3ms/step - loss: 0.1",
    "10/10 ━━━━ 1s 10ms/Schritt - Verlust: 0.5",
])


def _described(result) -> str:
    runs, unparsed = result
    return repr(([(r.epoch_records, r.step_records, r.meta, [(e.kind, e.line, e.value) for e in r.events])
                  for r in runs], unparsed))


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.lists(st.tuples(_PIECES, st.integers(0, 3)), min_size=1, max_size=6),
                      min_size=1, max_size=6))
def test_a_line_of_redraws_read_at_once_reads_as_piece_by_piece(lines: list[list[tuple[str, int]]]) -> None:
    # segments() reads a line of \r redraws in one scan when every piece is a bar update;
    # with that shortcut switched off, every piece goes through the general path.
    text = "Epoch 1/5\n" + "\n".join("".join("\r" + piece + "\b" * erase for piece, erase in line)
                                     for line in lines) + "\n"
    at_once = parse_text(text)
    with mock.patch.object(stream, "read_redraws", return_value=None):
        piece_by_piece = parse_text(text)
    assert _described(at_once) == _described(piece_by_piece)


def test_a_counter_too_long_for_int_in_a_line_of_redraws_is_reported_not_raised() -> None:
    huge = "9" * 5000
    runs, unparsed = parse_text(f"Epoch 1/5\n\r{huge}/10 [==>...] - ETA: 1s - loss: 0.5"
                                "\r 3/10 [==>...] - ETA: 1s - loss: 0.4\n")
    assert [(s["step"], s["loss"]) for s in runs[0].step_records] == [(3, 0.4)]
    assert [line for line, _ in unparsed] == [2]


def test_an_unknown_unit_in_a_line_of_redraws_is_read_as_a_step() -> None:
    runs, unparsed = parse_text("Epoch 1/5\n\r 3/10 [==>...] - ETA: 1s - loss: 0.4"
                                "\r10/10 [=====] - 1s 10ms/fortnight - loss: 0.5\n")
    assert [(s["step"], s["loss"]) for s in runs[0].step_records] == [(3, 0.4)]
    assert runs[0].epoch_records == [{"epoch": 1, "loss": 0.5, "seconds": 1.0}] and unparsed == []
