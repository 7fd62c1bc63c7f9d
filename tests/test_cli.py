"""The command line a CI job and a terminal user rely on: version, help, exit codes, tables, grouping.

Real inputs only: the seed posts, the real Keras captures (a learning-rate sweep
of four runs in one paste) and the appended CSVLogger files.
"""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from logsense.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {p.name[:3]: p for p in (ROOT / "fixtures" / "seeds").glob("*.txt")}
KERAS = ROOT / "fixtures" / "keras"
SWEEP = KERAS / "keras3" / "scalar_sweep_multi" / "pasted.txt"
HEALTHY = KERAS / "keras3" / "healthy" / "pasted.txt"


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "logsense", *argv], capture_output=True, text=True, timeout=300,
                          check=False)


def test_version_prints_the_installed_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"logsense {version('logsense')}"


def test_help_shows_examples_and_exit_codes(capsys):
    for argv in (["--help"], ["diagnose", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "examples:" in out and "logsense diagnose train.log --fail-on" in out
        assert re.search(r"^\s+1\s+diagnose --fail-on matched", out, re.MULTILINE)
        assert re.search(r"^\s+2\s+unusable input", out, re.MULTILINE)


# ---------------------------------------------------------------- --fail-on

def test_fail_on_a_symptom_the_log_shows_exits_1_and_says_where(capsys):
    assert main(["diagnose", str(SEEDS["003"]), "--fail-on", "divergence"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "logsense: --fail-on matched: divergence in run 1\n"
    assert captured.out.startswith("verdict:")  # the report is still printed


def test_fail_on_a_symptom_or_cause_the_log_lacks_exits_0(capsys):
    assert main(["diagnose", str(SEEDS["003"]), "--fail-on", "nan,memorization"]) == 0
    assert capsys.readouterr().err == ""


def test_fail_on_a_cause_matches_the_top_cause_of_a_run(capsys):
    assert main(["diagnose", str(SEEDS["004"]), "--json", "--fail-on", "saturated_logits"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["verdict"]  # --json output unchanged by the flag
    assert "saturated_logits on run 0, run 1" in captured.err
    # listed below it, but not what any run's problem is: no failure
    assert main(["diagnose", str(SEEDS["004"]), "--fail-on", "loss_activation_mismatch"]) == 0


def test_fail_on_any_fails_a_problem_and_passes_a_healthy_capture(capsys):
    assert main(["diagnose", str(SEEDS["002"]), "--fail-on", "any"]) == 1
    assert main(["diagnose", str(HEALTHY), "--fail-on", "any"]) == 0


def test_fail_on_an_unknown_id_exits_2_listing_the_choices(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["diagnose", str(SEEDS["003"]), "--fail-on", "divergense"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "'divergense' is not a symptom" in err and "divergence" in err and "lr_too_high" in err


def test_fail_on_exit_code_reaches_the_shell():
    result = _cli("diagnose", str(SEEDS["003"]), "--fail-on", "lr_too_high")
    assert result.returncode == 1 and "Traceback" not in result.stderr


# ---------------------------------------------------------------- arguments

@pytest.mark.parametrize("jobs", ["0", "-2", "two", "1.5"])
def test_jobs_must_be_a_positive_whole_number(capsys, jobs):
    with pytest.raises(SystemExit) as stop:
        main(["scan", str(SEEDS["003"]), "--jobs", jobs])
    assert stop.value.code == 2
    assert f"--jobs must be a positive whole number, got '{jobs}'" in capsys.readouterr().err


def test_bad_layer_item_is_quoted(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["diagnose", str(SEEDS["003"]), "--layers", "64,x"])
    assert stop.value.code == 2
    assert "argument --layers: layer sizes must be positive whole numbers, got 'x'" in capsys.readouterr().err


# ---------------------------------------------------------------- scan --out

def test_scan_out_writes_by_extension(capsys, tmp_path):
    csv, parquet = tmp_path / "t.csv", tmp_path / "t.parquet"
    assert main(["scan", str(SEEDS["003"]), "--jobs", "1", "--out", str(csv)]) == 0
    assert main(["scan", str(SEEDS["003"]), "--jobs", "1", "--out", str(parquet)]) == 0
    assert parquet.read_bytes()[:4] == b"PAR1"
    a, b = pd.read_csv(csv), pd.read_parquet(parquet)
    assert a["top_cause"].tolist() == b["top_cause"].tolist() and "lr_too_high" in a["top_cause"].tolist()


@pytest.mark.parametrize("name", ["table.txt", "table", "table.json"])
def test_scan_out_with_an_unknown_extension_is_refused_before_scanning(capsys, tmp_path, name):
    with pytest.raises(SystemExit) as stop:
        main(["scan", str(SEEDS["003"]), "--out", str(tmp_path / name)])
    assert stop.value.code == 2
    assert "--out must end in .parquet, .csv or .xlsx" in capsys.readouterr().err
    assert not (tmp_path / name).exists()


def test_scan_out_xlsx_needs_openpyxl(capsys, tmp_path):
    out = tmp_path / "t.xlsx"
    if importlib.util.find_spec("openpyxl") is None:
        with pytest.raises(SystemExit) as stop:
            main(["scan", str(SEEDS["003"]), "--out", str(out)])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "writing .xlsx needs openpyxl (pip install openpyxl)" in err and err.count("\n") <= 3
        assert not out.exists()
    else:
        assert main(["scan", str(SEEDS["003"]), "--jobs", "1", "--out", str(out)]) == 0
        assert out.read_bytes()[:2] == b"PK"  # a zip container, not CSV under that name
        assert "lr_too_high" in pd.read_excel(out)["top_cause"].tolist()


def test_scan_table_spells_a_missing_value_one_way(capsys):
    # seed 001 has no runs (its row has no run, format or locale); the others have no error
    assert main(["scan", str(SEEDS["001"]), str(SEEDS["003"]), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    for spelling in ("<NA>", "NaN", "None"):
        assert spelling not in out
    row = next(line for line in out.splitlines() if "001_" in line)
    assert "collapse_to_mean" in row


# ---------------------------------------------------------------- the terminal report

def test_identical_causes_across_runs_are_one_entry_listing_the_runs(capsys):
    assert main(["diagnose", str(SEEDS["004"])]) == 0
    out = capsys.readouterr().out
    assert out.count("saturated_logits on runs 0, 1 ") == 1


def test_sweep_runs_are_named_by_their_learning_rate(capsys):
    assert main(["diagnose", str(SWEEP)]) == 0
    out = capsys.readouterr().out
    for i, lr in enumerate(["0.001", "0.005", "0.0081", "0.01"]):
        assert f"run {i} (lr={lr}): " in out
    verdict = out.split("\nrun ")[0]
    assert "Run 3 (lr=0.01): loss diverges x2.161 per epoch" in verdict
    assert "Run 2 (lr=0.0081)" in verdict and "Run 0" not in verdict  # the healthy ones are no problem


def test_many_runs_beyond_a_handful_go_in_a_runs_table(capsys):
    """The seeds' truth file read as a history dump (14 runs): a few in full, the rest one row each."""
    assert main(["diagnose", str(ROOT / "fixtures" / "seeds" / "truth.json")]) == 0
    out = capsys.readouterr().out
    full = re.findall(r"^run \d+.*: (problem|unexplained|healthy|no_data), \d+ epochs", out, re.MULTILINE)
    assert len(full) == 5
    header = next(line for line in out.splitlines() if line.strip().startswith("run  name"))
    assert header.split() == ["run", "name", "format", "epochs", "status", "top", "finding"]
    rows = out.split(header, 1)[1].splitlines()[1:]
    assert sum(1 for r in rows if re.match(r"^\s+\d+\s", r)) == 14 - 5


def test_a_reader_that_leaves_early_is_not_a_traceback():
    """``logsense diagnose log | head``: the pipe is closed before the report is printed."""
    proc = subprocess.Popen([sys.executable, "-m", "logsense", "diagnose", str(SEEDS["004"])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # long before the diagnosis is done: printing it meets a broken pipe
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
