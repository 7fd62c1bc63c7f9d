"""parse(render(series)) gives the series back, as printed, in every format, verbose style and locale."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import logsense
from logsense.log import Run
from logsense.parse.locales import table
from logsense.parse.render import FORMATS, printed_value, render, render_log

ROOT = Path(__file__).resolve().parent.parent
LOCALES = sorted({"en", *(loc.code for loc in table().locales)})
#: The parser tells these apart only by details the bars share, so any of them is a fair reading.
_SAME_BARS = {"keras1": {"keras1", "keras2"}, "keras2": {"keras2", "tfkeras"}}
METRICS = ["loss", "acc", "accuracy", "mae", "dense_1_loss", "learning_rate"]

values = st.one_of(
    st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)


@st.composite
def series(draw: st.DrawFn) -> list[dict[str, float]]:
    train = draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=3, unique=True))
    names = train + [f"val_{m}" for m in train if draw(st.booleans())]
    names = names[:4]
    n = draw(st.integers(min_value=1, max_value=30))
    return [{name: draw(values) for name in names} for _ in range(n)]


#: Locales whose tables translate the ``step`` of ``946us/step`` (``10ms/Schritt``).
STEP_WORD = sorted(loc.code for loc in table().locales if "step" in loc.keywords.values())
OTHER = [code for code in LOCALES if code not in STEP_WORD]

CASES = [pytest.param(fmt, verbose, group, id=f"{fmt}-v{verbose}-{group}")
         for fmt in FORMATS for verbose in (1, 2) for group in ("step", "other")]


def _epoch_lines(text: str) -> list[str]:
    """The text without the ``Train on`` header (parsers may weigh it differently)."""
    lines = text.splitlines()
    return lines[1:] if lines and not lines[0][:1].isdigit() and "/" not in lines[0] else lines


def _check(records: list[dict[str, float]], fmt: str, verbose: int, locale: str) -> None:
    text = render(records, fmt, verbose, locale)
    log = logsense.parse(text)
    assert len(log.runs) == 1, text
    run = log.runs[0]
    assert not log.unparsed, log.unparsed
    assert len(run.epoch_records) == len(records), text
    first = 0 if fmt == "keras0" else 1
    assert run.epoch_numbers().tolist() == list(range(first, first + len(records)))
    assert run.meta["format"] in _SAME_BARS.get(fmt, {fmt})
    assert run.meta["verbose"] == verbose
    # Languages that share every word of the epoch lines (es/pt "Época") cannot be told
    # apart there; any one whose spelling gives the same epoch lines is a right answer.
    detected = run.meta["locale"]
    assert detected == locale or _epoch_lines(render(records, fmt, verbose, detected)) == _epoch_lines(text)
    assert sorted(run.metrics) == sorted(records[0]), text
    for name in records[0]:
        want = [printed_value(r[name]) for r in records]
        np.testing.assert_array_equal(run.series(name), np.array(want), err_msg=f"{name}\n{text}")


@pytest.mark.parametrize(("fmt", "verbose", "locales"), CASES)
def test_parse_gives_back_the_rendered_series(fmt: str, verbose: int, locales: str) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records=series(), locale=st.sampled_from(STEP_WORD if locales == "step" else OTHER))
    def round_trip(records: list[dict[str, float]], locale: str) -> None:
        _check(records, fmt, verbose, locale)

    round_trip()


@settings(max_examples=25, deadline=None)
@given(runs=st.lists(series(), min_size=2, max_size=3), fmt=st.sampled_from(FORMATS))
def test_several_runs_in_one_text_come_back_split(runs: list[list[dict[str, float]]], fmt: str) -> None:
    # Runs of one epoch each print `Epoch 1/1` like a `for ...: model.fit(x, y, epochs=1)` loop, which the
    # parse joins into one training (tests/test_parse_shapes.py): not a case of several runs.
    assume(sum(len(r) == 1 for r in runs) < 2)
    log = logsense.parse(render_log(runs, fmt, 1))
    assert [len(r.epoch_records) for r in log.runs] == [len(r) for r in runs]
    for run, records in zip(log.runs, runs):
        name = next(iter(records[0]))
        np.testing.assert_array_equal(run.series(name), [printed_value(r[name]) for r in records])


@st.composite
def run_with_steps(draw: st.DrawFn) -> Run:
    """Epochs with a few progress updates each (running means, a count, an ETA), as a capture holds them."""
    records = draw(series())
    total = draw(st.integers(min_value=2, max_value=2000))
    steps = []
    for epoch, record in enumerate(records, start=1):
        for step in sorted(draw(st.sets(st.integers(1, total - 1), min_size=1, max_size=3))):
            eta = float(draw(st.integers(0, 59)))
            steps.append({"epoch": epoch, "step": step, "total": total, "eta_seconds": eta,
                          **{name: draw(values) for name in record}})
    return Run(epoch_records=[{"epoch": i, **r} for i, r in enumerate(records, start=1)],
               step_records=steps, meta={"steps_per_epoch": total})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=run_with_steps(), fmt=st.sampled_from(["keras1", "tfkeras", "keras3"]), locale=st.sampled_from(OTHER))
def test_progress_updates_come_back_as_steps(run: Run, fmt: str, locale: str) -> None:
    text = render(run, fmt, 1, locale, include_steps=True)
    [parsed] = logsense.parse(text).runs
    got = parsed.step_records
    assert [(s["epoch"], s["step"], s["total"], s["eta_seconds"]) for s in got] == \
        [(s["epoch"], s["step"], s["total"], s["eta_seconds"]) for s in run.step_records]
    for name in run.metrics:
        np.testing.assert_array_equal([s[name] for s in got], [printed_value(s[name]) for s in run.step_records])


def _seed003_losses() -> list[float]:
    # The first run of seed 003 as its post prints it (10 epochs of an SGD fit).
    return [257.6145, 47.6329, 8.8073, 1.6285, 0.3011, 0.0557, 0.0103, 0.0019, 3.5193e-04, 6.5076e-05]


def test_seed003_series_in_chinese_reads_like_the_post_and_parses_back() -> None:
    records = [{"loss": x} for x in _seed003_losses()]
    text = render(records, "keras2", 1, "zh", steps_per_epoch=10)
    assert "大纪元 1/10" in text and "损失: 257.6145" in text and "损失: 3.5193e-04" in text
    assert "loss" not in text
    post = (next((ROOT / "fixtures" / "seeds").glob("003_*.txt"))).read_text(encoding="utf-8")
    assert "大纪元" in post and "损失" in post  # the spellings the renderer used are the post's own
    [run] = logsense.parse(text).runs
    assert run.meta["locale"] == "zh"
    assert run.series("loss").tolist() == _seed003_losses()
