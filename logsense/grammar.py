"""Text -> runs: split a pasted or captured Keras log into segments, parse each with Lark.

The work has three stages, each cheap where it can be:

1. *Segmenting* (`segments`): lines, then the pieces between ``\\r`` rewrites
   (each is one progress update), backspaces applied, and lines split again
   where a paste lost a newline (``... loss:257.6 大纪元2/10 ...``) or callback
   text was glued to a bar (``acc: 0.8518Epoch 00927: ...``).
2. *Prefiltering*: a segment that cannot start a Keras message (prose, code,
   JSON, arrays) is dropped without touching the parser.
3. *Parsing* the rest with the LALR grammar in ``grammars/keras.lark``; its
   Transformer runs inline and returns records, no tree. `_Assembler` then
   turns the stream of records into runs.

Most of a raw capture is bar updates of one shape; `fast_progress` reads those
(and plain ``Epoch 3/10`` headers) with one regex instead of Lark, and a line of
``\\r`` redraws that holds nothing else is read in one scan (`_read_run`). Tests
check that each shortcut gives what the general path gives.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer

from .locales import UNITS, LocaleTable, table
from .log import Event, Run

_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
#: Where one line holds several messages: a lost newline before an Epoch header
#: or callback, or a bar update glued to the 4-decimal metric before it.
_GLUE = re.compile(
    r"(?=Epoch \d|Batch \d+: Invalid loss|Restoring model weights)"
    r"|(?:(?<=\d\.\d{4})|(?<=e[-+]\d\d)|(?<=nan)|(?<=inf)|(?<=\s))(?= *\d+/(?:\d+|Unknown) +[\[━])"
)
#: A segment can be a Keras message only if it starts like one.
_CANDIDATE = re.compile(
    r"(?:Epoch \d|Train on \d|\d+/(?:\d+|Unknown)(?: |$)|- \d+(?:\.\d+)?m?s\b|\[[=>.]*\]|━|Restoring model"
    r"|\d+(?:\.\d+)?(?:us|µs|ms|s) - [^\W\d][\w.]*:"  # Keras 0/1 verbose=2: `2s - loss: 0.3`
    r"|Batch \d+:|ReduceLROnPlateau|LearningRateScheduler)"
)
#: Text that looks like training output; only such segments are reported as unparsed.
_LOGLIKE = re.compile(r"\[[=>.]{3,}\]|━{3,}|\bETA:|\b\w+: [-+]?(?:\d|nan|inf)|^Epoch \d+/\d+\s*$")
#: The start of a wrapped bar line's remainder: the rest of a metric name, value or separator.
_CONTINUATION = re.compile(r"\s*(?:[\w.]*: ?[-+]?(?:\d|nan|inf)|[\w.]* - [\w.]+:|- [\w.]+:|\d)")
_UNIT_SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass(slots=True)
class Segment:
    """One candidate message, with the 1-based line it came from."""

    text: str
    line: int
    locales: tuple[str, ...] = ()


# --------------------------------------------------------------------------- transformer

@lru_cache(maxsize=1024)  # a capture repeats the same few timings ("0s", "3ms") a million times
def _duration(text: str) -> float:
    """``946us`` / ``2s`` / ``1:23`` / ``1:02:03`` in seconds."""
    if ":" in text:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds
    for unit in ("us", "µs", "ms", "s"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * _UNIT_SECONDS[unit]
    return float(text)


def _number(token: Token) -> float | None:
    return None if token == "None" else float(token)


class _Records(Transformer):
    """Inline transformer: every rule returns a ``(kind, payload)`` record."""

    def header(self, children: list[Token]) -> tuple[str, Any]:
        ints = [c for c in children if c.type == "INT"]
        total = int(ints[1]) if len(ints) > 1 else None
        return "header", {"epoch": int(ints[0]), "total": total}

    def header_progress(self, children: list[Any]) -> tuple[str, Any]:
        return "pair", children

    def train_on(self, children: list[Token]) -> tuple[str, Any]:
        ints = [int(c) for c in children if c.type == "INT"]
        return "train_on", {"samples": ints[0], "val_samples": ints[1] if len(ints) > 1 else None}

    def counter(self, children: list[Token]) -> tuple[int, int | None]:
        step, total = children
        return int(step), int(total) if total.type == "INT" else None

    def items(self, children: list[Any]) -> list[tuple[str, Any]]:
        return [c for c in children if isinstance(c, tuple)]

    def eta(self, children: list[Token]) -> tuple[str, Any]:
        return "eta", _duration(children[1])

    def timing(self, children: list[Token]) -> tuple[str, Any]:
        per = children[1] if len(children) > 1 else None
        return "time", (_duration(children[0]), str(per) if per is not None else None)

    def cut(self, children: list[Token]) -> tuple[str, Any]:
        return "cut", str(children[0])

    def per_unit(self, children: list[Token]) -> tuple[str, Any]:
        return "per", str(children[0])

    def metric(self, children: list[Token]) -> tuple[str, Any]:
        return "metric", (str(children[0]), _number(children[1]))

    def progress(self, children: list[Any]) -> tuple[str, Any]:
        counter = children[0]
        bar = next((str(c) for c in children[1:] if isinstance(c, Token)), None)
        items = children[-1] if isinstance(children[-1], list) else []
        return "progress", _progress(counter, bar, items)

    def progress_bare(self, children: list[Any]) -> tuple[str, Any]:
        bar = str(children[1]) if len(children) > 1 else None
        return "progress", _progress(children[0], bar, [])

    def progress_nocounter(self, children: list[Any]) -> tuple[str, Any]:
        bar = str(children[0]) if isinstance(children[0], Token) else None
        return "progress", _progress(None, bar, children[-1])

    # callbacks ---------------------------------------------------------------
    def epoch_event(self, children: list[Any]) -> tuple[str, Any]:
        event = children[-1][1]
        event["printed_epoch"] = int(children[1])
        event["padded"] = children[1].startswith("0") and len(children[1]) > 1
        return "event", event

    def callback(self, children: list[Any]) -> tuple[str, Any]:
        return children[0]

    def improved(self, c: list[Token]) -> tuple[str, Any]:
        extra = {"monitor": str(c[0]), "previous": _number(c[2])}
        if len(c) > 5:
            extra["path"] = str(c[5]).strip()
        return "event", {"kind": "checkpoint", "value": _number(c[3]), "extra": extra}

    def not_improved(self, c: list[Token]) -> tuple[str, Any]:
        best = _number(c[-1]) if len(c) > 2 else None
        return "event", {"kind": "checkpoint", "value": best, "extra": {"monitor": str(c[0]), "improved": False}}

    def saving(self, c: list[Token]) -> tuple[str, Any]:
        return "event", {"kind": "checkpoint", "value": None, "extra": {"path": str(c[-1]).strip()}}

    def early_stopping(self, c: list[Token]) -> tuple[str, Any]:
        return "event", {"kind": "early_stopping", "value": None, "extra": {}}

    def reduce_lr(self, c: list[Token]) -> tuple[str, Any]:
        return "event", {"kind": "lr_change", "value": _number(c[1]), "extra": {}}

    def lr_schedule(self, c: list[Token]) -> tuple[str, Any]:
        return "event", {"kind": "lr_schedule", "value": _number(c[2]), "extra": {}}

    def restoring(self, c: list[Token]) -> tuple[str, Any]:
        ints = [int(t) for t in c if t.type == "INT"]
        return "event", {"kind": "restore_weights", "value": float(ints[0]) if ints else None,
                         "extra": {"best_epoch": ints[0]} if ints else {}}

    def terminate_on_nan(self, c: list[Token]) -> tuple[str, Any]:
        return "event", {"kind": "terminate_on_nan", "value": None, "extra": {"batch": int(c[1])}}


def _progress(counter: tuple[int, int | None] | None, bar: str | None, items: list[tuple[str, Any]]) -> dict:
    """The record of one progress update; metric names and values are kept apart
    (``names`` is a tuple) so the assembler canonicalises each layout of names once."""
    metrics = [value for kind, value in items if kind == "metric"]
    record: dict[str, Any] = {"step": None, "total": None, "bar": bar, "eta": None, "time": None, "per": [],
                              "names": tuple(name for name, _ in metrics), "values": [v for _, v in metrics],
                              "per_first": False, "locales": ()}
    if counter is not None:
        record["step"], record["total"] = counter
    seen_metric = False
    for kind, value in items:
        if kind == "metric":
            seen_metric = True
        elif kind == "eta":
            record["eta"] = value
        elif kind == "time":
            seconds, per = value
            if record["time"] is None:
                record["time"] = seconds
            if per:
                _add_per(record, per, seen_metric)
        elif kind == "per":
            _add_per(record, value, seen_metric)
    return record


def _add_per(record: dict[str, Any], per: str, after_metrics: bool) -> None:
    english, codes = _per_unit(per)
    record["per"].append(english)
    record["per_first"] = record["per_first"] or not after_metrics
    if codes:
        record["locales"] += codes


@lru_cache(maxsize=1024)
def _per_unit(per: str) -> tuple[str, tuple[str, ...]]:
    """``10ms/Schritt`` -> ``10ms/step``, with the locales that spell the unit so.

    A unit no locale table knows makes the bar unreadable (ValueError), as before
    the grammar accepted words there.
    """
    duration, _, word = per.partition("/")
    if word in UNITS:
        return per, ()
    found = table().unit(word)
    if found is None:
        raise ValueError(f"unknown unit {word!r} in {per!r}")
    return f"{duration}/{found[0]}", found[1]


# Possessive quantifiers (nothing here ever needs to give characters back) spare the
# engine its backtracking bookkeeping: a quarter of the match time on a capture.
_DUR = r"\d++(?:\.\d++)?+(?:us|µs|ms|s)"
_NUM = r"[-+]?+(?:\d++\.?+\d*+(?:[eE][-+]?+\d++)?+|nan|inf)"
#: The one shape that makes up nearly all of a raw capture: a progress update.
_FAST_HEADER = re.compile(r"Epoch (\d++)(?:/(\d++))?+")
_FAST_BAR = re.compile(
    rf"(\d++)/(\d++|Unknown) ++(\[[=>.\-]*+\]|━++) ++(?:- )?+(?:ETA: ({_DUR}|\d++:\d\d(?::\d\d)?+)|({_DUR})"
    rf"(?: ({_DUR}/[^\W\d]\w*+))?+)((?: - [^\W\d][\w.]*+: ?+{_NUM})*+)"
)


def fast_progress(text: str) -> tuple[str, dict] | None:
    """The grammar's result for a plain progress update (or ``Epoch 3/10``), or None to let Lark decide.

    Profiling a 20 MB capture showed Lark's per-segment overhead dominating:
    almost every segment is a bar update of one fixed shape. This regex takes
    exactly that shape (and nothing else: a full match is required) and builds
    the same record as the transformer's `_progress`; tests/test_parse_formats.py
    checks that the two agree. Epoch headers, the next most common segment,
    cost Lark 40 µs each.
    """
    if "\r" in text:  # a line of redraws that `segments` found to be bar updates only
        records = _READ_RUNS.pop(text, None)
        if records is None:
            records = _read_run(text)
        return ("progress_run", records) if records is not None else None
    m = _FAST_BAR.fullmatch(text)
    if m is None:
        h = _FAST_HEADER.fullmatch(text) if text.startswith("Epoch ") else None
        if h is None:
            return None
        epoch, total = h.groups()
        return "header", {"epoch": int(epoch), "total": int(total) if total is not None else None}
    return "progress", _bar_record(*m.groups())


def salvage_progress(text: str) -> tuple[tuple[str, dict], str] | None:
    """A bar update with something glued after its last metric, and what was glued; None otherwise.

    Training scripts print into the bar's line (``mse: 0.0486(683, 1024, 3)``,
    ``accuracy: 0.0950WARNING:tensorflow:...``): the update is still readable up
    to its last value. Only taken after the grammar refused the whole segment,
    and never when the rest starts with a digit or a dash (a value or a metric list cut short).
    """
    m = _FAST_BAR.match(text)
    if m is None or not m.group(7) or m.end() >= len(text):
        return None
    rest = text[m.end():]
    if rest[0].isdigit() or rest[0] == "." or rest.lstrip().startswith("-"):
        return None  # a value cut in two, or a metric list cut short (`- val_lo`): not glued output
    return ("progress", _bar_record(*m.groups())), rest.strip()


#: One piece of a line of ``\r`` redraws that is a plain bar update, as `segments`
#: would cut it out: ``\r``, the bar, blanks, the backspaces Keras erases with.
#: A counter int() refuses (thousands of digits: hostile input) leaves the line to the
#: general path, where the error is caught per segment.
_RUN_PIECE = re.compile(rf"\r[ \t]*+(?=\d{{1,18}}/(?:\d{{1,18}}|Unknown) )(?:{_FAST_BAR.pattern})"
                        r"[ \t]*+\x08*+(?=\r|\Z)")
#: What pieces that `segments` drops as empty can hold.
_BLANK_PIECE = " \t\r\x08"
#: `segments` reads a whole line of redraws to learn that it holds bar updates only;
#: it leaves the records here so `fast_progress` does not read the same text again.
#: Keyed by the text, an entry can only be that text's reading; each is taken once.
_READ_RUNS: dict[str, list[tuple[Any, ...]]] = {}


def _read_run(text: str) -> list[tuple[Any, ...]] | None:
    """The `_FAST_BAR` groups of every piece of ``\\r``-led ``text``, or None unless all are plain bar updates.

    A 20 MB capture is 100k redraws in 1.3k lines: one C-level scan per line
    instead of a Python round (cut, strip, test, match, feed) per redraw halves
    the parse. Pieces that `segments` would drop as blank may sit between. A
    piece the assembler could not take without an error (a time per unit no
    locale knows) leaves the line to the general path, which reports it.
    """
    records = []
    pos = 0
    for m in _RUN_PIECE.finditer(text):
        if m.start() != pos and text[pos:m.start()].strip(_BLANK_PIECE):
            return None
        groups = m.groups()
        if groups[5] is not None and not _known_unit(groups[5]):
            return None
        records.append(groups)
        pos = m.end()
    if not records or text[pos:].strip(_BLANK_PIECE):
        return None
    return records


def _known_unit(per: str) -> bool:
    try:
        _per_unit(per)
    except ValueError:
        return False
    return True


def _bar_record(step: str, total: str, bar: str, eta: str | None, elapsed: str | None, per: str | None,
                metrics: str) -> dict[str, Any]:
    """The record the transformer's `_progress` builds, from the groups of `_FAST_BAR`."""
    names, values = _split_metrics(metrics)
    record = {"step": int(step), "total": int(total) if total != "Unknown" else None, "bar": bar,
              "eta": None, "time": None, "per": [], "names": names, "values": values,
              "per_first": False, "locales": ()}
    if eta is not None:
        record["eta"] = _duration(eta)
    else:
        record["time"] = _duration(elapsed)
        if per is not None:
            _add_per(record, per, False)
    return record


def _split_metrics(metrics: str) -> tuple[tuple[str, ...], list[float]]:
    """Names and values of a `_FAST_BAR` metric list (`` - loss: 0.5 - acc: 0.7``).

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


@cache
def parser() -> Lark:
    """The LALR parser with the transformer inline (built once per process)."""
    source = resources.files("logsense.grammars").joinpath("keras.lark").read_text(encoding="utf-8")
    return Lark(source, parser="lalr", lexer="contextual", transformer=_Records(), cache=False)


# --------------------------------------------------------------------------- segmenting

#: What a web page or a paste adds around each line of a log: a markdown quote (``> ``), list
#: bullet, line number (``12. `` or ``12 | ``), inline-code or bold marks, table pipes.
_DECOR_PREFIX = re.compile(r"(?:>\s?|[-*+]\s+|\d{1,6}[.:)]\s+|\d{1,6}\s*\|\s?|[`*|]+\s*)+")
_DECOR_END = "`*|"
_DECOR_START = ">-*+`|0123456789"  # a line starting otherwise has no prefix to strip


def _undecorate(line: str) -> str:
    """``line`` without the marks a page or paste put around a Keras line, or unchanged.

    Trailing marks (`` ` ``, ``*``, ``|``) end no Keras message and always go; a
    prefix goes only when what it hides is a Keras message and the line as it
    stands is not one (`` - 2s - loss: 0.3`` is Keras 2 verbose=2, not a bullet).
    """
    stripped = body = line.strip()
    if not body:
        return line
    if body[-1] in _DECOR_END:
        body = body.rstrip(_DECOR_END + " \t")
    m = _DECOR_PREFIX.match(body)  # fails at once on the usual `  3/10 [==` or `Epoch 3/10`
    if m is not None and _CANDIDATE.match(body, m.end()) and not _CANDIDATE.match(body):
        body = body[m.end():]
    return line if body == stripped else body


def segments(text: str, locales: LocaleTable, width: int | None = None) -> Iterator[Segment]:
    """Candidate message segments of ``text``, in order, with line numbers.

    ``width`` is the terminal width for `_unwrap`; a streamed text passes the one
    decided from its first chunks (see `unwrap_width`).
    """
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    candidate = _CANDIDATE.match
    # Every piece of a capture passes here (a 20 MB capture has 100k in 1.3k lines):
    # what can be decided for a whole line is, and no test copies a piece.
    lines = [_undecorate(line) if line[-1:] in _DECOR_END or line.lstrip()[:1] in _DECOR_START else line
             for line in text.split("\n")]
    for number, line in _unwrap(lines, width):
        # Non-ASCII other than the Keras 3 bar: a translated log (or prose).
        foreign_line = not line.isascii() and not line.replace("━", "").isascii()
        glue_words = "Epoch" in line or "Batch" in line or "Restoring" in line
        if "\r" in line and not foreign_line and not glue_words:
            run = "\r" + line
            records = _read_run(run)
            if records is not None:
                if len(_READ_RUNS) > 64:  # runs yielded to a consumer that stopped early
                    _READ_RUNS.clear()
                _READ_RUNS[run] = records
                yield Segment(run, number)
                continue
        for piece in line.split("\r") if "\r" in line else (line,):
            if "\b" in piece:
                piece = piece.rstrip("\b")  # Keras erases before its next \r: nothing to apply
                if "\b" in piece:
                    piece = _apply_backspaces(piece)
            piece = piece.strip()
            if not piece:
                continue
            found: tuple[str, ...] = ()
            start = candidate(piece)
            if ((foreign_line and not piece.isascii() and not piece.replace("━", "").isascii())
                    or (start is None and any(ch.isdigit() for ch in piece))):
                piece, found = locales.translate(piece)
                start = candidate(piece)
                glue_words = glue_words or "Epoch" in piece or "Batch" in piece or "Restoring" in piece
            if ((glue_words and (piece.find("Epoch", 1) > 0 or "Batch" in piece
                                 or piece.find("Restoring", 1) > 0))
                    or piece.count(" [") + piece.count(" ━") > 1):
                for part in _GLUE.split(piece):
                    part = part.strip()
                    if part and candidate(part):
                        yield Segment(part, number, found)
            elif start is not None:
                yield Segment(piece, number, found)


def unwrap_width(lines: list[str]) -> int:
    """The terminal width a copied screen was wrapped at, or 0 (see `_unwrap`)."""
    width = max(map(len, lines), default=0)
    if width < 40 or sum(len(line) == width for line in lines) < 2:
        return 0
    return width


def _unwrap(lines: list[str], width: int | None = None) -> Iterator[tuple[int, str]]:
    """Numbered lines, with lines a terminal wrapped at its width joined back.

    A copied terminal screen breaks long bar lines at the column width
    (``... - val_a`` / ``ccuracy: 0.7469``). Nothing is longer than the width,
    so it is the longest line length, when several lines reach it; a line that
    fills the width (one less when the copy dropped a trailing space), or that `ends_open`, is joined with
    the next when the next reads as the rest of a metric list.
    """
    if width is None:
        width = unwrap_width(lines)
    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        while (((width and len(line) >= width - 1) or ends_open(line)) and i + 1 < len(lines)
               and _CONTINUATION.match(lines[i + 1]) and not _CANDIDATE.match(lines[i + 1])):
            i += 1
            line += lines[i]
        yield number, line
        i += 1


def ends_open(line: str) -> bool:
    """A line that stops where a metric list cannot (``- val_loss:``, ``- acc: 0.5 -``): a page or
    an editor wrapped it, whatever its width, and the next line holds the rest."""
    end = line.rstrip()
    return end.endswith((":", " -")) and " - " in end


def _apply_backspaces(piece: str) -> str:
    """What a terminal shows after ``\\b`` moves the cursor back and later text overwrites."""
    cells: list[str] = []
    cursor = 0
    for ch in piece:
        if ch == "\b":
            cursor = max(0, cursor - 1)
        elif cursor < len(cells):
            cells[cursor] = ch
            cursor += 1
        else:
            cells.append(ch)
            cursor += 1
    return "".join(cells)


# --------------------------------------------------------------------------- assembling runs

@dataclass
class _RunState:
    run: Run
    epoch: int | None = None
    epoch_done: bool = False
    locales: Counter = field(default_factory=Counter)
    evidence: set[str] = field(default_factory=set)
    first_header: int | None = None
    has_total: bool = False
    final_total: int | None = None
    #: The run began with bars before any header (a paste cut above it): its epoch is a guess
    #: until the first header says which epoch follows.
    headerless: bool = False
    #: Started by a bare-time line (`13s - loss: 0.3`): a run only once a header follows.
    tentative: bool = False


class _Assembler:
    """Turns the ordered stream of parsed records into runs."""

    def __init__(self) -> None:
        self.runs: list[_RunState] = []
        self.current: _RunState | None = None
        self.pending_events: list[Event] = []
        self.train_on: dict | None = None
        #: (start line, epochs) of runs `finish` left out as quotations of the run before
        self.quoted: list[tuple[int, int]] = []
        #: printed metric names of a bar -> (canonical names, locales that spelled them)
        self._layouts: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    # state helpers ---------------------------------------------------------------
    def _new_run(self, line: int) -> _RunState:
        state = _RunState(Run(index=len(self.runs), meta={"start_line": line, "end_line": line}))
        if self.train_on:
            state.run.meta["train_samples"] = self.train_on["samples"]
            if self.train_on.get("val_samples") is not None:
                state.run.meta["val_samples"] = self.train_on["val_samples"]
            state.evidence.add("train_on")
            self.train_on = None
        state.run.events.extend(self.pending_events)
        self.pending_events = []
        self.runs.append(state)
        self.current = state
        return state

    def feed(self, kind: str, payload: Any, segment: Segment, metric_name: Any) -> None:
        if kind == "progress_run":  # a line of bar redraws: nearly every record comes this way
            if not self._bar_run(payload, segment, metric_name):
                return
        elif kind == "progress":
            if not self._progress(payload, segment, metric_name):
                return
        elif kind == "pair":
            for child_kind, child in payload:
                self.feed(child_kind, child, segment, metric_name)
            return
        elif kind == "train_on":
            self.current = None
            self.train_on = payload
            return
        elif kind == "header":
            self._header(payload, segment)
        elif kind == "event":
            self._event(payload, segment)
            return
        if self.current is not None:
            if segment.locales:
                self.current.locales.update(segment.locales)
            self.current.run.meta["end_line"] = segment.line

    def _header(self, h: dict, seg: Segment) -> None:
        state = self.current
        declared = state.run.meta.get("declared_epochs") if state else None
        restart = (state is None or (state.epoch is not None and h["epoch"] <= state.epoch)
                   or (declared is not None and h["total"] is not None and h["total"] != declared))
        if restart:
            state = self._new_run(seg.line)
        assert state is not None
        if state.headerless:
            state.headerless = state.tentative = False
            self._renumber_headerless(state, h["epoch"] - 1 - (state.epoch or 1))
            state.first_header = None  # the header, not the guess, tells the numbering and the total
        if state.first_header is None:
            state.first_header = h["epoch"]
            state.run.meta["declared_epochs"] = h["total"]
            state.has_total = h["total"] is not None
        state.epoch = h["epoch"]
        state.epoch_done = False

    @staticmethod
    def _renumber_headerless(state: _RunState, shift: int) -> None:
        """Move what came before the first header by ``shift`` epochs, so that its last epoch is the one
        just before the header. Callback messages printed then go with their epochs."""
        run = state.run
        for record in (*run.epoch_records, *run.step_records):
            record["epoch"] += shift
        for event in run.events:
            if event.epoch is not None:
                event.epoch += shift

    @staticmethod
    def _next_headerless_epoch(state: _RunState, total: int | None) -> None:
        """A paste without headers: a bar of the epoch's length starting over after the epoch ended
        is the next epoch (evaluate() output has another length, and starts no epoch)."""
        if state.headerless and state.epoch_done and total is not None and total == state.final_total:
            assert state.epoch is not None
            state.epoch += 1
            state.epoch_done = False

    def _bar_run(self, bars: list[tuple[Any, ...]], seg: Segment, metric_name: Any) -> bool:
        """Feed a line of `_FAST_BAR` groups; True if any was taken.

        An unfinished update inside an epoch whose format is known only adds a step
        record, so it is built here straight from the groups (this is most of a
        capture); any other goes through `_progress` as a full record. The two agree:
        tests compare a line read this way with the same line read piece by piece.
        """
        fed = False
        layouts = self._layouts
        for groups in bars:
            state = self.current
            step, total, _, eta, elapsed, per, metrics = groups
            step_n = int(step)
            total_n = int(total) if total != "Unknown" else None
            if (state is None or state.epoch is None or not state.evidence
                    or (total_n is not None and step_n >= total_n)):
                fed = self._progress(_bar_record(*groups), seg, metric_name) or fed
                continue
            if state.headerless:
                self._next_headerless_epoch(state, total_n)
            if per is not None:
                codes = _per_unit(per)[1]
                if codes:
                    state.locales.update(codes)
            # Keras 3 prints the remaining time on unfinished bars, without "ETA:".
            record = {"epoch": state.epoch, "step": step_n, "total": total_n,
                      "eta_seconds": _duration(eta if eta is not None else elapsed)}
            if metrics:  # `_split_metrics`, inlined: this loop runs once per redraw
                printed: list[str] = []
                values: list[float] = []
                for item in metrics[3:].split(" - "):
                    name, _, value = item.partition(":")
                    printed.append(name)
                    values.append(float(value))
                key = tuple(printed)
                layout = layouts.get(key)
                if layout is None:
                    layout = layouts[key] = _canonical_names(key, metric_name)
                if layout[1]:
                    state.locales.update(layout[1])
                record.update(zip(layout[0], values))
            state.run.step_records.append(record)
            fed = True
        return fed

    def _progress(self, p: dict, seg: Segment, metric_name: Any) -> bool:
        state = self.current
        if state is None or state.epoch is None:
            # Bars before any Epoch header: evaluate()/predict() output, or a verbose=2
            # log cut above its first header. Only the latter has metrics and no earlier run.
            # A line that starts with a bare time (Keras 0/1 `2s - loss: 0.3`) is too
            # plain to start a run on its own (prose and tables can read like it): it is
            # kept only if an Epoch header follows it. Bars with metrics start a run even
            # when unfinished: a paste of a few updates (the ones that show the NaN) is
            # still training output.
            if state is not None or not p["names"]:
                return False
            state = self._new_run(seg.line)
            state.epoch = 1
            state.first_header = 1
            state.headerless = True
            for event in state.run.events:  # printed before the first bar: they belong to its epoch
                event.epoch = 1
            state.tentative = p["step"] is None and seg.text[0].isdigit()
        if p["locales"]:
            state.locales.update(p["locales"])
        layout = self._layouts.get(p["names"])
        if layout is None:
            layout = self._layouts[p["names"]] = _canonical_names(p["names"], metric_name)
        names, codes = layout
        if codes:
            state.locales.update(codes)
        step, total = p["step"], p["total"]
        final = step is None or (total is not None and step >= total)
        if final or not state.evidence:  # one partial bar tells as much as all of them
            self._note_format(state, p)
        if not final:
            self._next_headerless_epoch(state, total)
            # Keras 3 prints the remaining time on unfinished bars, without "ETA:".
            eta = p["eta"] if p["eta"] is not None else p["time"]
            record = {"epoch": state.epoch, "step": step, "total": total, "eta_seconds": eta}
            record.update(zip(names, p["values"]))
            state.run.step_records.append(record)
            return True
        if not names:
            return True
        record = {"epoch": state.epoch}
        record.update(zip(names, p["values"]))
        if p["time"] is not None:
            record["seconds"] = p["time"]
        records = state.run.epoch_records
        if state.epoch_done and records and records[-1]["epoch"] == state.epoch:
            # The same bar redrawn or finalised with val_ metrics; a bar of another
            # length after the epoch ended is evaluate()/predict() output.
            if p["total"] == state.final_total and set(records[-1]) - {"seconds"} <= set(record):
                records[-1] = record
            return True
        records.append(record)
        state.final_total = p["total"]
        state.epoch_done = True
        return True

    def _note_format(self, state: _RunState, p: dict) -> None:
        bar = p["bar"] or ""
        if "━" in bar:
            state.evidence.add("keras3")
        elif p["per"]:
            if p["per_first"] and p["bar"] is None and any(u.endswith("/step") for u in p["per"]):
                state.evidence.add("keras3")  # `30/30 - 0s - 5ms/step - loss: ...`
            else:
                state.evidence.add("tfkeras")
            if any(u.endswith("/sample") for u in p["per"]):
                state.evidence.add("per_sample")
        else:
            state.evidence.add("sample_bar")
        state.evidence.add("verbose2" if p["bar"] is None else "bar")

    def _event(self, e: dict, seg: Segment) -> None:
        state = self.current
        printed = e.get("printed_epoch")
        if state is not None and state.epoch is not None:
            epoch: int | None = state.epoch
        elif printed is not None:
            epoch = printed + 1 if e.get("padded") else printed
        else:
            epoch = None
        event = Event(epoch=epoch, kind=e["kind"], text=seg.text, value=e["value"], line=seg.line,
                      extra=dict(e["extra"]))
        if printed is not None:
            event.extra["printed_epoch"] = printed
        if state is None:
            self.pending_events.append(event)
        else:
            state.run.events.append(event)
            state.run.meta["end_line"] = seg.line

    # results ---------------------------------------------------------------------
    def finish(self) -> list[Run]:
        runs: list[Run] = []
        self.quoted = []
        for state in self.runs:
            if state.tentative or (not state.run.epoch_records and not state.run.step_records):
                continue
            run = state.run
            if runs and _quotes(run, runs[-1]):
                # "Here it got its best loss:" and an epoch copied from above: a quotation, not a run.
                self.quoted.append((run.meta.get("start_line", 0), len(run.epoch_records)))
                continue
            run.index = len(runs)
            # Keras 3 sometimes flushes an epoch's second update before its first;
            # the steps are a series over step numbers, so order them by step.
            run.step_records.sort(key=lambda r: (r["epoch"], r["step"]))
            run.meta.update(_describe(state))
            runs.append(run)
        if self.pending_events and runs:
            runs[-1].events.extend(self.pending_events)
        return runs


def _record_key(record: dict[str, Any]) -> tuple:
    """An epoch record as printed, minus its timing (a quotation may round or drop it)."""
    return tuple(sorted((k, repr(v)) for k, v in record.items() if k != "seconds"))


def _quotes(run: Run, before: Run) -> bool:
    """Whether ``run`` is epochs of ``before`` copied again, not a new run: nothing but epoch records,
    each one of ``before``'s, and not starting where ``before`` started (a rerun starts at its first
    epoch, and a seeded rerun may print the same values)."""
    if run.step_records or not run.epoch_records or not before.epoch_records:
        return False
    if run.epoch_records[0]["epoch"] <= before.epoch_records[0]["epoch"]:
        return False
    printed = {_record_key(r) for r in before.epoch_records}
    return all(_record_key(r) in printed for r in run.epoch_records)


def _canonical_names(printed: tuple[str, ...], metric_name: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Canonical names of one bar's metrics and every locale code their spellings voted for."""
    names: list[str] = []
    codes: list[str] = []
    for name in printed:
        canonical, found = metric_name(name)
        names.append(canonical)
        codes.extend(found)
    return tuple(names), tuple(codes)


def _describe(state: _RunState) -> dict[str, Any]:
    ev = state.evidence
    if "keras3" in ev:
        fmt = "keras3"
    elif "tfkeras" in ev:
        fmt = "tfkeras"
    elif not state.has_total:
        fmt = "keras0" if state.first_header == 0 else "keras1"
    else:
        fmt = "keras2"
    if "per_sample" in ev or (fmt in ("keras0", "keras1", "keras2") and "sample_bar" in ev):
        unit = "sample"
    else:
        unit = "batch"
    locale = "en"
    if state.locales:
        locale = state.locales.most_common(1)[0][0]
    return {"format": fmt, "verbose": 2 if "verbose2" in ev and "bar" not in ev else 1,
            "locale": locale, "step_unit": unit}


# --------------------------------------------------------------------------- entry point

def parse_text(text: str) -> tuple[list[Run], list[tuple[int, str]]]:
    """Parse a whole text; return its runs and the log-like lines that were not understood.

    Never raises on odd input: a segment the grammar rejects is skipped (and
    reported in ``unparsed`` when it looks like training output). This is the
    one-chunk case of `logsense.stream.LogStream`, which holds the parsing loop.
    """
    from .stream import LogStream  # the stream module builds on this one

    stream = LogStream()
    stream.feed(text)
    result = stream.finish()
    return result.runs, result.unparsed
