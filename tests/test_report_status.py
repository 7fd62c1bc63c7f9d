"""Run status and verdict: healthy is a status, never beside an open finding; one sentence per problem.

On the seed posts, the real captures and the real public posts (fixtures/real_posts): the
statuses follow their rules on every one of them, and the sentences carry the numbers.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import seeds

import logsense
from logsense.report import Report
from logsense.verdict import RunStatus

ROOT = Path(__file__).resolve().parent.parent
POSTS = sorted((ROOT / "fixtures" / "real_posts" / "posts").glob("*.txt"))
SWEEP = ROOT / "fixtures" / "keras" / "keras3" / "scalar_sweep_multi" / "pasted.txt"
REAL = {"healthy", "unexplained"}


def _rules_hold(report: Report) -> None:
    for run, status in zip(report.log.runs, report.statuses):
        own = report.run_findings.get(run.index, [])
        across = [f for f in report.log_findings if run.index in f.runs or not f.runs]
        real = [c for c in report.causes if c.cause not in REAL and (run.index in c.runs or not c.runs)]
        if own or across:
            assert status is (RunStatus.PROBLEM if real else RunStatus.UNEXPLAINED), (run.index, status)
        else:
            assert status is (RunStatus.NO_DATA if not run.epoch_records else RunStatus.HEALTHY), (run.index, status)
        assert report.status(run.index) is status
    if report.findings and report.causes:
        assert report.causes[0].cause != "healthy" and report.top_cause.cause != "healthy"
    troubled = [s for s in report.statuses if s in (RunStatus.PROBLEM, RunStatus.UNEXPLAINED)]
    assert bool(report.verdict) == bool(troubled or (not report.log.runs and report.findings))


@pytest.mark.parametrize("path", POSTS, ids=lambda p: p.name[:4])
def test_status_rules_hold_on_every_real_post(path):
    _rules_hold(logsense.diagnose(path))


@pytest.mark.parametrize("prefix", seeds.PREFIXES)
def test_status_rules_hold_on_every_seed(prefix):
    _rules_hold(logsense.diagnose(seeds.path(prefix)))


def test_seed003_healthy_control_and_diverging_run():
    report = logsense.diagnose(seeds.path("003"))
    assert report.statuses == [RunStatus.HEALTHY, RunStatus.PROBLEM]
    assert report.verdict == [("Run 1: loss diverges x2.161 per epoch: lr 0.01 is above the stable limit 0.0081; "
                               "lower the learning rate below 2/h = 0.0081 (now 0.01) - confirmed by replay")]


def test_a_wrong_setup_never_makes_the_healthy_control_the_top_cause():
    """Issue 15: seed 003 re-run with lr = 0.004 put `healthy` first beside an open divergence."""
    report = logsense.diagnose(seeds.path("003"), lr=0.004)
    assert report.top_cause.cause == "lr_too_high" and report.causes[-1].cause == "healthy"
    assert report.status(1) is RunStatus.PROBLEM
    (sentence,) = report.verdict
    assert "lr 0.004 is below the stable limit 0.0081" in sentence and sentence.endswith("contradicted by replay")


def test_a_finding_no_real_cause_covers_is_unexplained():
    """Seed 003's own findings with its explaining cause taken away: the divergence stays open."""
    full = logsense.diagnose(seeds.path("003"))
    rest = [c for c in full.causes if c.cause != "lr_too_high"]
    report = Report(log=full.log, run_findings=full.run_findings, log_findings=full.log_findings, causes=rest)
    assert report.statuses == [RunStatus.HEALTHY, RunStatus.UNEXPLAINED]
    assert report.verdict == ["Run 1: loss diverges x2.161 per epoch; no known cause explains it"]


def test_a_run_of_progress_updates_only_has_no_data():
    report = logsense.diagnose(next(p for p in POSTS if p.name.startswith("p014")))
    (run,) = report.log.runs
    assert not run.epoch_records and run.step_records and not report.findings
    assert report.statuses == [RunStatus.NO_DATA] and report.verdict == []


def test_pasted_predictions_get_a_sentence_of_their_own():
    (sentence,) = logsense.diagnose(seeds.path("001")).verdict
    assert sentence.startswith("The pasted predictions: predictions vary 105x less across inputs than across outputs")
    assert sentence.endswith("consistent with a replay (shape, not numbers)")


def test_one_cause_over_two_runs_is_one_sentence():
    (sentence,) = logsense.diagnose(seeds.path("004")).verdict
    assert sentence.startswith("Runs 0 and 1: ") and "unscaled inputs saturate the logits" in sentence


def test_sweep_runs_get_a_sentence_per_symptom_named_by_their_lr():
    report = logsense.diagnose(SWEEP)
    assert report.names == ["lr=0.001", "lr=0.005", "lr=0.0081", "lr=0.01"]
    assert [s.split(":")[0] for s in report.verdict] == ["Run 3 (lr=0.01)", "Run 2 (lr=0.0081)"]
    assert "loss stays flat" in report.verdict[1]
