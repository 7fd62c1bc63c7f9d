"""API keyword overrides reach every run's context and are marked as overrides."""
from __future__ import annotations

from pathlib import Path

import pytest

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


L2_ON = Path(__file__).resolve().parent.parent / "fixtures" / "keras" / "keras3" / "l2_on" / "pasted.txt"


def test_layer_sizes_override_sizes_the_l2_penalty():
    """Typed widths become a Dense stack: the penalty at init is the casebook's 1e-3*(113.8 + 512 + 2.0)."""
    assert logsense.diagnose(L2_ON, l2=1e-3).causes[0].cause == "healthy"  # lambda alone cannot size it
    for layers in ("64,512,512,1", "64 -> 512 -> 512 -> 1", [64, 512, 512, 1]):
        report = logsense.diagnose(L2_ON, l2=1e-3, layers=layers)
        top = report.causes[0]
        assert top.cause == "l2_penalty_in_loss" and not top.confirmed
        assert "expected penalty at initialisation 0.628" in top.evidence
        (run,) = report.log.runs
        assert [(l["input_dim"], l["units"]) for l in run.context["layers"]] == [(64, 512), (512, 512), (512, 1)]


@pytest.mark.parametrize("layers, reason", [
    ("64", "at least two layer sizes"), ("64,-5", "got '-5'"), ("64,wide", "got 'wide'"), ([64, 1.5], "got 1.5"),
    ("", "at least two layer sizes")])
def test_bad_layer_sizes_are_refused_with_the_reason(layers, reason):
    with pytest.raises(ValueError, match=reason):
        logsense.diagnose(L2_ON, layers=layers)
