"""HF's ``trainer_state.json`` -> runs, through the same assembler as the Trainer's printed dicts.

``trainer.save_state()`` keeps every dict the Trainer logged, unrounded, in ``log_history``
(bare ``NaN``/``Infinity`` included, which Python's json reads). Each entry goes to
`logsense.parse.rows.RowAssembler` as the printed dict would, so the file and the console
give the same epochs, names and ``meta``; ``meta["source"]`` says which it was.
"""
from __future__ import annotations

import json
import math
from typing import Any

from ..log import Run
from .families import hf_row
from .locales import table
from .rows import RowAssembler
from .segment import Segment


def read_trainer_state(text: str, warnings: list[str] | None = None) -> list[Run] | None:
    """The runs of a ``trainer_state.json`` text, or None if it is not one."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith("{") or '"log_history"' not in body[:200_000]:
        return None
    try:
        state = json.loads(body)
    except (ValueError, RecursionError):
        return None
    history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(history, list):
        return None
    rows = RowAssembler(table())
    skipped = 0
    for line, entry in enumerate(history, start=1):
        entries = [(k, float(v)) for k, v in entry.items() if _number(v)] if isinstance(entry, dict) else []
        if not entries:
            skipped += 1
            continue
        kind, payload = hf_row(entries)
        rows.feed(kind, payload, Segment(json.dumps(entry, allow_nan=True), line))
    runs = rows.finish()
    for run in runs:
        run.meta["source"] = "trainer_state.json"
    if skipped and warnings is not None:
        warnings.append(f"trainer_state.json: {skipped} log_history entr{'y' if skipped == 1 else 'ies'} without "
                        f"numbers were left out")
    return runs


def _number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        float(value)
    except OverflowError:
        return False
    return isinstance(value, float) or not math.isinf(float(value))
