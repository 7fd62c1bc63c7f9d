"""Whole posts through `logsense.diagnose`: parser, context, detectors and causes together."""
from __future__ import annotations

from pathlib import Path

import pytest

import logsense
from logsense.causes.base import fmt

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def _diagnose(prefix: str):
    return logsense.diagnose(next(SEEDS.glob(f"{prefix}_*.txt")))


def _ids(report) -> list[str]:
    return [c.cause for c in report.causes]


def test_seed000_l2_penalty():
    report = _diagnose("000")
    top = report.causes[0]
    assert top.cause == "l2_penalty_in_loss" and top.runs == [0] and top.confirmed
    assert top.replay.params["penalty_at_init"] == pytest.approx(2.30, abs=0.01)


def test_seed001_collapse():
    report = _diagnose("001")
    assert _ids(report)[0] == "collapse_to_mean"
    assert not report.causes[0].confirmed


def test_seed002_instability_then_gap_causes():
    report = _diagnose("002")
    ids = _ids(report)
    assert ids[0] == "optimizer_instability"
    assert {"l2_penalty_in_loss", "dropout_gap"} <= set(ids)
    assert not any(c.confirmed for c in report.causes)


def test_seed003_lr_too_high_replay_with_printed_weight():
    report = _diagnose("003")
    top = report.causes[0]
    assert top.cause == "lr_too_high" and top.runs == [1] and top.confirmed
    assert top.replay.max_rel_error <= 1e-3
    assert top.replay.extra.get("observed_final_weight") == pytest.approx(-68.71629333)
    assert top.replay.extra["final_weight"] == pytest.approx(-68.716, rel=1e-3)
    assert fmt(top.replay.params["max_stable_lr"], 2) == "0.0081"


def test_seed004_saturated_logits():
    report = _diagnose("004")
    ids = _ids(report)
    assert ids[0] == "saturated_logits" and report.causes[0].confirmed
    assert "loss_activation_mismatch" in ids


def test_report_json_has_replays():
    doc = _diagnose("003").to_dict()
    assert doc["causes"][0]["replay"]["confirmed"] is True
    assert len(doc["causes"][0]["replay"]["predicted"]) == 10
