"""The renderer writes what real Keras printed: checked line by line against the captures."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import keras_catalog as catalog
import pandas as pd
import pytest

from logsense.log import Run
from logsense.parse.render import FORMATS, format_value, printed_value, render, render_log
from logsense.parse.structured import run_from_history

ROOT = Path(__file__).resolve().parent.parent


SCENARIOS = catalog.scenario_dirs()
#: Timings differ from run to run; everything else must match character for character.
_TIME = re.compile(r"\b\d+(?:us|ms|s)\b")
#: Lines the renderer writes (callback messages and partial updates are not its job here).
_EPOCH_HEADER = re.compile(r"^Epoch \d+/\d+$")
_FINAL_BAR = re.compile(r"^\s*(\d+)/\1 (?:\[|━|- )")


def _expected_and_rendered(folder: Path, capture: str, history: str, verbose: int) -> tuple[list[str], list[str]]:
    real = (folder / capture).read_text(encoding="utf-8")
    wanted = [_TIME.sub("T", line.rstrip()) for line in real.splitlines()
              if _EPOCH_HEADER.match(line) or _FINAL_BAR.match(line)]
    total = int(re.search(r"^\s*(\d+)/\1 ", real, re.M).group(1))
    declared = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["setup"]["epochs"]
    runs = []
    for h in catalog.histories(folder / history):
        run = run_from_history(h)
        run.meta["declared_epochs"] = declared
        runs.append(run)
    fmt = "keras3" if folder.parent.name == "keras3" else "tfkeras"
    text = render_log(runs, fmt, verbose, steps_per_epoch=total)
    return wanted, [_TIME.sub("T", line) for line in text.splitlines()]


@pytest.mark.parametrize("folder", SCENARIOS, ids=catalog.case_id)
def test_verbose1_matches_the_real_final_screen(folder: Path) -> None:
    wanted, rendered = _expected_and_rendered(folder, "screen.txt", "history.tty.json", 1)
    assert rendered == wanted


@pytest.mark.parametrize("folder", SCENARIOS, ids=catalog.case_id)
def test_verbose2_matches_the_real_output(folder: Path) -> None:
    wanted, rendered = _expected_and_rendered(folder, "verbose2.txt", "history.verbose2.json", 2)
    assert rendered == wanted


@pytest.mark.parametrize(("x", "text"), [
    (257.61449, "257.6145"), (0.0011, "0.0011"), (1e-3, "1.0000e-03"), (3.51934e-4, "3.5193e-04"),
    (-0.5, "-0.5000"), (0.0, "0.0000e+00"), (1e6, "1000000.0000"),
    (math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"),
])
def test_values_are_formatted_as_the_progress_bar_does(x: float, text: str) -> None:
    assert format_value(x) == text
    assert printed_value(x) == float(text) or math.isnan(x)


def test_keras0_counts_epochs_from_zero_with_a_train_on_header() -> None:
    text = render([{"loss": 0.69, "val_loss": 0.7}, {"loss": 0.5, "val_loss": 0.6}], "keras0",
                  steps_per_epoch=7500, seconds=2)
    assert text.splitlines() == [
        "Train on 7500 samples, validate on 2500 samples",
        "Epoch 0",
        "7500/7500 [==============================] - 2s - loss: 0.6900 - val_loss: 0.7000",
        "Epoch 1",
        "7500/7500 [==============================] - 2s - loss: 0.5000 - val_loss: 0.6000",
    ]


def test_verbose2_layouts_of_the_older_formats() -> None:
    records = [{"epoch": 1, "loss": 0.25}]
    assert render(records, "keras1", 2, seconds=3).splitlines()[-1] == "3s - loss: 0.2500"
    assert render(records, "keras2", 2, seconds=3).splitlines()[-1] == " - 3s - loss: 0.2500"


def test_keras3_sorts_metrics_and_puts_validation_and_callback_logs_last() -> None:
    record = {"loss": 1.0, "val_loss": 2.0, "learning_rate": 0.01, "accuracy": 0.5, "val_accuracy": 0.25}
    line = render([record], "keras3", steps_per_epoch=30).splitlines()[1]
    names = re.findall(r"(\w+): ", line)
    assert names == ["accuracy", "loss", "val_accuracy", "val_loss", "learning_rate"]
    tf_line = render([record], "tfkeras", steps_per_epoch=30).splitlines()[1]
    assert re.findall(r"(\w+): ", tf_line) == list(record)  # tf.keras keeps the logs' order


def test_a_dataframe_and_a_csvlogger_run_render_with_their_own_epochs() -> None:
    df = pd.DataFrame({"epoch": [1, 2], "loss": [0.5, 0.25]})
    assert render(df, "keras2").splitlines()[1::2] == ["Epoch 1/2", "Epoch 2/2"]
    csv_run = Run(epoch_records=[{"epoch": 0, "loss": 1.0}, {"epoch": 1, "loss": 0.5}],
                  meta={"format": "csvlogger", "epoch_base": 0})
    assert [ln for ln in render(csv_run, "tfkeras").splitlines() if ln.startswith("Epoch")] == \
        ["Epoch 1/2", "Epoch 2/2"]


def test_steps_are_written_as_carriage_return_rewrites() -> None:
    run = Run(epoch_records=[{"epoch": 1, "loss": 0.5}],
              step_records=[{"epoch": 1, "step": 1, "total": 8, "eta_seconds": 8.0, "loss": 0.83}])
    line = render(run, "tfkeras", steps_per_epoch=8, seconds=1, include_steps=True).split("\n")[1]
    assert line == ("1/8 [==>...........................] - ETA: 8s - loss: 0.8300\r"
                    "8/8 [==============================] - 1s 125ms/step - loss: 0.5000")


def test_locale_spells_keywords_and_metrics_from_the_tables() -> None:
    text = render([{"loss": 2.0, "val_loss": 3.0, "accuracy": 0.5}], "keras2", locale="es")
    assert "Época 1/1" in text and "pérdida: 2.0000" in text and "val_pérdida: 3.0000" in text
    assert "Entrenar en 100 muestras" in text


@pytest.mark.parametrize("bad", [{"fmt": "keras9"}, {"verbose": 0}, {"locale": "xx"}])
def test_unknown_options_are_refused_clearly(bad: dict) -> None:
    with pytest.raises(ValueError, match="keras9|verbose|xx"):
        render([{"loss": 1.0}], **bad)


def test_every_format_renders_every_epoch() -> None:
    records = [{"loss": float(i)} for i in range(1, 4)]
    for fmt in FORMATS:
        for verbose in (1, 2):
            assert render(records, fmt, verbose).count("loss: ") == 3
