"""Incremental parsing: text fed in chunks, memory bounded by the epochs, not the file.

A raw terminal capture can be gigabytes: one line per epoch, each holding
thousands of ``\\r`` redraws of the bar. `LogStream` keeps only what it has not
parsed yet (the unfinished last line), hands complete lines to
`segment.segments` and the assembler, and keeps three things from growing with
the file:

* step records: at most `STEPS_PER_EPOCH` per epoch and `STEP_BUDGET` in all,
  thinned evenly over the step numbers with the first and last update of every
  epoch kept (`_StepThinner`);
* the text the prediction and context scans read: the whole text while it is
  small, then only the lines that were not training output, up to a cap
  (`_SideText`);
* the list of unparsed lines (`MAX_UNPARSED`);
* the records themselves: past `COLUMNS_AFTER_CHARS` of input, the records
  the parser will not change again are held by column (`columns.RecordColumns`),
  and runs that ended without a record are let go (`_compact`).

Each cap is reported in ``warnings`` (and thinned runs in ``run.meta``), so a
small input (every seed and fixture) gives exactly the result of parsing its
whole text at once: `parse_text` is the one-chunk case of this class.
"""
from __future__ import annotations

import bisect
import gc
from array import array
import re
from dataclasses import dataclass, field
from typing import Any

from lark.exceptions import LarkError

from ..columns import RecordColumns
from ..log import EPOCH_KEYS, STEP_KEYS, Run
from .assemble import Assembler
from .families import family_shape, read_family
from .fast import fast_record, read_redraws, salvage_progress
from .locales import LocaleTable, table
from .records import Record, parse_segment
from .rows import RowAssembler
from .segment import (
    CANDIDATE,
    SUMMARY,
    LOGLIKE,
    Segment,
    ends_on_value,
    ends_open,
    hangs_on,
    leads_on,
    may_hang,
    segments,
    strip_ansi,
    unwrap_width,
    wrapped_rest,
)

#: Text held before the first line is parsed: the wrap width of a copied screen is
#: decided from it, so an input up to this size reads exactly as a whole text.
PROBE_CHARS = 1 << 20
#: An unfinished line longer than this is parsed up to its last ``\r`` (a capture
#: that never prints a newline must not be held whole).
MAX_PENDING_CHARS = 4 << 20
#: Step records kept per epoch, and in all, before thinning starts.
STEPS_PER_EPOCH = 1000
STEP_BUDGET = 50_000
#: Text kept whole for the prediction and context scans; past it, only lines that are
#: not training output, up to the same amount again.
SIDE_TEXT_CHARS = 2 << 20
#: Input read before records are held by column: a paste up to this size keeps plain lists of dicts.
COLUMNS_AFTER_CHARS = 2 << 20
#: Records of the run under way frozen at a time, at least (fewer wait for the next block).
_FREEZE_AT_LEAST = 64
#: Segments between two looks for runs that ended empty, inside a block (a mask: 4096 - 1).
_PRUNE_EVERY = 4095
#: Lines in a row that `segment.ends_open` holds back before the text is split anyway.
_OPEN_LINES = 8
#: Log-like lines that did not parse, reported at most.
MAX_UNPARSED = 10_000


@dataclass
class SideText:
    """The text the prediction and context scans read, and where its lines came from.

    ``lines`` is None when ``text`` is the input itself; otherwise line ``k`` of
    ``text`` (1-based) was line ``lines[k - 1]`` of the input.
    """

    text: str
    lines: list[int] | None = None

    def original_line(self, line: int) -> int:
        if self.lines is None or not self.lines:
            return line
        return self.lines[min(max(line, 1), len(self.lines)) - 1]


@dataclass
class StreamResult:
    runs: list[Run]
    unparsed: list[tuple[int, str]]
    side: SideText
    warnings: list[str] = field(default_factory=list)


class LogStream:
    """Feed text with `feed`, get the runs with `finish`.

    Chunks may end anywhere: inside a line, a ``\\r\\n`` pair or a run of ``\\r``
    redraws (a multibyte character is the decoder's business: chunks are str).
    """

    def __init__(self, width: int | None = None, probe_chars: int = PROBE_CHARS,
                 locales: LocaleTable | None = None) -> None:
        """``width``: the wrap width of a copied screen, when known; else decided from
        the first ``probe_chars`` characters. ``locales``: the translation tables (all
        shipped ones by default)."""
        self._probe_chars = probe_chars
        self._locales = locales if locales is not None else table()
        self._names: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._assembler = Assembler(self._metric_name, self._locales)
        self._rows = RowAssembler(self._locales)
        self._pending: list[str] = []  # fed text not parsed yet
        self._carry: list[Segment] = []  # a Rich bar whose wrapped rest starts the next block
        self._pending_chars = 0
        self._width = width
        self._next_line = 1  # number of the first pending line
        self._pieces_done = False  # the pending line was partly parsed (at a \r)
        self.unparsed: list[tuple[int, str]] = []
        self._unparsed_dropped = 0
        #: Epoch summaries quoted without their bar (`loss: nan - accuracy: 0.04`): read only when the
        #: text holds no other training output, as they are often a quote of a log shown in full.
        self._bare: list[tuple[str, dict, Segment]] = []
        self._side = _SideText()
        self._thinner = _StepThinner()
        self._last_line: tuple[int, str] = (0, "")  # number and text of the last line with text
        self._ends_newline = True
        self._glued = 0  # bar updates read up to text printed into them
        self._first_glued: tuple[int, str] = (0, "")
        self._fed_chars = 0
        self._compact_from = 0  # runs before it are frozen for good (unless the thinning changed them)
        self._compact_limit = self._thinner.limit
        self.warnings: list[str] = []

    # feeding ------------------------------------------------------------------
    def feed(self, chunk: str) -> None:
        if not chunk:
            return
        self._side.add_raw(chunk)
        self._fed_chars += len(chunk)
        end = chunk.rstrip(" \t")
        if end:
            self._ends_newline = end[-1] in "\r\n"
        self._pending.append(chunk)
        self._pending_chars += len(chunk)
        if self._width is None:
            if self._pending_chars < self._probe_chars:
                return
            self._decide_width()
        if "\n" in chunk or self._pending_chars > MAX_PENDING_CHARS:
            self._parse_pending(final=False)

    def finish(self) -> StreamResult:
        if self._width is None:
            self._decide_width()
        self._parse_pending(final=True)
        bare = self._bare and not any(state.run.epoch_records for state in self._assembler.runs) \
            and not self._rows.runs
        if bare:
            start = len(self._assembler.runs)
            for kind, payload, segment in self._bare:
                self._assembler.feed(kind, payload, segment)
            for state in self._assembler.runs[start:]:
                state.run.meta["bare_summary"] = True
        runs = self._assembler.finish()
        others = self._rows.finish()
        if others:  # other frameworks' runs, in order of appearance among the Keras ones
            runs = sorted(runs + others, key=lambda r: r.meta.get("start_line", 0))
            for index, run in enumerate(runs):
                run.index = index
        warnings = list(self.warnings)
        for line, epochs in self._assembler.quoted:
            warnings.append(f"line {line}: {epochs} epoch(s) repeating what an earlier run printed were taken "
                            f"as a quotation, not as a new run")
        cut = _drop_cut_value(runs, *self._last_line, ended=self._ends_newline)
        if cut:
            warnings.append(cut)
        warnings += self._thinner.report(runs)
        if self._glued:
            line, glued = self._first_glued
            warnings.append(f"{self._glued} progress update(s) had other output printed into them (first at line "
                            f"{line}: {glued!r}); they were read up to their last metric")
        if self._unparsed_dropped:
            warnings.append(f"{self._unparsed_dropped} more log-like line(s) not understood were not listed "
                            f"(at most {MAX_UNPARSED} are)")
        side, side_warning = self._side.result()
        if side_warning:
            warnings.append(side_warning)
        return StreamResult(runs, self.unparsed, side, warnings)

    # parsing ------------------------------------------------------------------
    def _decide_width(self) -> None:
        probe = "".join(self._pending)
        self._pending = [probe]
        self._width = unwrap_width(strip_ansi(probe).split("\n"))

    def _parse_pending(self, final: bool) -> None:
        text = "".join(self._pending)
        if final:
            block, rest = text, ""
        else:
            end = self._split_point(text)
            if end < 0 and len(text) > MAX_PENDING_CHARS:
                end = text.rfind("\n")  # past the cap, lines held back for their rest are parsed anyway
            if end < 0:
                if len(text) <= MAX_PENDING_CHARS:
                    self._pending = [text]
                    return
                # One unfinished line beyond the cap: parse its completed redraws, keep the last.
                cut = text.rfind("\r")
                if cut <= 0:
                    self._pending = [text]
                    return
                self._parse_block(text[:cut], lines=0)
                self._pieces_done = True
                self._pending, self._pending_chars = [text[cut:]], len(text) - cut
                return
            block, rest = text[:end], text[end + 1:]
        lines = block.count("\n") + 1
        last = _last_text_line(block, self._next_line + lines - 1)
        if last is not None:  # the last line with text so far: a value the end of the input cut is in it
            self._last_line = last
        self._parse_block(block, lines, final)
        self._pieces_done = False
        self._next_line += lines
        self._pending, self._pending_chars = ([rest] if rest else []), len(rest)

    def _split_point(self, text: str) -> int:
        """Index of the newline that ends the last line safe to parse now, or -1.

        With a wrap width, a line is only safe when the complete line after it
        cannot be its wrapped remainder (segmenting would join them).
        """
        end = text.rfind("\n")
        for _ in range(_OPEN_LINES):  # a line that `ends_open` has its rest on the next, maybe not here yet
            line = text[text.rfind("\n", 0, end) + 1:end]
            if end <= 0 or not (ends_open(line) or _inside_dict(text, end) or may_hang(line)):
                break
            end = text.rfind("\n", 0, end)
        if end > 0:  # a list that ended on a value may go on in the next line (`- accuracy: ...`)
            before = text.rfind("\n", 0, end)
            if ends_on_value(text[before + 1:end]):
                end = before
            for _ in range(_OPEN_LINES):  # never split a line from the rest of its list
                if end < 0:
                    break
                after = text[end + 1:text.find("\n", end + 1)]
                before = text.rfind("\n", 0, end)
                line = text[before + 1:end]
                if not (ends_open(line) or leads_on(line, after) or hangs_on(line, after)
                        or _inside_dict(text, end)):
                    break
                end = before
        if not self._width or end < 0:
            return end
        after_end, end = end, text.rfind("\n", 0, end)
        while end >= 0:
            after = strip_ansi(text[end + 1:after_end])
            if not wrapped_rest(after) and not _inside_dict(text, end):
                return end
            after_end, end = end, text.rfind("\n", 0, end)
        return text.rfind("\n") if len(text) > MAX_PENDING_CHARS else -1  # endless wrapping: stop joining

    def _parse_block(self, block: str, lines: int, final: bool = False) -> None:
        """Parse complete lines (``lines`` of them; 0 for the redraws of an unfinished line)."""
        offset = self._next_line - 1
        assembler, unparsed = self._assembler, self.unparsed
        loglike = LOGLIKE.search
        parsed_lines = self._side.parsed_lines()
        prune = self._fed_chars > COLUMNS_AFTER_CHARS
        count = 0
        was_enabled = gc.isenabled()
        # Step records are dicts without cycles: pausing the cyclic GC while they are
        # built saved a quarter of the time on a 20 MB capture.
        gc.disable()
        try:
            for segment in segments(block, self._locales, self._width, redraws=read_redraws, carry=self._carry,
                                    last=final, first_line=offset + 1):
                count += 1
                if prune and not count & _PRUNE_EVERY:
                    self._prune(self._thinner.first_open)
                if segment.bars is not None:  # a line of redraws, read whole by the fast path
                    assembler.feed_bars(segment.bars, segment)
                    parsed_lines.add(segment.line)
                    continue
                if family_shape(segment.text) and self._family(segment):
                    # a tqdm/Rich bar or an HF dict: its own grammar, without trying Keras' first
                    parsed_lines.add(segment.line)
                    continue
                try:
                    result = fast_record(segment.text)
                    kind, payload = result if result is not None else parse_segment(segment.text)
                    if kind == "progress" and payload["step"] is None and payload["time"] is None \
                            and payload["bar"] is None:
                        # `Epoch: 1  Loss: 0.5`: name/value pairs with no counter, bar or time are a loop's
                        # line when a loop reads them, and a Keras line only where one could start so
                        read = self._family(segment)
                        if read:
                            parsed_lines.add(segment.line)
                        if read:
                            continue
                        if not CANDIDATE.match(segment.text):
                            if SUMMARY.match(segment.text.lstrip()) and len(self._bare) < MAX_UNPARSED:
                                self._bare.append((kind, payload, segment))  # the log only if nothing else is
                            continue
                except (LarkError, ValueError, IndexError, TypeError):
                    salvaged = self._translated(segment) or self._salvage(segment)
                    if salvaged is None and self._family(segment):
                        parsed_lines.add(segment.line)
                        continue
                    if salvaged is None:
                        if loglike(segment.text) and CANDIDATE.match(segment.text) \
                                and (not unparsed or unparsed[-1][0] != segment.line):
                            if len(unparsed) < MAX_UNPARSED:
                                unparsed.append((segment.line, segment.text))
                            else:
                                self._unparsed_dropped += 1
                        continue
                    kind, payload = salvaged
                assembler.feed(kind, payload, segment)
                parsed_lines.add(segment.line)
        finally:
            if was_enabled:
                gc.enable()
        self._thinner.thin(assembler.runs)
        if self._fed_chars > COLUMNS_AFTER_CHARS:
            self._compact()
        if lines:
            self._side.add_lines(block, self._next_line, parsed_lines, partial=self._pieces_done)

    def _compact(self) -> None:
        """Hold by column the records no later line can change, and let go of runs that ended empty.

        A run that ended (another started) is frozen whole; of the run under way,
        its epochs but the last (a redraw may replace it) and its steps before the
        latest epoch's (the thinning works on those). A run before its first header
        is left as it is: the header renumbers its records. A run that ended without
        a record (a header and nothing else) is dropped now rather than by
        `Assembler.finish`, with the same result; one that ended with records keeps
        only what `finish` reads of its state (`Assembler.seal`).
        """
        states, current = self._assembler.runs, self._assembler.current
        if self._thinner.limit != self._compact_limit:  # a new limit thinned (and thawed) every run again
            self._compact_from, self._compact_limit = 0, self._thinner.limit
        self._prune(self._compact_from)
        for state in states[self._compact_from:]:
            run = state.run
            ended = state is not current
            if state.headerless:
                continue
            epochs, steps = run.epoch_records, run.step_records
            if not isinstance(epochs, RecordColumns):
                epochs = run.epoch_records = RecordColumns(epochs)
            if not isinstance(steps, RecordColumns):
                steps = run.step_records = RecordColumns(steps)
            if ended:
                epochs.freeze(len(epochs))
                steps.freeze(len(steps))
                continue
            if len(epochs) - 1 - epochs.frozen >= _FREEZE_AT_LEAST:
                epochs.freeze(len(epochs) - 1)
            start = len(steps)
            if start - steps.frozen > _FREEZE_AT_LEAST:
                last = steps[-1]["epoch"]
                while start > steps.frozen and steps[start - 1]["epoch"] == last:
                    start -= 1
                if start - steps.frozen >= _FREEZE_AT_LEAST:
                    steps.freeze(start)
        self._assembler.seal(self._compact_from)
        self._compact_from = max(len(states) - 1, 0)
        self._thinner.reopen(len(states))

    def _prune(self, start: int) -> None:
        """Drop the runs from ``start`` on that ended without a record (`Assembler.finish` would);
        a text of a million headers that each start a run then holds one at a time, not all."""
        states, current = self._assembler.runs, self._assembler.current
        kept = [state for state in states[start:] if state is current or state.run.epoch_records
                or state.run.step_records]
        if len(kept) < len(states) - start:
            states[start:] = kept

    def _family(self, segment: Segment) -> bool:
        """Whether a segment is a line of another framework's log (Lightning, HF, fastai, YOLO, a loop),
        read by its family's grammar into a run."""
        record = read_family(segment.text)
        if record is None:
            return False
        # a bar that feeds no run (validation, sanity check, HF's step bar) is still a line of the log
        return self._rows.feed(record[0], record[1], segment) or record[0] == "row"

    def _translated(self, segment: Segment) -> Record | None:
        """The record of a segment whose words the grammar does not take as they stand (a translated
        callback message or ``Train on`` line), once the tables' phrases are swapped back to English."""
        text, codes = self._locales.translate(segment.text)
        if not codes:
            return None
        try:
            record = parse_segment(text)
        except (LarkError, ValueError, IndexError, TypeError):
            return None
        segment.locales = segment.locales + codes
        return record

    def _salvage(self, segment: Segment) -> Record | None:
        """A bar update the grammar refused because text was printed into it, counted for the warning."""
        try:
            salvaged = salvage_progress(segment.text)
        except (ValueError, IndexError, TypeError):
            return None
        if salvaged is None:
            return None
        self._glued += 1
        if self._glued == 1:
            self._first_glued = (segment.line, salvaged[1][:60])
        return salvaged[0]

    def _metric_name(self, name: str) -> tuple[str, tuple[str, ...]]:
        known = self._names.get(name)
        if known is None:
            known = self._names[name] = self._locales.metric(name)
        return known


def _last_text_line(block: str, last_number: int) -> tuple[int, str] | None:
    """Number and text (trailing blanks off) of the last line of ``block`` that has any, whose last
    line is number ``last_number``; read from the end, so a block is neither copied nor counted again."""
    end = len(block)
    while end >= 0:
        start = block.rfind("\n", 0, end) + 1
        line = block[start:end].rstrip(" \t\r")
        if line:
            return last_number - block.count("\n", end), line
        end = start - 1
    return None


#: The last value of a line that the end of the text cut short: Keras prints 4 decimals
#: (``0.4123``) or a two-digit exponent (``3.5193e-04``), so fewer digits at the very end
#: are a value cut in two.
_CUT_VALUE = re.compile(r"([^\W\d][\w.]*): ?([-+]?\d+(?:\.\d{0,3})?|[-+]?\d+\.\d+[eE][-+]?\d?)\s*$")
#: A metric list that stops at a name (``- val_lo``, ``- val_loss:``).
_CUT_NAME = re.compile(r" - [^\W\d][\w.]*:?\s*$")


_NOT_METRICS = frozenset(EPOCH_KEYS) | frozenset(STEP_KEYS)


def _inside_dict(text: str, end: int) -> bool:
    """Whether the line ending at ``end`` is inside a logged dict a screen wrapped over several lines
    (it opened at a line start and has not closed yet): its rest is still to come."""
    start = text.rfind("\n{", max(0, end - 4000), end)
    if start < 0:
        if not text.startswith("{") or end > 4000:
            return False
        start = 0
    return "}" not in text[start:end]


def _drop_cut_value(runs: list[Run], line: int, text: str, ended: bool) -> str | None:
    """Remove the metric that the end of the input cut short from the record it went into.

    A paste or a log file that stops mid-line (``... - 96s 16ms/step - loss: 0.41``)
    would otherwise give a complete-looking epoch with a wrong last value. The
    other metrics of that line were printed whole and stay; an epoch record left
    without metrics is dropped. ``text`` is the last line with text, number
    ``line``. When the input ``ended`` with a newline the line may be whole (a
    hand-written ``loss: 0.25``), so it counts as cut only when it also has fewer
    metrics than the epoch before it. Returns the warning, or None.
    """
    piece = strip_ansi(text.rsplit("\r", 1)[-1]).rstrip("\b")
    if not piece.strip() or not runs or runs[-1].meta.get("end_line") != line:
        return None
    run = runs[-1]
    name = _CUT_NAME.search(piece)
    if name is not None:  # Keras never ends a line on a bare name: the values before it were printed whole
        return (f"the text ends inside line {line}: the metrics after {piece[:name.start()].rsplit(' - ', 1)[-1]!r} "
                f"were cut off ({name.group(0).strip()!r} is all that is left of them)")
    m = _CUT_VALUE.search(piece)
    if m is None:
        return None
    printed = float(m.group(2))
    for records in (run.epoch_records, run.step_records):
        if not records:
            continue
        record = records[-1]
        metrics = [k for k in record if k not in _NOT_METRICS]
        if ended and not (len(records) > 1 and len(records[-2]) > len(record)):
            continue
        if metrics and record[metrics[-1]] == printed:
            record = dict(record)  # a copy when the records are held by column: assigned back below
            del record[metrics[-1]]
            records[-1] = record
            epoch_end = records is run.epoch_records
            where = f"epoch {record['epoch']}" if epoch_end else f"step {record.get('step')} of epoch {record['epoch']}"
            emptied = epoch_end and len(metrics) == 1  # an update keeps its step and ETA
            if emptied:
                records.pop()
                if not run.epoch_records and not run.step_records:
                    runs.pop()  # nothing of the run was printed whole
            return (f"the text ends inside line {line} ({where}): {metrics[-1]} was printed as {m.group(2)!r}, "
                    f"cut short, and was left out" + (" with the whole epoch record" if emptied else ""))
    return None


class _SideText:
    """The text for the prediction and context scans, bounded.

    While the input is under `SIDE_TEXT_CHARS` it is kept whole (the scans then
    see exactly the input). Past that, it becomes the lines no training record
    came from, numbered as in the input, until they too reach the cap.
    """

    def __init__(self) -> None:
        self._raw: list[str] | None = []
        self._raw_chars = 0
        self._parsed: set[int] = set()
        # the lines kept and their numbers, side by side (not a tuple per line: a capture of 47k runs
        # keeps each run's `model.fit` line)
        self._kept: list[str] = []
        self._kept_numbers = array("q")
        self._kept_chars = 0
        self._dropped = 0

    def add_raw(self, chunk: str) -> None:
        if self._raw is None:
            return
        self._raw.append(chunk)
        self._raw_chars += len(chunk)

    def parsed_lines(self) -> set[int]:
        return self._parsed

    def add_lines(self, block: str, first: int, parsed: set[int], partial: bool) -> None:
        """Lines ``first``.. of ``block`` were parsed; keep those that were not training output."""
        if self._raw is not None:
            if self._raw_chars <= SIDE_TEXT_CHARS:
                return
            # Too large to keep whole: from now on keep only lines that are not training
            # output. The lines parsed so far are in the raw text, which is dropped.
            raw, self._raw = "".join(self._raw), None
            done = raw.split("\n")[: first - 1]
            del raw
            self._keep(done, 1, parsed)
        self._keep(block.split("\n"), first, parsed, skip_first=partial)
        parsed.clear()

    def _keep(self, lines: list[str], first: int, parsed: set[int], skip_first: bool = False) -> None:
        for number, line in enumerate(lines, first):
            if number in parsed or (skip_first and number == first) or not line.strip():
                continue
            if self._kept_chars + len(line) > SIDE_TEXT_CHARS:
                self._dropped += 1
                continue
            self._kept.append(line)
            self._kept_numbers.append(number)
            self._kept_chars += len(line) + 1

    def result(self) -> tuple[SideText, str | None]:
        if self._raw is not None:
            return SideText("".join(self._raw)), None
        warning = None
        if self._dropped:
            warning = (f"{self._dropped} line(s) of text around the logs were not scanned for code, "
                       f"settings or arrays (at most {SIDE_TEXT_CHARS:,} characters are)")
        return SideText("\n".join(self._kept), self._kept_numbers.tolist()), warning


class _StepThinner:
    """Keeps step records within `STEPS_PER_EPOCH` per epoch and `STEP_BUDGET` in all.

    An epoch over the limit keeps one record per bucket of ``stride`` step numbers
    and its latest record, the stride doubling until it holds half the limit (so
    the next thinning is half a limit of updates away). When the whole log is
    over budget the limit halves and every epoch is thinned again. Inputs within
    the limits are never touched.
    """

    def __init__(self) -> None:
        self.limit = STEPS_PER_EPOCH
        self._runs: list[Run] = []
        self._checked: dict[int, int] = {}  # id(run) -> records already looked at
        self._seen: dict[int, int] = {}  # id(run) -> progress updates seen
        self._strides: dict[int, tuple[Any, int]] = {}  # id(run) -> (epoch, stride) of its latest thinning
        self._pairs: dict[tuple[Any, int], tuple[Any, int]] = {}  # one shared tuple per (epoch, stride)
        self._total = 0
        self._first_open = 0

    def thin(self, states: list[Any]) -> None:
        """Look at the records added since the last call (only the latest runs grow)."""
        for state in states[self._first_open:]:
            run = state.run
            key = id(run)
            if key not in self._checked:
                if not run.step_records:
                    continue  # a run is looked at from its first step (`LogStream._compact` may drop it)
                self._runs.append(run)
                self._checked[key] = self._seen[key] = 0
            records = run.step_records
            start = self._checked[key]
            if len(records) == start:
                continue
            self._seen[key] += len(records) - start
            begin = start
            epoch = records[start]["epoch"]
            while begin > 0 and records[begin - 1]["epoch"] == epoch:
                begin -= 1
            self._total -= start - begin
            self._thin_from(run, begin)
            self._total += len(records) - begin
            self._checked[key] = len(records)
        self._first_open = max(len(states) - 1, 0)
        while self._total > STEP_BUDGET and self.limit > 2:
            self.limit //= 2
            self._total = 0
            for run in self._runs:
                self._thin_from(run, 0)
                self._checked[id(run)] = len(run.step_records)
                self._total += len(run.step_records)

    @property
    def first_open(self) -> int:
        """The first of the runs that may still grow (runs before it are never dropped or moved)."""
        return self._first_open

    def reopen(self, runs: int) -> None:
        """The list of runs now has ``runs`` entries (ended empty ones were dropped): the last is open."""
        self._first_open = max(runs - 1, 0)

    def _thin_from(self, run: Run, begin: int) -> None:
        """Thin every epoch over the limit in ``run.step_records[begin:]`` (which starts an epoch).

        A run's epochs only increase (a lower one starts a new run), so each
        epoch's records are found by bisection.
        """
        records = run.step_records
        end = len(records)
        if end - begin <= self.limit:
            return
        out: list[dict] = []
        i = begin
        while i < end:
            epoch = records[i]["epoch"]
            j = bisect.bisect_right(records, epoch, i, end, key=_epoch)
            if j - i > self.limit:
                last_epoch, stride = self._strides.get(id(run), (None, 2))
                group, stride = _even(records[i:j], max(2, self.limit // 2), stride if last_epoch == epoch else 2)
                pair = (epoch, stride)
                if len(self._pairs) < 4096:
                    pair = self._pairs.setdefault(pair, pair)
                self._strides[id(run)] = pair
                out.extend(group)
            else:
                out.extend(records[i:j])
            i = j
        records[begin:] = out

    def report(self, runs: list[Run]) -> list[str]:
        """Mark thinned runs (``meta["step_updates_seen"]``); one warning for them all."""
        thinned = kept = seen = 0
        for run in runs:
            run_seen = self._seen.get(id(run), 0)
            if run_seen > len(run.step_records):
                run.meta["step_updates_seen"] = run_seen
                thinned, kept, seen = thinned + 1, kept + len(run.step_records), seen + run_seen
        if not thinned:
            return []
        return [(f"kept {kept} of {seen} progress updates in {thinned} run(s): at most {self.limit} per epoch, "
                 f"evenly spaced over the steps, the first and last of each epoch kept")]


def _epoch(record: dict) -> Any:
    return record["epoch"]


def _even(group: list[dict], target: int, stride: int) -> tuple[list[dict], int]:
    """At most ``target`` records of one epoch, spread evenly over the step numbers, and the stride used.

    One record per bucket of ``stride`` steps (the first in it), the stride
    doubling until they fit; the epoch's first and latest records are always kept.
    """
    span = abs(group[-1]["step"] - group[0]["step"])
    while (span // stride) + 2 > target and stride < span:  # start near the stride an evenly printed epoch needs
        stride *= 2
    while True:
        kept: list[dict] = []
        bucket = None
        for record in group[:-1]:
            b = record["step"] // stride
            if b != bucket:
                kept.append(record)
                bucket = b
        if len(kept) > 1 and bucket == group[-1]["step"] // stride:
            kept.pop()  # the latest record stands for its bucket
        kept.append(group[-1])
        if len(kept) <= target:
            return kept, stride
        stride *= 2


def parse_text(text: str, locales: LocaleTable | None = None) -> tuple[list[Run], list[tuple[int, str]]]:
    """Parse a whole text; return its runs and the log-like lines that were not understood.

    Never raises on odd input: a segment the grammar rejects is skipped (and
    reported in ``unparsed`` when it looks like training output). The one-chunk
    case of `LogStream`.

    Example:
        >>> runs, unparsed = parse_text("Epoch 1/1\\n1/1 [==] - 0s - loss: 0.5\\n")
        >>> runs[0].epoch_records
        [{'epoch': 1, 'loss': 0.5, 'seconds': 0.0}]
    """
    stream = LogStream(locales=locales)
    stream.feed(text)
    result = stream.finish()
    return result.runs, result.unparsed
