"""The unexplained fallback and the healthy verdict beside a broken run, on real forum posts."""
from __future__ import annotations

from pathlib import Path

import logsense

POSTS = Path(__file__).resolve().parent.parent / "fixtures" / "real_posts" / "posts"


def _post(stem: str) -> logsense.Report:
    return logsense.diagnose(next(POSTS.glob(f"{stem}_*.txt")))


def test_a_plateau_no_cause_explains_is_unexplained_with_what_to_check():
    report = _post("p003")  # loss and accuracy frozen from epoch 2, no set-up in the post
    assert [f.symptom for f in report.findings] == ["plateau"]
    top = report.top_cause
    assert top.cause == "unexplained" and top.runs == [0]
    assert "plateau in loss" in top.evidence and "np.bincount(y)" in top.fix
    assert top.confidence < 0.5 and top.replay is None


def test_every_run_with_a_finding_has_a_cause():
    for path in sorted(POSTS.glob("*.txt")):
        report = logsense.diagnose(path)
        for run in report.log.runs:
            if report.run_findings.get(run.index):
                covered = {r for c in report.causes for r in c.runs} | (
                    {run.index} if any(not c.runs for c in report.causes) else set())
                assert run.index in covered, (path.name, run.index)


def test_a_healthy_control_run_ranks_below_the_broken_run():
    report = _post("p031")  # run 0 trains, run 1 (fine-tuning with SGD lr 0.01) goes NaN
    assert report.top_cause.cause == "lr_too_high" and report.top_cause.runs == [1]
    healthy = next(c for c in report.causes if c.cause == "healthy")
    assert healthy.runs == [0] and "another run of this paste" in healthy.evidence
