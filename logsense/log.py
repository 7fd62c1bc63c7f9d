"""The parse result: a `Log` holds `Run`s, each a series of epoch and step records.

Records stay plain dicts (cheap to build while parsing, trivial to serialise);
pandas DataFrames are built on demand for people, numpy arrays for the maths.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported when a table is first asked for: diagnosis needs only numpy
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

    Example:
        >>> from logsense import parse
        >>> text = "Epoch 1/2\\n1/1 [==] - 0s - loss: 0.5\\nEpoch 00001: ReduceLROnPlateau reducing learning rate to 0.0001.\\n"
        >>> event = parse(text).runs[0].events[0]
        >>> event.kind, event.value
        ('lr_change', 0.0001)
    """

    epoch: int | None
    kind: str
    text: str
    value: float | None = None
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The event as in ``logsense parse --json``; parser extras (monitored metric, ...) included.

        Example:
            >>> Event(epoch=3, kind="early_stopping", text="Epoch 3: early stopping").to_dict()
            {'epoch': 3, 'kind': 'early_stopping', 'text': 'Epoch 3: early stopping', 'value': None}
        """
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
    ``context``: the training set-up that preceded this run in the text. Charts of a run
    are drawn by `logsense.plot.run_chart`.

    Example:
        >>> run = Run(epoch_records=[{"epoch": 1, "loss": 0.5, "val_loss": 0.6}, {"epoch": 2, "loss": 0.25}])
        >>> run
        Run(index=0, epochs=2 [1-2], steps=0, format=None, locale=None, metrics=['loss', 'val_loss'])
    """

    index: int = 0
    epoch_records: list[dict[str, Any]] = field(default_factory=list)
    step_records: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def epochs(self) -> pd.DataFrame:
        """One row per epoch: ``epoch``, one float column per metric, ``seconds`` when printed.

        Example:
            >>> Run(epoch_records=[{"epoch": 1, "loss": 0.5, "seconds": 2.0}, {"epoch": 2, "loss": 0.25}]).epochs
               epoch  loss  seconds
            0      1  0.50      2.0
            1      2  0.25      NaN
        """
        return _frame(self.epoch_records, ("epoch",), ("seconds",))

    @cached_property
    def steps(self) -> pd.DataFrame:
        """Intra-epoch updates: epoch, step, total, eta_seconds, then metrics (running means as printed).

        Example:
            >>> from logsense import parse
            >>> text = "Epoch 1/1\\n1/3 [>.] - ETA: 2s - loss: 0.7\\n2/3 [=>] - ETA: 1s - loss: 0.6\\n3/3 [==] - 1s - loss: 0.5\\n"
            >>> parse(text).runs[0].steps[["step", "total", "loss"]].to_dict("list")  # the last line is the epoch's
            {'step': [1, 2], 'total': [3, 3], 'loss': [0.7, 0.6]}
        """
        return _frame(self.step_records, ("epoch", "step", "total", "eta_seconds"), ("seconds",))

    @property
    def metrics(self) -> list[str]:
        """Metric names in order of first appearance.

        Example:
            >>> Run(epoch_records=[{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.4, "val_loss": 0.6}]).metrics
            ['loss', 'val_loss']
        """
        memo = self.__dict__.get("_memo")
        if memo is None:
            return _metric_names(self.epoch_records, EPOCH_KEYS)
        names = memo.get(METRICS)
        if names is None:
            names = memo[METRICS] = _metric_names(self.epoch_records, EPOCH_KEYS)
        return list(names)

    @property
    def step_metrics(self) -> list[str]:
        """Metric names of the progress updates, in order of first appearance (a paste of a few
        updates has metrics there and no epoch records).

        Example:
            >>> Run(step_records=[{"epoch": 1, "step": 2, "total": 9, "eta_seconds": 3.0, "loss": 0.5}]).step_metrics
            ['loss']
        """
        return _metric_names(self.step_records, STEP_KEYS)

    def series(self, metric: str) -> np.ndarray:
        """The metric per epoch as a float array (NaN where an epoch lacks it).

        Example:
            >>> Run(epoch_records=[{"epoch": 1, "loss": 0.5}, {"epoch": 2, "val_loss": 0.6}]).series("loss").tolist()
            [0.5, nan]
        """
        memo = self.__dict__.get("_memo")
        if memo is None:
            return np.array([_as_float(r.get(metric)) for r in self.epoch_records], dtype=float)
        values = memo.get(metric)
        if values is None:
            values = memo[metric] = np.array([_as_float(r.get(metric)) for r in self.epoch_records], dtype=float)
        return values.copy()  # the caller's own array: some detectors edit theirs in place

    def epoch_numbers(self) -> np.ndarray:
        """Epoch numbers as printed (a resumed run may start at 928), by position where none was printed.

        Example:
            >>> Run(epoch_records=[{"epoch": 928, "loss": 0.35}, {"epoch": 929, "loss": 0.36}]).epoch_numbers().tolist()
            [928.0, 929.0]
        """
        memo = self.__dict__.get("_memo")
        if memo is None:
            return np.array([r.get("epoch", i) for i, r in enumerate(self.epoch_records)], dtype=float)
        epochs = memo.get(EPOCHS)
        if epochs is None:
            epochs = memo[EPOCHS] = np.array([r.get("epoch", i) for i, r in enumerate(self.epoch_records)],
                                             dtype=float)
        return epochs.copy()

    def invalidate(self) -> None:
        """Forget cached DataFrames after records were changed in place.

        Example:
            >>> run = Run(epoch_records=[{"epoch": 1, "loss": 0.5}])
            >>> len(run.epochs)
            1
            >>> run.epoch_records.append({"epoch": 2, "loss": 0.4}); run.invalidate(); len(run.epochs)
            2
        """
        self.__dict__.pop("epochs", None)
        self.__dict__.pop("steps", None)
        memo = self.__dict__.get("_memo")
        if memo is not None:
            memo.clear()

    def to_dict(self) -> dict[str, Any]:
        """The run as in ``logsense parse --json`` (call `jsonable` on it for strict JSON).

        Example:
            >>> Run(index=1, epoch_records=[{"epoch": 1, "loss": 0.5}], meta={"format": "keras3"}).to_dict()
            {'index': 1, 'meta': {'format': 'keras3'}, 'epochs': [{'epoch': 1, 'loss': 0.5}], 'steps': [], 'events': []}
        """
        meta = {k: v for k, v in self.meta.items()}
        return {
            "index": self.index,
            "meta": meta,
            "epochs": [dict(r) for r in self.epoch_records],
            "steps": [dict(r) for r in self.step_records],
            "events": [e.to_dict() for e in self.events],
        }


    def _repr_html_(self) -> str:
        return to_html(self)

    def __repr__(self) -> str:
        m = self.meta
        epochs = self.epoch_numbers()
        span = f" [{epochs[0]:g}-{epochs[-1]:g}]" if epochs.size > 1 else ""
        return (f"Run(index={self.index}, epochs={len(self.epoch_records)}{span}, steps={len(self.step_records)}, "
                f"format={m.get('format')!r}, locale={m.get('locale')!r}, metrics={_few(self.metrics)})")


#: Keys of a run's memo that no metric can have (metric names are strings).
METRICS, EPOCHS = ("metrics",), ("epochs",)


@contextmanager
def memoised(runs: Iterable[Run]) -> Iterator[None]:
    """Within the block, each run builds its series, epoch numbers and metric names once.

    A diagnosis asks for the same series a dozen times per run (every detector and cause reads
    ``run.series("loss")``); rebuilding it from the record dicts each time was an eighth of the
    diagnosis of a log of thousands of short runs. The records must not change inside the block
    (or `Run.invalidate` must be called); each call still returns a fresh array and list, so a
    caller may edit what it got. Nested blocks share the outer block's memo.

    Example:
        >>> run = Run(epoch_records=[{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25}])
        >>> with memoised([run]):
        ...     a = run.series("loss"); a[0] = 9.0; run.series("loss").tolist()
        [0.5, 0.25]
    """
    fresh = [run for run in runs if "_memo" not in run.__dict__]
    for run in fresh:
        run.__dict__["_memo"] = {}
    try:
        yield
    finally:
        for run in fresh:
            run.__dict__.pop("_memo", None)


@dataclass
class Prediction:
    """A numeric array pasted in the text, such as a ``model.predict`` printout.

    ``values`` holds the rows that were shown; ``elided`` says whether ``...``
    stood for rows that were not.

    Example:
        >>> p = Prediction(line=40, values=np.array([[0.2, 0.4], [0.2, 0.4]]))
        >>> p.shape, p.to_dict()["values"]
        ((2, 2), [[0.2, 0.4], [0.2, 0.4]])
    """

    line: int
    values: np.ndarray
    elided: bool = False
    text: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the rows shown, as plain ints.

        Example:
            >>> Prediction(line=1, values=np.zeros((6, 5))).shape
            (6, 5)
        """
        return tuple(int(s) for s in self.values.shape)

    def to_dict(self) -> dict[str, Any]:
        """The array as in ``logsense parse --json``.

        Example:
            >>> Prediction(line=40, values=np.array([[0.5, 0.25]]), elided=True).to_dict()
            {'line': 40, 'shape': [1, 2], 'elided': True, 'values': [[0.5, 0.25]]}
        """
        return {"line": self.line, "shape": list(self.shape), "elided": self.elided,
                "values": self.values.tolist()}


@dataclass
class Log:
    """Everything read from one text: runs in order, plus what surrounded them.

    In Jupyter a `Log` shows as tables (runs with epochs, format and locale; the
    set-up found; pasted arrays); ``repr`` is one line for a terminal.

    Example:
        >>> from logsense import parse
        >>> log = parse("Epoch 1/2\\n1/1 [==] - 0s - loss: 0.5\\nEpoch 2/2\\n1/1 [==] - 0s - loss: 0.25\\n")
        >>> log
        Log(runs=1, epochs=[2], unparsed=0, predictions=0)
        >>> "<table" in log._repr_html_()
        True
    """

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
        """The ``logsense parse --json`` document (see shared/design/contract.md): strict JSON values.

        Example:
            >>> Log(runs=[Run(epoch_records=[{"epoch": 1, "loss": float("nan")}])]).to_dict()["runs"][0]["epochs"]
            [{'epoch': 1, 'loss': 'nan'}]
        """
        return jsonable({
            "runs": [r.to_dict() for r in self.runs],
            "unparsed": [{"line": n, "text": t} for n, t in self.unparsed],
            "context": self.context,
            "predictions": [p.to_dict() for p in self.predictions],
            "warnings": list(self.warnings),
            "encoding": self.encoding,
        })

    def _repr_html_(self) -> str:
        return to_html(self)

    def __repr__(self) -> str:
        source = f", source={self.source!r}" if self.source else ""
        return (f"Log(runs={len(self.runs)}, epochs={_few([len(r.epoch_records) for r in self.runs])}, "
                f"unparsed={len(self.unparsed)}, predictions={len(self.predictions)}{source})")


#: How Jupyter shows the data model: type name -> a function returning HTML. Filled by
#: `logsense.display` (imported by ``logsense/__init__``), so the data model names no consumer.
HTML_RENDERERS: dict[str, Callable[[Any], str]] = {}


def to_html(obj: Any) -> str:
    """The notebook HTML of a `Log`, `Run` or `Report`: its registered renderer, else its repr."""
    render = HTML_RENDERERS.get(type(obj).__name__)
    return render(obj) if render is not None else f"<pre>{escape(repr(obj))}</pre>"


def escape(text: str) -> str:
    """`html.escape`, imported on the first notebook table (a terminal never draws one; html loads
    ~2 ms of entity tables)."""
    from html import escape as html_escape

    return html_escape(text)


def _few(items: list[Any], limit: int = 8) -> str:
    """A list for a repr, cut to its first ``limit`` items: a terminal line, not a dump."""
    if len(items) <= limit:
        return repr(items)
    return repr(items[:limit])[:-1] + f", ... +{len(items) - limit}]"


def jsonable(obj: Any) -> Any:
    """Make ``obj`` strict JSON: non-finite floats become "nan"/"inf"/"-inf", numpy becomes Python.

    Example:
        >>> jsonable({"loss": np.float32(0.5), "val": [float("inf"), np.int64(3)]})
        {'loss': 0.5, 'val': ['inf', 3]}
    """
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
    # Every key in order of first appearance, collected at C speed: the detectors ask for a
    # run's metrics thousands of times on a log of many runs.
    return [k for k in dict.fromkeys(chain.from_iterable(records)) if k not in skip]


def _frame(records: list[dict[str, Any]], first: tuple[str, ...], last: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    metrics = _metric_names(records, first + last)
    present_last = [c for c in last if any(c in r for r in records)]
    cols = list(first) + metrics + present_last
    df = pd.DataFrame.from_records(records, columns=cols) if records else pd.DataFrame(columns=cols)
    for c in metrics + present_last:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df
