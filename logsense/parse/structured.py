"""Structured training records: Keras ``CSVLogger`` files and ``History`` dumps.

`read_structured` is tried on every text before the console-log grammar, so it
rejects anything else after a glance at the first characters; it only commits
when the whole text has the structured shape (a forum post that merely contains
JSON, such as a model config, is left to the grammar).

Epoch numbers: a CSVLogger file keeps its own ``epoch`` column (Keras writes it
0-based) and says so with ``meta["epoch_base"] = 0``; a history dict has no
epoch numbers, so its records are numbered as the progress bars print them,
from 1 (``meta["epoch_base"] = 1``).
"""
from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..log import Run

__all__ = ["read_structured", "run_from_history"]

#: A CSV header field: a metric name as Keras logs it.
_FIELD = re.compile(r"[A-Za-z_][\w./-]*\Z")
#: Separators CSVLogger accepts (``csv`` needs one character); the common ones.
_SEPARATORS = ",;\t|"
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
               "-infinity": -math.inf}


def read_structured(text: str) -> list[Run] | None:
    """The runs of a CSVLogger file or a history JSON dump, or None if ``text`` is neither."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        return None
    if body[0] in "{[":
        return _read_history_json(body)
    if body[:5].lower() == "epoch":
        return _read_csvlogger(body)
    return None


def run_from_history(history: Any, index: int = 0) -> Run:
    """A `Run` from ``History.history`` (metric -> per-epoch values), or a ``History`` object.

    Lists may differ in length (a metric logged only on some epochs); an epoch
    record holds the metrics that have a value for it.
    """
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a history dict, got {type(data).__name__}")
    columns = {str(k): _values(v) for k, v in data.items() if str(k) != "epoch"}
    n = max((len(v) for v in columns.values()), default=0)
    records: list[dict[str, Any]] = []
    for i in range(n):
        record: dict[str, Any] = {"epoch": i + 1}
        for name, values in columns.items():
            if i < len(values):
                record[name] = _number(values[i])
        records.append(record)
    meta = {"format": "history", "verbose": None, "locale": "en", "declared_epochs": None,
            "epoch_base": 1}
    return Run(index=index, epoch_records=records, meta=meta)


def _read_history_json(body: str) -> list[Run] | None:
    if body.rstrip()[-1:] not in ("}", "]"):
        return None
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    items = doc if isinstance(doc, list) else [doc]
    histories = [_history_dict(item) for item in items]
    if not histories or any(h is None for h in histories):
        return None
    return [run_from_history(h, index=i) for i, h in enumerate(histories)]


def _history_dict(item: Any) -> dict[str, list[Any]] | None:
    """``item`` as metric -> values if it is a history (or ``{"history": ...}``), else None."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("history"), dict):
        item = item["history"]
    if not item:
        return None
    metrics = {k: v for k, v in item.items() if k != "epoch"}
    if not metrics or not all(isinstance(v, list) and all(_is_number(x) for x in v) for v in metrics.values()):
        return None
    if not any(metrics.values()):
        return None
    return metrics


def _read_csvlogger(body: str) -> list[Run] | None:
    header = body[:body.find("\n")] if "\n" in body[:4096] else body[:4096]
    header = header.rstrip("\r")
    sep = header[5:6]
    if sep not in _SEPARATORS or not header[:5] == "epoch":
        return None
    rows = list(csv.reader(body.splitlines(), delimiter=sep))
    names = [n.strip() for n in rows[0]]
    if len(names) < 2 or len(set(names)) != len(names) or not all(_FIELD.match(n) for n in names):
        return None
    records: list[dict[str, Any]] = []
    for row in rows[1:]:
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            return None
        record: dict[str, Any] = {}
        for name, cell in zip(names, row):
            if cell.strip() == "NA":  # CSVLogger's mark for a metric this epoch did not log
                continue
            value = _cell(cell)
            if value is _BAD:
                return None
            record[name] = value
        epoch = record.get("epoch")
        if not isinstance(epoch, float) or not epoch.is_integer():
            return None
        record["epoch"] = int(epoch)
        records.append(record)
    if not records:
        return None
    # CSVLogger(append=True) adds each later fit below the first, epochs from 0 again.
    runs: list[list[dict[str, Any]]] = []
    for record in records:
        if not runs or record["epoch"] <= runs[-1][-1]["epoch"]:
            runs.append([])
        runs[-1].append(record)
    meta = {"format": "csvlogger", "verbose": None, "locale": "en", "declared_epochs": None,
            "epoch_base": 0}
    return [Run(index=i, epoch_records=recs, meta=dict(meta)) for i, recs in enumerate(runs)]


_BAD = object()


def _cell(cell: str) -> Any:
    """A CSV cell as a float; an array value (``[1, 2]``) or an empty cell as NaN."""
    text = cell.strip()
    if not text or text.startswith("["):
        return math.nan
    try:
        return float(text)
    except ValueError:
        return _NON_FINITE.get(text.lower(), _BAD)


def _values(v: Any) -> list[Any]:
    """Per-epoch values of one metric: a list, a numpy array, or a lone scalar."""
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence) and not hasattr(v, "__len__"):
        return [v]
    try:
        return list(v)
    except TypeError:  # a 0-d numpy array
        return [v]


def _is_number(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    if x is None or isinstance(x, (int, float)):
        return True
    return isinstance(x, str) and x.lower() in _NON_FINITE


def _number(x: Any) -> float:
    if x is None:
        return math.nan
    if isinstance(x, str):
        return _NON_FINITE.get(x.lower(), math.nan)
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan
