"""Histories printed in a post instead of a console log: a pandas table of ``history.history``, or the dict.

People paste ``pd.DataFrame(history.history)`` (a header of metric names, then one row per
epoch under a 0-based index) or ``print(history.history)`` (``{'loss': [0.52, 0.41], ...}``)
when the console output is gone. `read_tables` finds them in the text around the logs;
`logsense.api.parse` uses them when the text holds no console epochs. Each scan is one pass
of compiled patterns over the text, so any input is read in linear time.
"""
from __future__ import annotations

import math
import re

from ..log import Run
from ..metrics import is_accuracy, is_loss

#: A table header: two or more metric-like names, one of them a loss or an accuracy.
_HEADER = re.compile(r"^[ \t]*((?:[A-Za-z_][\w.]*[ \t]+)+[A-Za-z_][\w.]*)[ \t]*$")
_NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|nan|NaN|inf|-inf)"
#: A row: the 0-based index, then one value per column.
_ROW = re.compile(rf"^[ \t]*(\d+)((?:[ \t]+{_NUMBER})+)[ \t]*$")
#: One entry of a printed history dict: ``'loss': [0.5, 0.4]``.
_ENTRY = re.compile(r"""(['"])([A-Za-z_][\w./]*)\1\s*:\s*\[([^\[\]{}]*)\]""")
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
#: A history dict must hold this many entries at most and its lists this many values at most.
MAX_ENTRIES = 200
MAX_VALUES = 100_000


def _number(text: str) -> float | None:
    text = text.strip()
    low = text.lower()
    if low in _NON_FINITE:
        return _NON_FINITE[low]
    try:
        return float(text)
    except ValueError:
        return None


def _history_run(columns: dict[str, list[float]], line: int, fmt: str, index: int) -> Run:
    n = max(len(v) for v in columns.values())
    records = [{"epoch": i + 1, **{k: v[i] for k, v in columns.items() if i < len(v)}} for i in range(n)]
    meta = {"format": fmt, "verbose": None, "locale": "en", "declared_epochs": None, "epoch_base": 1,
            "start_line": line, "end_line": line + n}
    return Run(index=index, epoch_records=records, meta=meta)


def read_tables(text: str) -> list[Run]:
    """Runs of the history tables and dicts printed in ``text``, in order of appearance.

    Example:
        >>> runs = read_tables("       loss  val_loss\\n0  0.722916  0.510785\\n1  0.494881  0.462166\\n")
        >>> runs[0].epoch_records
        [{'epoch': 1, 'loss': 0.722916, 'val_loss': 0.510785}, {'epoch': 2, 'loss': 0.494881, 'val_loss': 0.462166}]
        >>> read_tables("history: {'loss': [0.9, 0.5], 'accuracy': [0.4, 0.8]}")[0].series("accuracy").tolist()
        [0.4, 0.8]
    """
    found: list[tuple[int, dict[str, list[float]], str]] = []
    found += _pandas_tables(text)
    found += _history_dicts(text)
    found += _notebook_tables(text)
    found.sort(key=lambda f: f[0])
    return [_history_run(columns, line, fmt, i) for i, (line, columns, fmt) in enumerate(found)]


#: The HF Trainer's notebook table (NotebookProgressCallback), pasted as text: `Epoch` (or `Step`) and
#: named columns separated by tabs or runs of spaces, `No log` where no training loss was logged yet.
_NOTEBOOK_HEADER = re.compile(r"^[ \t]*(Epoch|Step)(?:\t[ \t]*| {2,})(Training Loss\b.*)$", re.MULTILINE)
_NOTEBOOK_CELL = re.compile(r"\t[ \t]*| {2,}")
_NOTEBOOK_NAMES = {"training loss": "loss", "validation loss": "val_loss"}


def _notebook_tables(text: str) -> list[tuple[int, dict[str, list[float]], str]]:
    """HF notebook tables: each a header, then rows (blank lines between rows allowed) until a line that is
    not a row. Metrics other than the two losses are the evaluation's: ``val_<name>``."""
    out = []
    for m in _NOTEBOOK_HEADER.finditer(text):
        names = [n.strip() for n in _NOTEBOOK_CELL.split(m.group(2).strip())]
        keys = [_NOTEBOOK_NAMES.get(n.lower(), "val_" + re.sub(r"\W+", "_", n.lower()).strip("_")) for n in names]
        columns: dict[str, list[float]] = {k: [] for k in keys}
        line = text.count("\n", 0, m.start()) + 1
        for row in text[m.end():].split("\n")[1:]:
            if not row.strip():
                continue
            cells = _NOTEBOOK_CELL.split(row.strip())
            if not cells[0].isdigit() or len(cells) != len(keys) + 1:
                break
            for key, cell in zip(keys, cells[1:]):
                value = _number(cell) if cell.strip().lower() != "no log" else math.nan
                columns[key].append(math.nan if value is None else value)
        if columns and any(columns.values()):
            out.append((line, {k: v for k, v in columns.items() if not all(math.isnan(x) for x in v)},
                        "hf_trainer"))
    return out


def _pandas_tables(text: str) -> list[tuple[int, dict[str, list[float]], str]]:
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _HEADER.match(lines[i])
        names = m.group(1).split() if m else []
        if not names or len(set(names)) != len(names) or not any(is_loss(n) or is_accuracy(n) for n in names):
            i += 1
            continue
        rows: list[list[float]] = []
        j = i + 1
        while j < len(lines):
            row = _ROW.match(lines[j])
            if row is None:
                if lines[j].strip() in ("...", "…") or lines[j].strip().startswith(".."):
                    j += 1
                    continue
                break
            values = [_number(v) for v in row.group(2).split()]
            if len(values) != len(names) or any(v is None for v in values) or int(row.group(1)) != len(rows):
                break
            rows.append(values)  # type: ignore[arg-type]
            j += 1
        if len(rows) >= 2:
            out.append((i + 1, {name: [r[k] for r in rows] for k, name in enumerate(names)}, "history_table"))
            i = j
        else:
            i += 1
    return out


def _history_dicts(text: str) -> list[tuple[int, dict[str, list[float]], str]]:
    out = []
    if "[" not in text or ":" not in text:
        return out
    for start in (m.start() for m in re.finditer(r"\{\s*['\"]", text)):
        end = text.find("}", start)
        if end < 0:
            continue
        body = text[start:end]
        columns: dict[str, list[float]] = {}
        for entry in _ENTRY.finditer(body):
            values = [_number(v) for v in entry.group(3).split(",") if v.strip()]
            if not values or len(values) > MAX_VALUES or any(v is None for v in values):
                columns = {}
                break
            columns[entry.group(2)] = values  # type: ignore[assignment]
            if len(columns) > MAX_ENTRIES:
                break
        if columns and any(is_loss(n) or is_accuracy(n) for n in columns):
            out.append((text.count("\n", 0, start) + 1, columns, "history"))
    return out
