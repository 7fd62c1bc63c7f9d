"""API keyword overrides reach every run's context and are marked as overrides."""
from __future__ import annotations

from pathlib import Path

import logsense

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def test_lr_override_is_marked_and_reaches_every_run():
    text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    report = logsense.diagnose(text, lr=0.005)
    assert report.log.runs, "seed 003 has runs"
    for run in report.log.runs:
        assert run.context["lr"] == 0.005
        assert run.context["lr_source"] == "override"


def test_none_overrides_leave_the_text_context_alone():
    text = next(SEEDS.glob("003_*.txt")).read_text(encoding="utf-8")
    plain = logsense.diagnose(text)
    same = logsense.diagnose(text, lr=None, batch_size=None)
    assert [r.context for r in plain.log.runs] == [r.context for r in same.log.runs]
