"""The parse result: a `Log` holds `Run`s, each a series of epoch and step records.

Records stay plain dicts (cheap to build while parsing, trivial to serialise);
pandas DataFrames are built on demand for people, numpy arrays for the maths.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

#: Keys of an epoch record that are not metrics.
EPOCH_KEYS = ("epoch", "seconds")
#: Keys of a step record that are not metrics.
STEP_KEYS = ("epoch", "step", "total", "eta_seconds", "seconds")


@dataclass
class Event:
    """A callback message: checkpoint, early stopping, learning-rate change, ...

    ``kind`` is one of ``checkpoint``, ``early_stopping``, ``restore_weights``,
    ``lr_change``, ``lr_schedule``, ``terminate_on_nan`` (new kinds may be added).
    ``value`` keeps the event's number (new learning rate, monitored value).
    ``epoch`` is the run's epoch as the bars print it (callbacks that count from
    0 are shifted to match).
    """

    epoch: int | None
    kind: str
    text: str
    value: float | None = None
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {"epoch": self.epoch, "kind": self.kind, "text": self.text, "value": self.value}
        if self.line is not None:
            d["line"] = self.line
        d.update(self.extra)
        return d


@dataclass
class Run:
    """One training run: what one ``model.fit`` printed.

    ``epoch_records``: one dict per epoch, ``{"epoch": 1, "loss": 0.3, "seconds": 2.0, ...}``
    with metric names canonical English. ``step_records``: intra-epoch updates
    (running means as printed). ``meta``: format, verbose, locale,
    declared_epochs, step_unit ("batch"/"sample"), start_line, end_line.
    ``context``: the training set-up that preceded this run in the text.
    """

    index: int = 0
    epoch_records: list[dict[str, Any]] = field(default_factory=list)
    step_records: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def epochs(self) -> pd.DataFrame:
        """One row per epoch: ``epoch``, one float column per metric, ``seconds`` when printed."""
        return _frame(self.epoch_records, ("epoch",), ("seconds",))

    @cached_property
    def steps(self) -> pd.DataFrame:
        """Intra-epoch updates: epoch, step, total, eta_seconds, then metrics."""
        return _frame(self.step_records, ("epoch", "step", "total", "eta_seconds"), ("seconds",))

    @property
    def metrics(self) -> list[str]:
        """Metric names in order of first appearance."""
        return _metric_names(self.epoch_records, EPOCH_KEYS)

    def series(self, metric: str) -> np.ndarray:
        """The metric per epoch as a float array (NaN where an epoch lacks it)."""
        return np.array([_as_float(r.get(metric)) for r in self.epoch_records], dtype=float)

    def epoch_numbers(self) -> np.ndarray:
        return np.array([r.get("epoch", i) for i, r in enumerate(self.epoch_records)], dtype=float)

    def invalidate(self) -> None:
        """Forget cached DataFrames after records were changed in place."""
        self.__dict__.pop("epochs", None)
        self.__dict__.pop("steps", None)

    def to_dict(self) -> dict[str, Any]:
        meta = {k: v for k, v in self.meta.items()}
        return {
            "index": self.index,
            "meta": meta,
            "epochs": [dict(r) for r in self.epoch_records],
            "steps": [dict(r) for r in self.step_records],
            "events": [e.to_dict() for e in self.events],
        }

    def _repr_html_(self) -> str:
        from .display import run_html
        return run_html(self)

    def __repr__(self) -> str:
        m = self.meta
        return (f"Run(index={self.index}, epochs={len(self.epoch_records)}, steps={len(self.step_records)}, "
                f"format={m.get('format')!r}, locale={m.get('locale')!r}, metrics={self.metrics})")


@dataclass
class Prediction:
    """A numeric array pasted in the text, such as a ``model.predict`` printout.

    ``values`` holds the rows that were shown; ``elided`` says whether ``...``
    stood for rows that were not.
    """

    line: int
    values: np.ndarray
    elided: bool = False
    text: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.values.shape)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "shape": list(self.shape), "elided": self.elided,
                "values": self.values.tolist()}


@dataclass
class Log:
    """Everything read from one text: runs in order, plus what surrounded them."""

    runs: list[Run] = field(default_factory=list)
    unparsed: list[tuple[int, str]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    predictions: list[Prediction] = field(default_factory=list)
    #: Problems met while reading (encoding guesses, truncation, ...): messages for people.
    warnings: list[str] = field(default_factory=list)
    #: How the bytes were decoded ("utf-8", "gb18030", ...), when they were bytes.
    encoding: str | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``logsense parse --json`` document (see shared/design/contract.md)."""
        return jsonable({
            "runs": [r.to_dict() for r in self.runs],
            "unparsed": [{"line": n, "text": t} for n, t in self.unparsed],
            "context": self.context,
            "predictions": [p.to_dict() for p in self.predictions],
            "warnings": list(self.warnings),
            "encoding": self.encoding,
        })

    def _repr_html_(self) -> str:
        from .display import log_html
        return log_html(self)

    def __repr__(self) -> str:
        return (f"Log(runs={len(self.runs)}, epochs={[len(r.epoch_records) for r in self.runs]}, "
                f"unparsed={len(self.unparsed)}, predictions={len(self.predictions)})")


def jsonable(obj: Any) -> Any:
    """Make ``obj`` strict JSON: non-finite floats become "nan"/"inf"/"-inf", numpy becomes Python."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _as_float(v: Any) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _metric_names(records: list[dict[str, Any]], skip: tuple[str, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for r in records:
        for k in r:
            if k not in skip:
                seen.setdefault(k, None)
    return list(seen)


def _frame(records: list[dict[str, Any]], first: tuple[str, ...], last: tuple[str, ...]) -> pd.DataFrame:
    metrics = _metric_names(records, first + last)
    present_last = [c for c in last if any(c in r for r in records)]
    cols = list(first) + metrics + present_last
    df = pd.DataFrame.from_records(records, columns=cols) if records else pd.DataFrame(columns=cols)
    for c in metrics + present_last:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df
