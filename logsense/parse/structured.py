"""Structured training records: Keras ``CSVLogger`` files and ``History`` dumps.

`read_structured` is tried on every text before the console-log grammar, so it
rejects anything else after a glance at the first characters; it only commits
when the whole text has the structured shape (a forum post that merely contains
JSON, such as a model config, is left to the grammar).

Epoch numbers are the ones Keras prints for the same run, from 1 (``meta["epoch_base"] = 1``),
so a CSVLogger file and the console capture of one run name the same epoch in every finding
and fix ("keep the weights of epoch 3"): a CSVLogger file's ``epoch`` column counts from 0
(Keras passes its 0-based index), so its records are its column plus one, and
``meta["csv_epoch_base"] = 0`` says the file's own column was shifted; a history dict has no
epoch numbers, so its records are numbered as the progress bars print them.

Damage is tolerated where the shape is unmistakable, and said in ``warnings``:
a history's keys that are not per-epoch lists (``"lr": 0.01``) are left out, a
CSV row that is not numbers is skipped, an integer too large for a float reads
as infinity; JSON nested deeper than `MAX_DEPTH` is not a history.
"""
from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..log import Run

__all__ = ["read_embedded_csvlogger", "read_structured", "run_from_history"]

#: A CSV header field: a metric name as Keras logs it.
_FIELD = re.compile(r"[A-Za-z_][\w./-]*\Z")
#: Separators CSVLogger accepts (``csv`` needs one character); the common ones.
_SEPARATORS = ",;\t|"
#: Brackets a history JSON may nest (``[{"history": {"loss": [...]}}]`` is 4).
MAX_DEPTH = 32
_BRACKETS = re.compile(r"[\[\]{}]")
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
               "-infinity": -math.inf}


def read_structured(text: str, warnings: list[str] | None = None) -> list[Run] | None:
    """The runs of a CSVLogger file or a history JSON dump, or None if ``text`` is neither.

    ``warnings``, when given, receives what was left out of a structured text that was read.
    """
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        return None
    notes: list[str] = []
    runs = None
    if body[0] in "{[":
        runs = _read_history_json(body, notes)
    elif body[:5].lower() == "epoch":
        runs = _read_csvlogger(body, notes)
    if runs is not None and warnings is not None:
        warnings.extend(notes)
    return runs


_CSV_HEADER = re.compile(r"^[ \t]*epoch[,;\t|][^\n]*$", re.MULTILINE)
_CSV_ROW = re.compile(r"[ \t]*[-+]?\d")


def read_embedded_csvlogger(text: str, warnings: list[str] | None = None) -> list[Run] | None:
    """The runs of a CSVLogger file pasted inside other text (a comment or a question above it), or None.

    The file is the first line that is a CSVLogger header and the rows of numbers under it, blank lines
    between them allowed; it ends at the first other line. Each run's ``meta["start_line"]`` is the
    header's line.
    """
    m = _CSV_HEADER.search(text)
    if m is None:
        return None
    lines = text[m.start():].split("\n")
    end = 1
    while end < len(lines) and (not lines[end].strip() or _CSV_ROW.match(lines[end])):
        end += 1
    notes: list[str] = []
    runs = _read_csvlogger("\n".join(line.strip() for line in lines[:end]), notes)
    if not runs:
        return None
    first = text.count("\n", 0, m.start()) + 1
    for run in runs:
        run.meta["start_line"] = first
    if warnings is not None:
        warnings.extend(notes)
        warnings.append(f"the CSVLogger file pasted at line {first} was read")
    return runs


def run_from_history(history: Any, index: int = 0, warnings: list[str] | None = None) -> Run:
    """A `Run` from ``History.history`` (metric -> per-epoch values), or a ``History`` object.

    Lists may differ in length (a metric logged only on some epochs); an epoch
    record holds the metrics that have a value for it. A value too large for a
    float reads as +-inf (``warnings`` says so).
    """
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a history dict, got {type(data).__name__}")
    columns = {str(k): _values(v) for k, v in data.items() if str(k) != "epoch"}
    n = max((len(v) for v in columns.values()), default=0)
    records: list[dict[str, Any]] = []
    overflow: list[str] = []
    for i in range(n):
        record: dict[str, Any] = {"epoch": i + 1}
        for name, values in columns.items():
            if i < len(values):
                value = _number(values[i])
                if name not in overflow and math.isinf(value) and _is_huge_int(values[i]):
                    overflow.append(name)
                record[name] = value
        records.append(record)
    if overflow and warnings is not None:
        warnings.append(f"history: a value of {', '.join(overflow)} is an integer too large for a float; "
                        f"read as infinity")
    meta = {"format": "history", "verbose": None, "locale": "en", "declared_epochs": None,
            "epoch_base": 1}
    return Run(index=index, epoch_records=records, meta=meta)


def _read_history_json(body: str, notes: list[str]) -> list[Run] | None:
    if body.rstrip()[-1:] not in ("}", "]") or _too_deep(body):
        return None
    try:
        # Integers are read as floats: a 5,000-digit one is inf, not an error (float() has no digit limit).
        huge: list[str] = []
        doc = json.loads(body, parse_int=lambda digits: _json_int(digits, huge))
    except (ValueError, RecursionError):
        return None
    if huge:
        notes.append(f"history: {len(huge)} integer(s) too large for a float (the first has {len(huge[0]):,} "
                     f"digits) read as infinity")
    items = doc if isinstance(doc, list) else [doc]
    histories = [_history_dict(item, notes) for item in items]
    if not histories or any(h is None for h in histories):
        return None
    return [run_from_history(h, index=i, warnings=notes) for i, h in enumerate(histories)]


def _json_int(digits: str, huge: list[str]) -> float:
    value = float(digits)
    if math.isinf(value):
        huge.append(digits.lstrip("-"))
    return value


def _too_deep(body: str) -> bool:
    """Whether brackets nest past `MAX_DEPTH` (a history nests 4): json.loads recurses per level."""
    depth = 0
    for m in _BRACKETS.finditer(body):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif depth:
            depth -= 1
    return False


def _history_dict(item: Any, notes: list[str]) -> dict[str, list[Any]] | None:
    """``item`` as metric -> values if it is a history (or ``{"history": ...}``), else None.

    Keys whose values are not lists of numbers (``"lr": 0.01``, ``"params": {...}``)
    are left out, with a note, when at least one key is a per-epoch list.
    """
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("history"), dict):
        item = item["history"]
    if not item:
        return None
    metrics = {k: v for k, v in item.items() if k != "epoch" and isinstance(v, list) and v
               and all(_is_number(x) for x in v)}
    if not metrics:
        return None
    others = [str(k) for k in item if k != "epoch" and k not in metrics]
    if others:
        shown = ", ".join(repr(k) for k in others[:5]) + (", ..." if len(others) > 5 else "")
        notes.append(f"history: {len(others)} key(s) that are not per-epoch lists of numbers were left out: "
                     f"{shown}")
    return metrics


def _read_csvlogger(body: str, notes: list[str]) -> list[Run] | None:
    header = body[:body.find("\n")] if "\n" in body[:4096] else body[:4096]
    header = header.rstrip("\r")
    sep = header[5:6]
    if sep not in _SEPARATORS or header[:5] != "epoch":
        return None
    try:
        rows = list(csv.reader(body.splitlines(), delimiter=sep))
    except csv.Error:  # a field past csv's size limit, a NUL: not a CSVLogger file
        return None
    names = [n.strip() for n in rows[0]]
    if len(names) < 2 or len(set(names)) != len(names) or not all(_FIELD.match(n) for n in names):
        return None
    records: list[dict[str, Any]] = []
    bad: list[int] = []  # 1-based row numbers (the header is row 1)
    for number, row in enumerate(rows[1:], 2):
        if not row or all(not cell.strip() for cell in row):
            continue
        record = _csv_record(names, row)
        if record is None:
            bad.append(number)
        else:
            records.append(record)
    if not records or len(bad) >= len(records):  # mostly not numbers: some other table, or prose
        return None
    if bad:
        notes.append(f"CSV: {len(bad)} row(s) that are not an epoch of numbers were skipped "
                     f"(row {', '.join(map(str, bad[:5]))}{', ...' if len(bad) > 5 else ''})")
    # CSVLogger(append=True) adds each later fit below the first, epochs from 0 again.
    runs: list[list[dict[str, Any]]] = []
    for record in records:
        if not runs or record["epoch"] <= runs[-1][-1]["epoch"]:
            runs.append([])
        runs[-1].append(record)
    for recs in runs:  # the file's 0-based column as the console prints the same epoch
        for record in recs:
            record["epoch"] += 1
    meta = {"format": "csvlogger", "verbose": None, "locale": "en", "declared_epochs": None,
            "epoch_base": 1, "csv_epoch_base": 0}
    return [Run(index=i, epoch_records=recs, meta=dict(meta)) for i, recs in enumerate(runs)]


def _csv_record(names: list[str], row: list[str]) -> dict[str, Any] | None:
    """One CSVLogger row as a record, or None when it has the wrong width or a cell that is not a number."""
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
    return record


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
    except OverflowError:  # an int past 1.8e308
        return math.inf if x > 0 else -math.inf
    except (TypeError, ValueError):
        return math.nan


def _is_huge_int(x: Any) -> bool:
    """A Python integer past the float range (a history dict given to the API)."""
    return isinstance(x, int) and not isinstance(x, bool) and abs(x).bit_length() > 1024
