"""The regex shortcut for the one shape that makes up nearly all of a raw capture: a bar update.

Profiling a 20 MB capture showed Lark's per-segment overhead dominating:
almost every segment is a progress update of one fixed shape. These regexes
take exactly that shape (a full match is required) and build the record the
grammar would (`logsense.parse.records.progress_record`): a cache of what
`records.parse_segment` returns, never a second reading of the syntax.
tests/test_parse_formats.py checks the two agree on every shape they both read.
"""
from __future__ import annotations

import re
from typing import Any

from .records import Record, add_per, duration, new_progress

# Possessive quantifiers (nothing here ever needs to give characters back) spare the
# engine its backtracking bookkeeping: a quarter of the match time on a capture.
_DUR = r"\d++(?:\.\d++)?+(?:us|µs|ms|s)"
_NUM = r"[-+]?+(?:\d++\.?+\d*+(?:[eE][-+]?+\d++)?+|nan|inf)"
#: ``Epoch 3/10``: the next most common segment (Lark takes 40 µs for one).
HEADER = re.compile(r"Epoch (\d++)(?:/(\d++))?+")
#: A plain progress update: counter, bar, ETA or time (and time per unit), metrics.
BAR = re.compile(
    rf"(\d++)/(\d++|Unknown) ++(\[[=>.\-]*+\]|━++) ++(?:- )?+(?:ETA: ({_DUR}|\d++:\d\d(?::\d\d)?+)|({_DUR})"
    rf"(?: ({_DUR}/[^\W\d]\w*+))?+)((?: - [^\W\d][\w.]*+: ?+{_NUM})*+)"
)

#: The groups of one `BAR` match: step, total, bar, eta, elapsed, per unit, metric list.
BarGroups = tuple[Any, ...]


def fast_record(text: str) -> Record | None:
    """The grammar's record for a plain progress update (or ``Epoch 3/10``), or None to let Lark decide.

    Example:
        >>> fast_record("Epoch 3/10")
        ('header', {'epoch': 3, 'total': 10, 'words': 'Epoch'})
        >>> fast_record("10/10 [====] - 0s - loss: 0.5")[1]["values"]
        [0.5]
    """
    m = BAR.fullmatch(text)
    if m is None:
        h = HEADER.fullmatch(text) if text.startswith("Epoch ") else None
        if h is None:
            return None
        epoch, total = h.groups()
        return "header", {"epoch": int(epoch), "total": int(total) if total is not None else None, "words": "Epoch"}
    return "progress", bar_record(*m.groups())


def salvage_progress(text: str) -> tuple[Record, str] | None:
    """A bar update with something glued after its last metric, and what was glued; None otherwise.

    Training scripts print into the bar's line (``mse: 0.0486(683, 1024, 3)``,
    ``accuracy: 0.0950WARNING:tensorflow:...``): the update is still readable up
    to its last value. Only taken after the grammar refused the whole segment,
    and never when the rest starts with a digit or a dash (a value or a metric list cut short).
    """
    m = BAR.match(text)
    if m is None or not m.group(7) or m.end() >= len(text):
        return None
    rest = text[m.end():]
    if rest[0].isdigit() or rest[0] == "." or rest.lstrip().startswith("-"):
        return None  # a value cut in two, or a metric list cut short (`- val_lo`): not glued output
    return ("progress", bar_record(*m.groups())), rest.strip()


#: One piece of a line of ``\r`` redraws that is a plain bar update, as `segment.segments`
#: would cut it out: ``\r``, the bar, blanks, the backspaces Keras erases with.
#: A counter int() refuses (thousands of digits: hostile input) leaves the line to the
#: general path, where the error is caught per segment.
_RUN_PIECE = re.compile(rf"\r[ \t]*+(?=\d{{1,18}}/(?:\d{{1,18}}|Unknown) )(?:{BAR.pattern})"
                        r"[ \t]*+\x08*+(?=\r|\Z)")
#: What pieces that `segment.segments` drops as empty can hold.
_BLANK_PIECE = " \t\r\x08"


def read_redraws(text: str) -> list[BarGroups] | None:
    """The `BAR` groups of every piece of ``\\r``-led ``text``, or None unless all are plain bar updates.

    A 20 MB capture is 100k redraws in 1.3k lines: one C-level scan per line
    instead of a Python round (cut, strip, test, match, feed) per redraw halves
    the parse. Pieces that segmenting would drop as blank may sit between.
    """
    records = []
    pos = 0
    for m in _RUN_PIECE.finditer(text):
        if m.start() != pos and text[pos:m.start()].strip(_BLANK_PIECE):
            return None
        records.append(m.groups())
        pos = m.end()
    if not records or text[pos:].strip(_BLANK_PIECE):
        return None
    return records


def bar_record(step: str, total: str, bar: str, eta: str | None, elapsed: str | None, per: str | None,
               metrics: str) -> dict[str, Any]:
    """The record `records.progress_record` builds, from the groups of `BAR`."""
    record = new_progress(int(step), int(total) if total != "Unknown" else None, bar)
    record["names"], record["values"] = split_metrics(metrics)
    if eta is not None:
        record["eta"] = duration(eta)
    else:
        record["time"] = duration(elapsed)
        if per is not None:
            add_per(record, per, False)
    return record


def split_metrics(metrics: str) -> tuple[tuple[str, ...], list[float]]:
    """Names and values of a `BAR` metric list (`` - loss: 0.5 - acc: 0.7``).

    The match proved the shape ` - name: value`, repeated: plain splits read it exactly.
    """
    names: list[str] = []
    values: list[float] = []
    if metrics:
        for item in metrics[3:].split(" - "):
            name, _, value = item.partition(":")
            names.append(name)
            values.append(float(value))
    return tuple(names), values
