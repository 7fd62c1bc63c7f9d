"""`logsense scan`: one row per run, the same table locally, in a process pool and on Dask."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from logsense.scan import COLUMNS, scan, scan_file

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))


def _canon(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["file", "run"], na_position="first").reset_index(drop=True)


def test_rows_follow_runs(tmp_path):
    table = scan([str(ROOT / "fixtures" / "seeds" / "*.txt")], jobs=1)
    assert list(table.columns) == COLUMNS
    assert set(table["file"]) == {str(p) for p in SEEDS}
    for path in SEEDS:
        from logsense import parse
        n_runs = len(parse(path).runs)
        assert (table["file"] == str(path)).sum() == max(n_runs, 1)


def test_bad_file_is_a_row_not_a_crash(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    rows = scan_file(str(junk))
    assert len(rows) == 1 and rows[0]["error"]


def test_process_pool_equals_serial():
    serial = scan([str(p) for p in SEEDS], jobs=1)
    pooled = scan([str(p) for p in SEEDS], jobs=2)
    pd.testing.assert_frame_equal(_canon(serial), _canon(pooled))


def test_dask_local_cluster_equals_local():
    distributed = pytest.importorskip("distributed")
    local = scan([str(p) for p in SEEDS], jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = scan([str(p) for p in SEEDS], dask_address=cluster.scheduler_address)
    pd.testing.assert_frame_equal(_canon(local), _canon(remote))


def test_cli_writes_csv(tmp_path):
    out = tmp_path / "table.csv"
    proc = subprocess.run([sys.executable, "-m", "logsense", "scan", str(ROOT / "fixtures" / "seeds" / "*.txt"),
                           "--jobs", "1", "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert set(table["file"]) == {str(p) for p in SEEDS}


def test_file_without_a_log_says_so_and_run_numbers_stay_integers(tmp_path):
    config = ROOT / "fixtures" / "keras" / "keras3" / "healthy" / "meta.json"
    table = scan([str(SEEDS[3]), str(config)], jobs=1)
    assert str(table["run"].dtype) == "Int64" and str(table["epochs"].dtype) == "Int64"
    logs = table[table["file"] == str(SEEDS[3])]
    assert logs["run"].tolist() == [0, 1] and logs["error"].isna().all()
    (row,) = table[table["file"] == str(config)].to_dict("records")
    assert pd.isna(row["run"]) and row["epochs"] == 0
    assert row["error"] == "no Keras training output or predictions recognised"
    predictions_only = scan([str(SEEDS[1])], jobs=1)  # seed 001: predictions, no runs
    assert predictions_only["error"].isna().all() and predictions_only["top_cause"].tolist() == ["collapse_to_mean"]
