"""The casebook's required detector results, on the seed numbers typed in by hand (fixtures/seeds/truth.json).

test_detect_seeds.py checks the same through logsense.parse on the seed files.
"""
from __future__ import annotations

import json

import pytest
import seeds

import logsense
from logsense.log import jsonable

ALARMING = {"divergence", "nan", "jump", "oscillation", "overfitting", "loss_out_of_range", "plateau"}


def symptoms(findings, run=None):
    return {f.symptom for f in findings if run is None or f.run == run}


def test_002_jump_at_934_in_loss_and_val_loss_without_recovery():
    report = logsense.diagnose(seeds.log("002"))
    jumps = {f.metric: f for f in report.findings if f.symptom == "jump"}
    assert set(jumps) == {"loss", "val_loss"}
    for f in jumps.values():
        assert f.start_epoch == 934
        assert f.stats["epoch"] == 934
        assert f.stats["direction"] == "up"
        assert f.stats["recovered"] is False and f.stats["recovery_epoch"] is None
        assert f.stats["p_value"] < 0.01
        assert f.stats["size_sigma"] > 6
        assert f.stats["after_mean"] > f.stats["before_mean"]
        assert 0.5 < f.confidence <= 1.0
    assert jumps["val_loss"].stats["before_mean"] == pytest.approx(0.2793, abs=5e-4)


def test_002_last_batch_of_epoch_934_already_jumped():
    """De-averaging the 83968/86016 running mean: the last 2048 samples of epoch 934 averaged
    (86016*0.3664 - 83968*0.3650)/2048 = 0.4238, the post-jump level, so the shift happened
    at the very end of epoch 934."""
    (f,) = [f for f in logsense.diagnose(seeds.log("002")).findings if f.symptom == "jump" and f.metric == "loss"]
    assert f.stats["deaveraged"] is True
    first, last = f.stats["onset_epoch_segments"]
    assert first["steps"] == [0, 83968] and first["mean"] == pytest.approx(0.3650)
    assert last["steps"] == [83968, 86016]
    assert last["mean"] == pytest.approx((86016 * 0.3664 - 83968 * 0.3650) / 2048, abs=1e-4)
    assert last["mean"] == pytest.approx(0.4238, abs=5e-4) and last["error"] < 0.01


def test_002_gap_between_train_and_val():
    gaps = [f for f in logsense.diagnose(seeds.log("002")).findings if f.symptom == "train_val_gap"]
    assert len(gaps) == 1 and gaps[0].stats["ratio"] == pytest.approx(1.27, abs=0.02)


def test_003_run1_diverges_with_growth_2_1609_and_run0_is_clean():
    report = logsense.diagnose(seeds.log("003"))
    assert not (symptoms(report.run_findings[0]) & ALARMING)
    (div,) = [f for f in report.run_findings[1] if f.symptom == "divergence"]
    assert round(div.stats["growth_factor"], 4) == 2.1609
    lo, hi = div.stats["growth_ci"]
    assert lo <= 2.1609 <= hi and hi / lo < 1.001
    assert div.stats["r2"] > 0.999
    assert div.stats["n_epochs"] == 10
    assert (div.start_epoch, div.end_epoch) == (1, 10)
    assert div.confidence > 0.99


def test_000_gap_on_run0_only():
    report = logsense.diagnose(seeds.log("000"))
    (gap,) = [f for f in report.run_findings[0] if f.symptom == "train_val_gap"]
    assert gap.metric == "output"
    assert gap.stats["ratio"] > 100
    assert gap.stats["first_gap"] == pytest.approx(2.1041 - 0.0096, abs=1e-6)
    assert "train_val_gap" not in symptoms(report.run_findings[1])


@pytest.mark.parametrize("with_context", [True, False])
def test_004_out_of_range_and_lr_scaled_loss(with_context):
    report = logsense.diagnose(seeds.log("004", with_context))
    out = [f for f in report.findings if f.symptom == "loss_out_of_range"]
    assert {(f.run, f.metric) for f in out} >= {(0, "loss"), (1, "loss")}
    first = next(f for f in out if f.run == 0 and f.metric == "loss")
    assert first.stats["value"] == pytest.approx(315.4696)
    assert first.stats["bound"] == pytest.approx(16.118, abs=1e-3)
    assert first.stats["loss_fn_inferred"] is (not with_context)
    (scaled,) = [f for f in report.log_findings if f.symptom == "lr_scaled_loss"]
    assert scaled.stats["runs"] == [0, 1]
    assert scaled.stats["first_epoch_ratio"] == pytest.approx(931.754 / 315.4696, rel=1e-4)
    assert 2.9 < scaled.stats["loss_ratio"] < 3.05
    assert scaled.stats["acc_diff"] < 0.005
    assert scaled.stats["lr_ratio"] == (pytest.approx(3.0) if with_context else None)


def test_004_is_not_divergent():
    assert "divergence" not in symptoms(logsense.diagnose(seeds.log("004")).findings)


def test_001_collapse():
    (f,) = logsense.diagnose(seeds.log("001")).findings
    assert f.symptom == "collapse" and f.source == "predictions"
    assert f.stats["ratio"] < 0.02
    assert f.stats["shape"] == [6, 5]
    assert f.stats["between_sample_std"] < 0.005 < 0.1 < f.stats["between_column_std"]


@pytest.mark.parametrize("prefix", seeds.PREFIXES)
def test_reports_are_strict_json(prefix):
    doc = logsense.diagnose(seeds.log(prefix)).to_dict()
    json.dumps(doc, allow_nan=False)
    for run in doc["runs"]:
        for f in run["findings"]:
            assert 0.0 <= f["confidence"] <= 1.0 and f["message"]
    assert jsonable(doc) == doc
