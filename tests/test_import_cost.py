"""Parsing does not load the diagnosis: ``import logsense`` and ``logsense.parse`` leave the
detectors, the causes and scipy.stats (about 0.9 s of imports) for ``diagnose``; and a diagnosis
loads neither scipy.stats, scipy.ndimage nor pandas (the detectors' tests are closed forms in
`logsense.detect.significance`, checked here against scipy's to 1e-12). No timing here
(benchmarks/cold_start.py prints the cold start); what is checked is which modules got loaded."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import logsense
from logsense.detect import significance

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seeds" / "003_9c859962b7b1f775.txt"
HEAVY = ("scipy.stats", "logsense.detect", "logsense.causes", "logsense.report")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_parse_and_its_json_do_not_load_the_diagnosis():
    assert _loaded_after(f"import logsense\nlog = logsense.parse({str(SEED)!r})\nlog.to_dict(); log.runs[1].epochs") == []


def test_the_cli_parse_command_does_not_load_the_diagnosis():
    code = f"from logsense.cli import main\nmain(['parse', {str(SEED)!r}, '--json'])"
    assert _loaded_after(code) == []


def test_lazy_names_are_the_real_classes():
    from logsense.causes.base import Cause, Replay
    from logsense.report import Report

    assert (logsense.Cause, logsense.Replay, logsense.Report) == (Cause, Replay, Report)
    assert {"Cause", "Replay", "Report", "parse", "diagnose"} <= set(dir(logsense))
    assert isinstance(logsense.diagnose(SEED), logsense.Report)
    with pytest.raises(AttributeError, match="NoSuchThing"):
        logsense.NoSuchThing  # noqa: B018


#: What a cold ``diagnose`` must not import (issue 16: 1.5 s cold start, half of it scipy.stats).
NOT_FOR_A_DIAGNOSIS = ("scipy.stats", "scipy.ndimage", "scipy.optimize", "pandas", "pyarrow")


def _loaded(code: str, names: tuple[str, ...]) -> list[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps([m for m in {names!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def test_a_diagnosis_loads_neither_scipy_stats_nor_pandas():
    code = f"import logsense\nreport = logsense.diagnose({str(SEED)!r})\nreport.to_text(); report.to_dict()"
    assert _loaded(code, NOT_FOR_A_DIAGNOSIS) == []


def test_the_cli_diagnose_command_loads_neither_scipy_stats_nor_pandas():
    code = f"from logsense.cli import main\nmain(['diagnose', {str(SEED)!r}, '--json'])"
    assert _loaded(code, NOT_FOR_A_DIAGNOSIS) == []


#: Stdlib modules a terminal's cold ``diagnose`` has no use for: --version's metadata, the resource
#: readers (and their zipfile), the TOML reader behind a warm locale cache, html's entity tables.
NOT_FOR_A_TERMINAL = ("importlib.metadata", "zipfile", "tomllib", "html")


def test_the_cli_diagnose_command_loads_no_module_it_does_not_use(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGSENSE_CACHE_DIR", str(tmp_path))
    code = f"from logsense.cli import main\nmain(['diagnose', {str(SEED)!r}])"
    assert "tomllib" in _loaded(code, NOT_FOR_A_TERMINAL)  # the first run reads the locale files
    assert _loaded(code, NOT_FOR_A_TERMINAL) == []


def test_a_table_still_loads_pandas_when_asked_for():
    code = f"import logsense\nlogsense.parse({str(SEED)!r}).runs[0].epochs"
    assert _loaded(code, ("pandas",)) == ["pandas"]


# -- the closed forms give scipy.stats' p-values ---------------------------------------------------

def _curves() -> list[np.ndarray]:
    """Real loss curves (every seed's runs) and noisy made-up ones with ties and trends."""
    curves = [run.series(metric) for path in sorted(SEED.parent.glob("*.txt"))
              for run in logsense.parse(path).runs for metric in run.metrics]
    rng = np.random.default_rng(16)
    for n in (3, 5, 12, 33, 34, 60, 250):
        curves += [rng.normal(size=n).cumsum(), np.round(rng.normal(size=n), 1), 0.01 * np.arange(n)
                   + rng.standard_t(3, size=n), rng.integers(0, 3, size=n).astype(float)]
    return [c[np.isfinite(c)] for c in curves if np.isfinite(c).sum() >= 3]


def test_closed_form_p_values_equal_scipy_stats_to_1e_12():
    from scipy import stats

    checked = 0
    for y in _curves():
        t = np.arange(y.size, dtype=float)
        half = y.size // 2
        pairs = [(significance.kendalltau(t, y, alternative=a).pvalue, stats.kendalltau(t, y, alternative=a).pvalue)
                 for a in ("greater", "less", "two-sided")]
        pairs += [(significance.ttest_1samp(y, 0.1, alternative=a).pvalue,
                   stats.ttest_1samp(y, 0.1, alternative=a).pvalue) for a in ("greater", "two-sided")]
        pairs.append((significance.ttest_ind(y[half:], y[:half], equal_var=False, alternative="less").pvalue,
                      stats.ttest_ind(y[half:], y[:half], equal_var=False, alternative="less").pvalue))
        changes = int(np.sum(np.diff(np.sign(np.diff(y))) != 0))
        pairs.append((significance.binomtest(changes, y.size - 1, 0.5, alternative="greater").pvalue,
                      stats.binomtest(changes, y.size - 1, 0.5, alternative="greater").pvalue))
        ours, theirs = significance.theilslopes(y, t, alpha=0.9), stats.theilslopes(y, t, alpha=0.9)
        pairs += list(zip(ours, theirs))
        for width in (3, 4, 7):
            size = min(width, y.size)
            pairs.append((0.0, float(np.max(np.abs(significance.median_filter(y, size=size) -
                                                     __import__("scipy.ndimage").ndimage.median_filter(
                                                         y, size=size, mode="nearest"))))))
        for mine, scipys in pairs:
            assert (np.isnan(mine) and np.isnan(scipys)) or abs(mine - scipys) <= 1e-12, (y.size, mine, scipys)
            checked += 1
    assert checked > 500
    for q in (1e-12, 0.005, 0.025, 0.5, 0.95):
        assert abs(significance.norm.ppf(q) - stats.norm.ppf(q)) <= 1e-12
        assert abs(significance.norm.sf(q * 10 - 5) - stats.norm.sf(q * 10 - 5)) <= 1e-15
