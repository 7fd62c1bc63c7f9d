"""The casebook's detector results end to end: seed files -> logsense.parse -> logsense.diagnose.

The same checks on hand-typed numbers live in test_detect_seed_values.py; these
add the parser (and, for 004, the context it reads from the pasted code).
"""
from __future__ import annotations

import pytest
import seeds

import logsense

N = {prefix: seeds.TRUTH[prefix]["numbers"] for prefix in seeds.PREFIXES}
ALARMING = {"divergence", "nan", "jump", "oscillation", "overfitting", "loss_out_of_range", "plateau"}



def report(prefix: str):
    return logsense.diagnose(logsense.parse(seeds.path(prefix)))


def of(rep, symptom: str, run: int | None = None):
    return [f for f in rep.findings if f.symptom == symptom and (run is None or f.run == run)]


def test_002_jump_at_934_in_loss_and_val_loss():
    rep = report("002")
    jumps = {f.metric: f for f in of(rep, "jump")}
    assert {"loss", "val_loss"} <= set(jumps)
    for metric in ("loss", "val_loss"):
        f = jumps[metric]
        assert f.start_epoch == N["002"]["jump_epoch"] and f.stats["direction"] == "up"
        assert f.stats["recovered"] is False


def test_003_divergence_only_in_run_1():
    rep = report("003")
    (div,) = of(rep, "divergence")
    assert div.run == 1 and round(div.stats["growth_factor"], 4) == N["003"]["growth_factor"]
    assert not {f.symptom for f in rep.run_findings[0]} & ALARMING


def test_000_gap_in_run_0_only():
    rep = report("000")
    gaps = of(rep, "train_val_gap")
    assert [g.run for g in gaps] == [0] and gaps[0].metric == "output"


def test_004_out_of_range_and_lr_scaled_no_divergence():
    rep = report("004")
    assert {f.run for f in of(rep, "loss_out_of_range") if f.metric == "loss"} == {0, 1}
    (scaled,) = of(rep, "lr_scaled_loss")
    assert scaled.stats["runs"] == [0, 1]
    loss = [seeds.series("004", run, "loss")[0] for run in (0, 1)]
    assert scaled.stats["first_epoch_ratio"] == pytest.approx(loss[1] / loss[0], rel=1e-4)
    assert scaled.stats["first_epoch_ratio"] == pytest.approx(N["004"]["first_epoch_ratio"], rel=1e-4)
    if scaled.stats["lr_ratio"] is not None:  # when the context reader found both learning rates
        assert scaled.stats["lr_ratio"] == pytest.approx(N["004"]["lr_ratio"])
    assert not of(rep, "divergence")


def test_001_collapse_from_the_pasted_array():
    (f,) = of(report("001"), "collapse")
    assert f.stats["ratio"] < 0.02 and f.stats["shape"][1] == 5
