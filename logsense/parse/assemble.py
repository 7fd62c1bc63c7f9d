"""Records -> runs: the assembler that turns the ordered stream of parsed records into `Run`s.

What it decides: where a run starts (a header whose epoch goes back, a new
declared total, ``Train on N samples``), which epoch a bar belongs to when the
paste lost its headers, which update is an epoch's final line and which a
partial one, which callback message goes with which epoch (Keras < 2.3 counts
them from 0), when a block of epochs is a quotation of an earlier run rather
than a run of its own, and each run's format, verbose style, locale and step
unit, read from the evidence its lines left.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..log import Event, Run
from ..metrics import VAL_PREFIX
from .fast import BarGroups, bar_record
from .locales import LocaleTable, detect_locale
from .names import known_name, resolve_names, validation_pairs
from .records import duration
from .segment import Segment

#: Canonical name of a printed metric name, and the locales whose spelling it was.
MetricName = Callable[[str], tuple[str, tuple[str, ...]]]


#: Lines between an epoch's line and a full bar of the same epoch length and names, with other numbers,
#: that make the bar another training's (a redraw follows on the next line, or on the same one).
NEW_BLOCK_GAP = 3


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
    #: Words of the run no table knows (header words, metric names, units): its language, by script.
    words: Counter = field(default_factory=Counter)
    #: Non-ASCII words of the run the tables did know: their script checks the tables' vote.
    seen: set[str] = field(default_factory=set)
    #: Metric names inferred by structure: canonical -> (printed, reason).
    inferred: dict[str, tuple[str, str]] = field(default_factory=dict)


class _Sealed:
    """What `Assembler.finish` needs of a run that ended (another run is under way): the run, its
    final bar's length, its inferred names and its description, worked out when it ended.

    A `_RunState` keeps counters and sets of evidence while its run grows (about 1 KB); a
    capture of 47k short runs held them all until `finish`. No line changes a run once the
    next one started, so `LogStream` seals each ended run and keeps this instead.
    """

    __slots__ = ("run", "final_total", "inferred", "described")
    headerless = tentative = False

    def __init__(self, run: Run, final_total: int | None, inferred: dict[str, tuple[str, str]],
                 described: dict[str, Any]) -> None:
        self.run = run
        self.final_total = final_total
        self.inferred = inferred
        self.described = described


#: A sealed run without inferred names (read only).
_NO_NAMES: dict[str, tuple[str, str]] = {}


class Assembler:
    """Turns the ordered stream of parsed records into runs: `feed` them in order, then `finish`.

    ``metric_name`` gives the canonical name of a printed metric name (the
    locale tables' `LocaleTable.metric`, cached by the caller).

    A header in words no table knows (``Эпоха 2/10``) is a header only where a
    header stands: it is held until the next record, and taken when a progress
    update follows it (then its words are known for the rest of the text).
    """

    def __init__(self, metric_name: MetricName, locales: LocaleTable) -> None:
        self._metric_name = metric_name
        self._locales = locales
        #: A header in unknown words waiting for the bar that makes it one: (record, segment).
        self._candidate: tuple[dict, Segment] | None = None
        #: Header words known to start epochs: English, the tables', and those learned from this text.
        self._header_words: dict[str, tuple[str, ...]] = {"Epoch": ()}
        #: A time per unit as printed -> (in English, the locales that spell its unit, the unit if unknown).
        self._unit_words: dict[str, tuple[str, tuple[str, ...], str | None]] = {}
        self.runs: list[_RunState] = []
        self.current: _RunState | None = None
        self.pending_events: list[Event] = []
        self.train_on: dict | None = None
        #: (start line, epochs) of runs `finish` left out as quotations of the run before
        self.quoted: list[tuple[int, int]] = []
        #: printed metric names of a bar -> its `Layout`
        self._layouts: dict[tuple[str, ...], Layout] = {}
        #: `_describe`'s answers, one shared dict each (sealed runs mostly have a few)
        self._descriptions: dict[tuple, dict[str, Any]] = {}

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

    def feed(self, kind: str, payload: Any, segment: Segment) -> None:
        """Take one record of `logsense.parse.records` (``header``, ``progress``, ``pair``, ``event``,
        ``train_on``) read from ``segment``."""
        if self._candidate is not None and kind in ("progress", "pair", "header", "train_on"):
            held, self._candidate = self._candidate, None
            if kind == "progress":  # a bar follows: it was a header
                self._header_words[held[0]["words"]] = ()
                self._header(*held)
                self._touch(held[1])
        if kind == "progress":
            if not self._progress(payload, segment):
                return
        elif kind == "pair":
            for child_kind, child in payload:
                self.feed(child_kind, child, segment)
            return
        elif kind == "train_on":
            self.current = None
            self.train_on = payload
            return
        elif kind == "header":
            if not self._header(payload, segment):
                return
        elif kind == "event":
            self._event(payload, segment)
            return
        self._touch(segment)

    def feed_bars(self, bars: list[BarGroups], segment: Segment) -> None:
        """Take a line of ``\\r`` redraws read as plain bar updates (``segment.bars``): nearly every
        record of a raw capture comes this way."""
        if self._candidate is not None:
            held, self._candidate = self._candidate, None
            self._header_words[held[0]["words"]] = ()
            self._header(*held)
        if self._bar_run(bars, segment):
            self._touch(segment)

    def _touch(self, segment: Segment) -> None:
        if self.current is not None:
            if segment.locales:
                self.current.locales.update(segment.locales)
            self.current.run.meta["end_line"] = segment.line

    def _header_codes(self, h: dict, seg: Segment) -> tuple[str, ...] | None:
        """The locales that spell a header's words, if they start epochs: English ``Epoch``, a table's
        translation of it, or words this text already used so. None for unknown words, which are
        held as a candidate instead (when ``N/M`` could be an epoch count)."""
        words = h.get("words", "Epoch")
        codes = self._header_words.get(words)
        if codes is not None:
            return codes
        found = self._locales.keyword(words)
        if found is not None and found[0] == "Epoch":
            codes = self._header_words[words] = found[1]
            return codes
        if h["total"] is not None and 0 <= h["epoch"] <= h["total"]:
            self._candidate = (h, seg)  # `Эпоха 2/10`: a header if a bar follows
        return None

    def _header(self, h: dict, seg: Segment) -> bool:
        codes = self._header_codes(h, seg)
        if codes is None:
            return False
        state = self.current
        declared = state.run.meta.get("declared_epochs") if state else None
        # The header of the epoch under way, printed again before its bar ends (a generator that prints
        # `Epoch 1/1000` into every update), is the same epoch; once that epoch's line is out, a new fit.
        repeated = state is not None and h["epoch"] == state.epoch and not state.epoch_done
        restart = (state is None or (state.epoch is not None and h["epoch"] <= state.epoch and not repeated)
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
        words = h.get("words", "Epoch")
        if codes:
            state.locales.update(codes)
            state.seen.add(words)
        elif words != "Epoch":
            state.words[words] += 1
        return True

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

    def _bar_run(self, bars: list[BarGroups], seg: Segment) -> bool:
        """Feed a line of `fast.BAR` groups; True if any was taken.

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
                fed = self._progress(bar_record(*groups), seg) or fed
                continue
            if state.headerless:
                self._next_headerless_epoch(state, total_n)
            if per is not None:
                self._units(state, (per,))
            # Keras 3 prints the remaining time on unfinished bars, without "ETA:".
            record = {"epoch": state.epoch, "step": step_n, "total": total_n,
                      "eta_seconds": duration(eta if eta is not None else elapsed)}
            if metrics:  # `fast.split_metrics`, inlined: this loop runs once per redraw
                printed: list[str] = []
                values: list[float] = []
                for item in metrics[3:].split(" - "):
                    name, _, value = item.partition(":")
                    printed.append(name)
                    values.append(float(value))
                key = tuple(printed)
                layout = layouts.get(key)
                if layout is None:
                    layout = layouts[key] = _canonical_names(key, self._metric_name)
                if layout[1] or layout[2] or layout[3]:
                    self._note_names(state, layout)
                record.update(zip(layout[0], values))
            state.run.step_records.append(record)
            fed = True
        return fed

    def _progress(self, p: dict, seg: Segment) -> bool:
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
        if p["per"]:
            p["per"] = self._units(state, p["per"])
        if p["words"]:
            state.words.update(p["words"])
        layout = self._layouts.get(p["names"])
        if layout is None:
            layout = self._layouts[p["names"]] = _canonical_names(p["names"], self._metric_name)
        names = layout[0]
        if layout[1] or layout[2] or layout[3]:
            self._note_names(state, layout)
        step, total = p["step"], p["total"]
        # A full bar that still shows an ETA (`796/796 [===] - ETA: 0s - loss: ...`) is the last update
        # before the epoch's own line, not that line.
        final = step is None or (total is not None and step >= total and p["eta"] is None)
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
            if p["total"] != state.final_total:
                return True
            if state.headerless and not _same_values(records[-1], record):
                # No headers and no redraws: each epoch printed only its final bar line.
                state.epoch += 1
                record["epoch"] = state.epoch
                records.append(record)
                return True
            if set(records[-1]) - {"seconds"} <= set(record):
                if (not state.headerless and set(record) - {"seconds"} == set(records[-1]) - {"seconds"}
                        and not _same_values(records[-1], record)
                        and seg.line - state.run.meta.get("end_line", seg.line) >= NEW_BLOCK_GAP):
                    # Not the epoch's line redrawn: other numbers, with the same names, lines below it
                    # (a second training pasted under the first, its header elided): a run of its own.
                    self.current = None
                    return self._progress(p, seg)
                records[-1] = record
            return True
        records.append(record)
        state.final_total = p["total"]
        state.epoch_done = True
        return True

    def _units(self, state: _RunState, printed: Iterable[str]) -> list[str]:
        """Times per unit in English (``10ms/Schritt`` -> ``10ms/step``), the locales that spell the
        units voted for; a unit no table knows is read as a step (Keras' unit since 2.3) and noted."""
        out = []
        for per in printed:
            found = self._unit_words.get(per)
            if found is None:
                time, _, word = per.partition("/")
                unit = self._locales.unit(word)
                found = self._unit_words[per] = ((f"{time}/{unit[0]}", unit[1], None) if unit is not None
                                                 else (f"{time}/step", (), word))
            english, codes, unknown = found
            if codes:
                state.locales.update(codes)
            if unknown:
                state.words[unknown] += 1
            out.append(english)
        return out

    @staticmethod
    def _note_names(state: _RunState, layout: Layout) -> None:
        """What a bar's names tell: the locales that spell them, the unknown words, the inferred twins."""
        _, codes, foreign, inferred, known = layout
        if codes:
            state.locales.update(codes)
            state.seen.update(known)
        if foreign:
            state.words.update(foreign)
        if inferred:
            state.inferred.update(inferred)

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

    def seal(self, start: int = 0) -> None:
        """Replace the states from ``start`` on whose run ended (not the current one, past its first
        header) by `_Sealed`: what `finish` reads of them, without the evidence they were read from."""
        runs, current = self.runs, self.current
        descriptions = self._descriptions
        for i in range(start, len(runs)):
            state = runs[i]
            if state is current or type(state) is not _RunState or state.headerless or state.tentative:
                continue
            described = _describe(state, self._locales)
            key = tuple(described.items())
            shared = descriptions.get(key)
            if shared is None:
                shared = descriptions[key] = described
            runs[i] = _Sealed(state.run, state.final_total, state.inferred or _NO_NAMES, shared)  # type: ignore[call-overload]

    # results ---------------------------------------------------------------------
    def finish(self) -> list[Run]:
        runs: list[Run] = []
        self.quoted = []
        kept: _RunState | _Sealed | None = None
        # kept.run.metrics, once asked: a fit joined to the kept run adds none (it has the same), and
        # reading them from the records again for every `fit(epochs=1)` of a loop was quadratic
        kept_metrics: list[str] | None = None
        printing = _Printed()  # which kept runs print a record: a quotation is looked for only there
        for state in self.runs:
            if state.tentative or (not state.run.epoch_records and not state.run.step_records):
                continue
            run = state.run
            if not run.epoch_records:
                _epochs_from_full_bars(run)
            if kept is not None and _one_epoch_fit(state) and _one_epoch_fits(kept) \
                    and kept.final_total == state.final_total \
                    and (kept_metrics if kept_metrics is not None else (kept_metrics := kept.run.metrics)) \
                    == run.metrics:
                # `for ...: model.fit(x, y, epochs=1)`: each epoch printed as `Epoch 1/1`, one training.
                _append_fit(kept.run, run)
                printing.add(kept.run, kept.run.epoch_records[-len(run.epoch_records):])
                continue
            if runs and any(_quotes(run, before) for before in printing.runs_with(run)):
                # "Here it got its best loss:" and an epoch copied from above: a quotation, not a run.
                self.quoted.append((run.meta.get("start_line", 0), len(run.epoch_records)))
                continue
            if runs and _previews(runs[-1], run):
                # A page's one-line preview of the log above the log itself: the preview goes.
                self.quoted.append((runs[-1].meta.get("start_line", 0), len(runs[-1].epoch_records)))
                printing.drop(runs.pop())
            run.index = len(runs)
            # Keras 3 sometimes flushes an epoch's second update before its first;
            # the steps are a series over step numbers, so order them by step.
            run.step_records.sort(key=lambda r: (r["epoch"], r["step"]))
            run.meta.update(state.described if type(state) is _Sealed else _describe(state, self._locales))
            inferred = {k: {"printed": p, "reason": why} for k, (p, why) in state.inferred.items()}
            for name, found in resolve_names(run).items():  # a twin named first by the list, then renamed
                earlier = inferred.pop(found["printed"], None)
                inferred[name] = found if earlier is None else {
                    "printed": earlier["printed"], "reason": f"{earlier['reason']}; {found['reason']}"}
            if inferred:
                run.meta["inferred_names"] = inferred
            runs.append(run)
            printing.add(run, run.epoch_records)
            kept, kept_metrics = state, None
        if self.pending_events and runs:
            runs[-1].events.extend(self.pending_events)
        return runs


class _Printed:
    """The kept runs by the epoch records they print (hashed), so that looking for the run a
    quotation copies costs the runs that print its first record, not every run of the paste
    (a log of thousands of runs made that quadratic). A quotation starts after the run it
    quotes started (`_quotes`), so each record printed by several runs also keeps the earliest
    start among them: a paste of ten thousand identical reruns answers in one comparison.

    Most records are printed by one run: such a record maps to the run itself, and only a
    record several runs print to a list of them (a capture of 47k short runs has a quarter
    of a million records, one entry each while `finish` runs).
    """

    def __init__(self) -> None:
        #: a record's hash -> the one kept run printing it, or [(run, its first epoch), ...] when several do
        self._by_record: dict[int, Run | list[tuple[Run, Any]]] = {}
        self._first: dict[int, Any] = {}  # id(run) -> the run's first epoch number
        self._earliest: dict[int, Any] = {}  # of a record several runs print: the earliest first epoch among them
        self._unnumbered: set[int] = set()  # such records printed by a run without an epoch number
        self._dropped: set[int] = set()

    def add(self, run: Run, records: list[dict[str, Any]]) -> None:
        first = run.epoch_records[0].get("epoch") if run.epoch_records else None
        self._first[id(run)] = first
        by_record = self._by_record
        for record in records:
            key = hash(_record_key(record))
            held = by_record.get(key)
            if held is None:
                by_record[key] = run
                continue
            if type(held) is not list:
                if held is run:
                    continue
                before = self._first[id(held)]
                held = by_record[key] = [(held, before)]
                if before is None:
                    self._unnumbered.add(key)
                else:
                    self._earliest[key] = before
            elif held[-1][0] is run:
                continue
            held.append((run, first))
            if first is None:
                self._unnumbered.add(key)
            else:
                self._earliest[key] = min(first, self._earliest.get(key, first))

    def drop(self, run: Run) -> None:
        self._dropped.add(id(run))

    def runs_with(self, run: Run) -> list[Run]:
        """The kept runs that print ``run``'s first epoch record and started before it (the only ones it can quote)."""
        if run.step_records or not run.epoch_records:
            return []
        key = hash(_record_key(run.epoch_records[0]))
        start = run.epoch_records[0].get("epoch")
        held = self._by_record.get(key)
        if held is None:
            return []
        if type(held) is not list:
            held = [(held, self._first[id(held)])]
        elif start is not None and key not in self._unnumbered and key in self._earliest \
                and start <= self._earliest[key]:
            return []
        return [r for r, first in held
                if id(r) not in self._dropped and (start is None or first is None or first < start)]


def _previews(before: Run, run: Run) -> bool:
    """Whether ``before`` is a preview of ``run``: fewer epochs, each the same as ``run``'s first ones."""
    n = len(before.epoch_records)
    if not n or n >= len(run.epoch_records) or before.step_records and not run.step_records:
        return False
    return all(_record_key(a) == _record_key(b) for a, b in zip(before.epoch_records, run.epoch_records))


def _one_epoch_fit(state: _RunState) -> bool:
    """A run that is one ``fit(epochs=1)``: one epoch, declared as the only one."""
    return state.run.meta.get("declared_epochs") == 1 and len(state.run.epoch_records) == 1


def _one_epoch_fits(state: _RunState) -> bool:
    """A run made of ``fit(epochs=1)`` calls (one, or several already joined)."""
    return state.run.meta.get("declared_epochs") == 1 and \
        len(state.run.epoch_records) == state.run.meta.get("fits", 1)


def _append_fit(run: Run, fit: Run) -> None:
    """Join the next ``fit(epochs=1)`` to the training it continues, as its next epoch."""
    epoch = run.epoch_records[-1]["epoch"] + 1
    shift = epoch - fit.epoch_records[0]["epoch"]
    run.epoch_records.extend({**r, "epoch": r["epoch"] + shift} for r in fit.epoch_records)
    run.step_records.extend({**r, "epoch": r["epoch"] + shift} for r in fit.step_records)
    for event in fit.events:
        if event.epoch is not None:
            event.epoch += shift
    run.events.extend(fit.events)
    run.meta["fits"] = run.meta.get("fits", 1) + 1
    run.meta["end_line"] = fit.meta.get("end_line", run.meta.get("end_line"))
    run.invalidate()


def _same_values(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether two epoch lines agree on every metric both print (Keras 3 prints an epoch's bar twice,
    the second time with the val_ metrics added)."""
    shared = [k for k in before if k in after and k not in ("epoch", "seconds")]
    return bool(shared) and all(repr(before[k]) == repr(after[k]) for k in shared)


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


#: One bar's metric names resolved: canonical names, locale votes, words no table knew, and the names
#: inferred by structure (canonical -> (printed, reason)).
Layout = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], dict[str, tuple[str, str]], tuple[str, ...]]


def _canonical_names(printed: tuple[str, ...], metric_name: MetricName) -> Layout:
    """Canonical names of one bar's metrics and every locale code their spellings voted for.

    A name no table knows keeps its spelling, unless it is the validation twin of another
    name of the same list (`names.validation_pairs`): then it is that name's ``val_`` twin.
    """
    resolved = [metric_name(name) for name in printed]
    unknown = {p for p, (canonical, _) in zip(printed, resolved) if canonical == p and not known_name(p)}
    pairs = validation_pairs(printed, unknown)
    canonical_of = dict(zip(printed, (c for c, _ in resolved)))
    names: list[str] = []
    codes: list[str] = []
    inferred: dict[str, tuple[str, str]] = {}
    for name, (canonical, found) in zip(printed, resolved):
        if name in pairs:
            train, affix = pairs[name]
            canonical = VAL_PREFIX + canonical_of[train]
            inferred[canonical] = (name, f"the validation twin of {train!r}: {affix!r} pairs the two halves of "
                                         f"the metric list as val_ does")
        names.append(canonical)
        codes.extend(found)
    foreign = tuple(p for p in unknown if p not in pairs and not p.isascii())
    known = tuple(p for p in printed if p not in unknown and not p.isascii())
    return tuple(names), tuple(codes), foreign, inferred, known


def _describe(state: _RunState, locales: LocaleTable) -> dict[str, Any]:
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
    if state.locales or state.words:
        locale = detect_locale(state.words, locales, state.locales, state.seen)
    return {"format": fmt, "verbose": 2 if "verbose2" in ev and "bar" not in ev else 1,
            "locale": locale, "step_unit": unit}


def _epochs_from_full_bars(run: Run) -> None:
    """A paste that stops at an epoch's full bar still showing an ETA (`1607/1607 [===] - ETA: 0s - loss: ...`,
    the epoch's own line never copied) has no epoch record; the last full bar of each epoch is then the best
    record of that epoch there is (Keras' running mean over every step), noted in ``meta``."""
    last: dict[Any, dict[str, Any]] = {}
    for r in run.step_records:
        if r.get("total") is not None and r.get("step") is not None and r["step"] >= r["total"]:
            last[r["epoch"]] = r
    if not last:
        return
    skip = ("step", "total", "eta_seconds")
    run.epoch_records = [{k: v for k, v in r.items() if k not in skip} for _, r in sorted(last.items())]
    run.meta["epochs_from_full_bars"] = len(run.epoch_records)
