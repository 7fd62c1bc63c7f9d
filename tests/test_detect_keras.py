"""Real Keras runs (fixtures/keras/<framework>/<scenario>/): each shows what its meta.json says.

The histories Keras returned (history.json) are turned into runs directly, so
these tests check the detectors on real training numbers whatever the parser's
state; the meta's set-up (loss, learning rate) is passed as the run's context,
as `diagnose(..., **overrides)` would. Healthy scenarios must get no findings.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import logsense
from logsense.detect import detect_log, detect_run
from logsense.log import Log, Run

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "keras"
CASES = sorted(p.parent for p in ROOT.glob("*/*/meta.json"))
#: Symptoms found across runs or in predictions, checked on the whole log; the run-level
#: symptoms must be exactly the expected ones.
LOG_LEVEL = {"lr_scaled_loss", "collapse"}


def runs_of(case: Path, meta: dict[str, Any]) -> list[Run]:
    hist = json.loads((case / "history.json").read_text())
    hists = hist if isinstance(hist, list) else [hist]
    setup = meta.get("setup", {})
    runs = []
    for i, h in enumerate(hists):
        lr = setup.get("lr")
        context = {"loss": setup.get("loss"), "lr": lr[i] if isinstance(lr, list) else lr}
        n = len(h["loss"])
        records = [{"epoch": e + 1, **{k: _num(v[e]) for k, v in h.items() if k not in ("learning_rate", "lr")}}
                   for e in range(n)]
        # What the bars print as "Epoch 1/<declared>", which the parser records.
        meta_run = {"declared_epochs": setup["epochs"]} if setup.get("epochs") else {}
        runs.append(Run(index=i, epoch_records=records, meta=meta_run,
                        context={k: v for k, v in context.items() if v is not None}))
    return runs


def _num(v: Any) -> float:
    return float(v)  # "nan"/"inf" strings in the JSON become floats too


def check(meta: dict[str, Any], per_run: dict[int, list], log_found: list) -> None:
    """The run-level symptoms are exactly the expected ones; cross-run ones are present."""
    every = {f.symptom for fs in per_run.values() for f in fs} | {f.symptom for f in log_found}
    expected = set(meta["expected_symptoms"])
    run_meta = meta.get("runs", [])
    if any("expected_symptoms" in r for r in run_meta):  # sweeps: one expectation per run
        for r in run_meta:
            got = {f.symptom for f in per_run[r["index"]]}
            assert got == set(r["expected_symptoms"]), f"run {r['index']} (lr {r.get('lr')}): {got}"
    elif not expected:
        assert every == set(), f"healthy capture got {sorted(every)}"
    else:
        run_level = {f.symptom for fs in per_run.values() for f in fs}
        assert run_level == expected - LOG_LEVEL, f"expected {sorted(expected)}, got {sorted(every)}"
        assert expected & LOG_LEVEL <= every


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_keras_history_shows_its_symptoms(case: Path):
    meta = json.loads((case / "meta.json").read_text())
    runs = runs_of(case, meta)
    per_run = {r.index: detect_run(r) for r in runs}
    check(meta, per_run, detect_log(Log(runs=runs), per_run))


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_keras_printed_log_shows_its_symptoms(case: Path):
    """The same through the parser, from what a user would paste (the set-up given as context)."""
    meta = json.loads((case / "meta.json").read_text())
    log = logsense.parse(case / "pasted.txt")
    assert len(log.runs) == meta["n_runs"]
    for run, from_history in zip(log.runs, runs_of(case, meta)):
        run.context = {**run.context, **from_history.context}
    report = logsense.diagnose(log)
    check(meta, report.run_findings, report.log_findings)
