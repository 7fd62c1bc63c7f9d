"""Numeric arrays pasted in a post: ``model.predict`` printouts, weights, confusion matrices.

numpy prints ``array([[ 0.408,  0.415], ..., [ 0.405,  0.415]], dtype=float32)``
or, through ``print``, ``[[0.1 0.2]\\n [0.3 0.4]]``; ``...`` stands for rows or
columns it left out. Translation sites add their own damage (``- 68.7`` for
``-68.7``).

The scanner is one left-to-right pass with an explicit stack, so any input is
read in linear time: a bracket that turns out not to hold numbers (a progress
bar ``[====]``, a Python list of strings) abandons its open lists, keeps the
lists inside it that had already closed, and the scan goes on from there.
"""
from __future__ import annotations

import re

import numpy as np

from ..log import Prediction

#: One token inside brackets. The sign may be followed by spaces (``- 68.7``) or be
#: the typographic minus (U+2212) that translation and typesetting put in.
_TOKEN = re.compile(
    r"(?P<space>[\s,]+)"
    r"|(?P<num>[-+\u2212]?[ \t]*(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf))"
    r"|(?P<ellipsis>\.\.\.|…)"
)
#: Where an array may start: a bracket followed by a number, a bracket or an ellipsis.
#: Found by one C-level search, so progress bars (``[====]``) cost almost nothing. An
#: ANSI escape (``\x1b[1m``) is not an array: a raw capture holds millions of them, and
#: each would otherwise start a list in the Python loop (the look-behind sits after the
#: ``[`` so the engine still scans for the literal first: 0.01 s on 20 MB, not 0.16 s).
_START = re.compile(r"\[(?<!\x1b\[)(?=[\s,]*(?:[-+\u2212]?[ \t]*[\d.\[…]|nan|inf))")
#: What closes ``array(`` after the brackets: ``)`` or ``, dtype=float32)``.
_ARRAY_END = re.compile(r"[ \t]*(?:,\s*dtype\s*=\s*\w+[ \t]*)?\)")
#: numpy never prints more dimensions than this in practice; deeper is not an array.
_MAX_DIMS = 8


def extract_arrays(text: str) -> list[Prediction]:
    """Every rectangular numeric array in ``text`` (1-D, 1-element and nested alike), in order.

    ``elided`` is set when ``...`` stood for left-out rows or columns; the values
    are the entries that were shown.
    """
    found = _scan(text)
    found.sort(key=lambda f: f[0])
    arrays: list[Prediction] = []
    lines = _LineCounter(text)
    for start, end, items, top_elided in found:
        values, elided = _to_array(items)
        if values is None or values.size == 0:
            continue
        begin = start
        if start >= 6 and text.startswith("array(", start - 6):
            begin = start - 6
            suffix = _ARRAY_END.match(text, end)
            end = suffix.end() if suffix else end
        arrays.append(Prediction(line=lines.at(start), values=values, elided=elided or top_elided,
                                 text=text[begin:end]))
    return arrays


def extract_predictions(text: str) -> list[Prediction]:
    """The arrays numpy printed: ``array(...)`` reprs of any shape, and bare 2-D blocks of 2+ rows.

    That keeps what code printed (``model.predict`` output, a ``get_weights()`` list
    such as ``[array([1.99935019], dtype=float32)]``, whose lone value the
    diagnosis reads as the trained weight) and leaves out the short lists people
    type in prose (``[0.5, 0.5, 0.5]``, a shape ``[2048, 400, 7]``). Detectors
    pick the shapes they need (collapse wants rows x columns).
    """
    try:
        return [p for p in extract_arrays(text)
                if p.text.startswith("array(") or (p.values.ndim == 2 and p.values.shape[0] >= 2)]
    except Exception:  # noqa: BLE001 - a pasted post must never break parsing
        return []


def _scan(text: str) -> list[tuple[int, int, list, bool]]:
    """(start, end, items, saw "...") of every bracketed list of numbers that is not inside another.

    The open lists are three parallel stacks, and a list's items are allocated only
    when it gets one: a megabyte of ``[`` then creates no objects for the garbage
    collector to walk again and again. Items are floats or closed sublists (tuples).
    """
    found: list[tuple[int, int, list, bool]] = []
    starts: list[int] = []
    items: list[list | None] = []
    elided: list[bool] = []

    def abandon() -> None:  # the open lists were not arrays; the lists closed inside them may be
        outer = items[0] if items else None
        if outer and len(outer) >= 2 and all(isinstance(e, tuple) for e in outer):
            # An array cut before its last bracket (`[[0 0 1]` and two more rows, then prose): the rows
            # that closed are the array, as far as it was printed.
            found.append((starts[0], outer[-1][1], outer, True))
            items[0] = None
        for entries in items:
            if entries:
                found.extend(e for e in entries if isinstance(e, tuple))
        starts.clear()
        items.clear()
        elided.clear()

    def add(entry: object) -> None:
        if items[-1] is None:
            items[-1] = []
        items[-1].append(entry)

    pos, n = 0, len(text)
    while pos < n:
        if not starts:
            start = _START.search(text, pos)
            if start is None:
                break
            pos = start.start()
        char = text[pos]
        if char == "[":  # brackets without the regex: they dominate bracket soup
            starts.append(pos)
            items.append(None)
            elided.append(False)
            pos += 1
            continue
        if char == "]":
            done = (starts.pop(), pos + 1, items.pop() or [], elided.pop())
            if starts:
                add(done)
            else:
                found.append(done)
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None:
            abandon()
            pos += 1
            continue
        if m.lastgroup == "num":
            add(_to_float(m.group("num")))
        elif m.lastgroup == "ellipsis":
            elided[-1] = True
        pos = m.end()
    abandon()  # lists still open at the end of the text
    return found


def _to_float(token: str) -> float:
    return float(token.replace(" ", "").replace("\t", "").replace("\u2212", "-"))


def _to_array(items: list) -> tuple[np.ndarray | None, bool]:
    """A scanned list's items as a float array (and whether a sublist was elided).

    None when the nesting is ragged, mixes numbers with lists, or is deeper than numpy prints.
    """
    elided = False

    def build(entries: list, depth: int) -> list | None:
        nonlocal elided
        if depth > _MAX_DIMS:
            return None
        if all(isinstance(e, float) for e in entries):
            return entries
        if any(isinstance(e, float) for e in entries):
            return None
        out = []
        for _, _, sub, sub_elided in entries:
            elided = elided or sub_elided
            built = build(sub, depth + 1)
            if built is None:
                return None
            out.append(built)
        return out

    nested = build(items, 1)
    if nested is None:
        return None, False
    try:
        values = np.array(nested, dtype=float)
    except ValueError:  # ragged
        return None, False
    return values, elided


class _LineCounter:
    """1-based line numbers for increasing offsets, counting each newline once."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1

    def at(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self._text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line
