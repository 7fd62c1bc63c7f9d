"""The committed Keras captures are complete, well-formed and say what they claim.

These tests read the fixture files with nothing but json and re, so they hold
whatever state the parser is in.
"""
from __future__ import annotations

import math
import re

import keras_catalog as catalog
import numpy as np
import pytest

CAPTURES, FIXTURES, FRAMEWORKS = catalog.CAPTURES, catalog.FIXTURES, catalog.FRAMEWORKS
as_printed, case_id, histories, load_json = catalog.as_printed, catalog.case_id, catalog.histories, catalog.load_json

SYMPTOMS = {"divergence", "nan", "jump", "plateau", "oscillation", "overfitting", "train_val_gap",
            "loss_out_of_range", "lr_scaled_loss", "collapse"}
CAUSES = {"lr_too_high", "l2_penalty_in_loss", "saturated_logits", "loss_activation_mismatch",
          "collapse_to_mean", "optimizer_instability", "dropout_gap", "healthy",
          "memorization"}  # added after the contract's first list, shown by the overfitting captures
FILES = [*CAPTURES, catalog.CSV_LOG, "history.json", "history.tty.json", "history.verbose2.json", "meta.json"]
DIRS = catalog.scenario_dirs()


def test_both_frameworks_cover_the_same_scenarios() -> None:
    names = {fw: sorted(p.name for p in DIRS if p.parent.name == fw) for fw in FRAMEWORKS}
    assert len(names["keras3"]) >= 10
    assert names["keras3"] == names["tfkeras"]


def test_readme_lists_every_scenario() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for name in {p.name for p in DIRS}:
        assert f"`{name}`" in readme, name


def test_total_size_stays_small() -> None:
    total = sum(f.stat().st_size for f in FIXTURES.rglob("*") if f.is_file())
    assert total < 5_000_000


@pytest.mark.parametrize("folder", DIRS, ids=case_id)
def test_every_file_is_there(folder) -> None:
    for name in FILES:
        assert (folder / name).is_file(), name
        assert (folder / name).stat().st_size > 0, name


@pytest.mark.parametrize("folder", DIRS, ids=case_id)
def test_meta_describes_the_run(folder) -> None:
    meta = load_json(folder / "meta.json")
    assert meta["scenario"] == folder.name and meta["framework"] == folder.parent.name
    assert set(meta["expected_symptoms"]) <= SYMPTOMS
    assert set(meta["expected_causes"]) <= CAUSES
    assert meta["versions"].get("keras" if meta["framework"] == "keras3" else "tf_keras")
    for key in ("optimizer", "lr", "batch_size", "epochs", "loss", "data"):
        assert key in meta["setup"], key
    runs = histories(folder / "history.json")
    assert meta["n_runs"] == len(runs) == len(meta["runs"])
    for run_meta, hist in zip(meta["runs"], runs):
        assert run_meta["epochs_run"] == len(hist["loss"])
        for key in ("expected_symptoms", "expected_causes"):
            assert set(run_meta.get(key, [])) <= (SYMPTOMS if "symptoms" in key else CAUSES)
    if folder.name.startswith("scalar"):
        for run_meta in meta["runs"]:
            assert run_meta["initial_weight"] == 0.5
            assert math.isfinite(run_meta["final_weight"])


@pytest.mark.parametrize("folder", DIRS, ids=case_id)
def test_histories_are_well_formed_and_agree(folder) -> None:
    """Three trainings per scenario (one per capture) learn the same numbers up to float round-off."""
    reference = histories(folder / "history.json")
    for name in ("history.tty.json", "history.verbose2.json"):
        other = histories(folder / name)
        assert len(other) == len(reference)
        for a, b in zip(reference, other):
            assert a.keys() == b.keys() and "loss" in a
            for key in a:
                assert len(a[key]) == len(a["loss"]) == len(b[key])
                np.testing.assert_allclose(a[key], b[key], rtol=2e-3, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("folder", DIRS, ids=case_id)
def test_captures_keep_what_each_medium_keeps(folder) -> None:
    tty = (folder / "tty.txt").read_bytes()
    pipe = (folder / "pipe.txt").read_bytes()
    pasted = (folder / "pasted.txt").read_bytes()
    screen = (folder / "screen.txt").read_bytes() + (folder / "screen80.txt").read_bytes()
    assert b"\r\n" in tty  # the pty's output processing
    assert b"\b" in pipe and b"\r" in pipe  # Keras rewrites lines even into a pipe
    assert not re.search(rb"[\b\r\x1b]", pasted)
    assert not re.search(rb"[\b\r\x1b]", screen)
    assert b"\x1b[" in tty if folder.parent.name == "keras3" else True  # Keras 3 colours its bars


_V2_LINE = re.compile(r"^\s*\d+/\d+ - .*$", re.M)
_PAIR = re.compile(r"([A-Za-z_][\w]*): (-?(?:\d+\.\d+(?:e[-+]\d+)?|nan|inf))")


@pytest.mark.parametrize("folder", DIRS, ids=case_id)
def test_verbose2_lines_print_the_history(folder) -> None:
    """An independent reading of the verbose=2 capture: every epoch line shows history's values."""
    text = (folder / "verbose2.txt").read_text(encoding="utf-8")
    lines = _V2_LINE.findall(text)
    runs = histories(folder / "history.verbose2.json")
    expected = [(hist, i) for hist in runs for i in range(len(hist["loss"]))]
    assert len(lines) == len(expected)
    verbose2_rule = 2 if folder.parent.name == "keras3" else 1
    for line, (hist, i) in zip(lines, expected):
        printed = {k: float(v) for k, v in _PAIR.findall(line)}
        assert printed.keys() == hist.keys(), line
        for key, value in printed.items():
            want = as_printed(hist[key][i], verbose2_rule)
            assert value == want or (math.isnan(value) and math.isnan(want)), (line, key)


@pytest.mark.parametrize("folder", DIRS, ids=case_id)
def test_csvlogger_holds_the_history(folder) -> None:
    """CSVLogger writes full-precision values; runs appended to one file restart at epoch 0."""
    runs = histories(folder / "history.json")
    logged = catalog.csv_runs(folder / catalog.CSV_LOG)
    assert len(logged) == len(runs)
    for hist, csv_run in zip(runs, logged):
        for key, values in hist.items():
            np.testing.assert_allclose(csv_run[key], values, rtol=1e-6, err_msg=key)  # lr: float32 vs float64
        for key in csv_run.keys() - hist.keys():  # columns Keras adds without data
            assert np.isnan(csv_run[key]).all(), key
