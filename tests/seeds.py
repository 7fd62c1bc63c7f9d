"""The five seed posts as tests and benchmarks know them: their files and their truth.

`TRUTH` is ``fixtures/seeds/truth.json``: what each post prints, typed from the
seed text (never from the parser), and what logsense must find in it. `log`
builds a seed's runs from those printed numbers alone, so the detector and
cause tests do not depend on the parser; the parser tests check the same
numbers come out of the text.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from logsense.log import Log, Prediction, Run

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
TRUTH: dict[str, Any] = {k: v for k, v in json.loads((SEEDS / "truth.json").read_text("utf-8")).items()
                         if not k.startswith("_")}
PREFIXES = sorted(TRUTH)


def path(prefix: str) -> Path:
    """The seed post's file."""
    return SEEDS / TRUTH[prefix]["file"]


def series(prefix: str, run: int, metric: str) -> list[float]:
    """A printed per-epoch series of a seed run."""
    return list(TRUTH[prefix]["runs"][run]["series"][metric])


def log(prefix: str, with_context: bool = True) -> Log:
    """The seed's runs (and pasted arrays) built from the printed numbers, with the meta the parser gives."""
    truth = TRUTH[prefix]
    runs = []
    for index, spec in enumerate(truth["runs"]):
        names = list(spec["series"])
        records = [{"epoch": e, **{m: spec["series"][m][i] for m in names}} for i, e in enumerate(spec["epochs"])]
        context = dict(spec.get("context", {})) if with_context else {}
        runs.append(Run(index=index, epoch_records=records, context=context, meta=dict(truth["meta"][index])))
    if truth.get("steps"):
        runs[0].step_records = [dict(s) for s in truth["steps"]]
    predictions = [Prediction(line=1, values=np.array(p["values"]), elided=p["elided"])
                   for p in truth.get("predictions", [])]
    return Log(runs=runs, predictions=predictions)


def findings(prefix: str) -> list[tuple[str, str, int | None]]:
    """The findings logsense must report: (symptom, metric or source, run)."""
    return [tuple(f) for f in TRUTH[prefix]["findings"]]  # type: ignore[misc]


def causes(prefix: str) -> list[tuple[str, str]]:
    """The causes logsense must list, the top one first: (cause, replay status)."""
    return [tuple(c) for c in TRUTH[prefix]["causes"]]  # type: ignore[misc]
