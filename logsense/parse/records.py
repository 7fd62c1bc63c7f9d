"""One segment -> one record: the Lark grammar ``grammars/keras.lark`` and its Transformer.

The Transformer runs inline in the LALR parser, so no tree is built: every rule
returns a ``(kind, payload)`` record straight away. Kinds are ``header``,
``progress``, ``pair`` (a header and a bar on one segment), ``event`` and
``train_on``; `logsense.parse.assemble` turns the stream of them into runs.

Keywords are ``_``-prefixed terminals and optional parts ``[...]``, so each
method below receives exactly the values its rule names, in order.
"""
from __future__ import annotations

import math
import sys
from functools import cache, lru_cache
from typing import Any

import lark
from lark import Lark, Token, Transformer, v_args

from .cache import cache_dir, shipped_folder

Record = tuple[str, Any]

_UNIT_SECONDS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}


@lru_cache(maxsize=1024)  # a capture repeats the same few timings ("0s", "3ms") a million times
def duration(text: str) -> float:
    """``946us`` / ``2s`` / ``1:23`` / ``1:02:03`` in seconds.

    Example:
        >>> duration("946us"), duration("1:02")
        (0.000946, 62.0)
    """
    if ":" in text:
        seconds = 0.0
        for part in text.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds
    for unit in ("us", "µs", "ms", "s"):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * _UNIT_SECONDS[unit]
    return float(text)




def _value(token: Token) -> float | None:
    return None if token == "None" else number_value(token)


def number_value(text: str) -> float:
    """A printed number as a float, the C runtime's spellings of non-finite values included.

    Example:
        >>> number_value("3.5193e-04"), number_value("-1.#INF"), number_value("1.#QNAN")
        (0.00035193, -inf, nan)
    """
    if "#" in text:  # MSVC: 1.#INF, -1.#INF, 1.#QNAN, 1.#SNAN, -1.#IND
        sign = -1.0 if text.startswith("-") else 1.0
        return sign * math.inf if "#INF" in text.upper() else math.nan
    return float(text)


def new_progress(step: int | None, total: int | None, bar: str | None) -> dict[str, Any]:
    """An empty progress record: what every bar update, by any path, is built from.

    Metric names and values are kept apart (``names`` is a tuple) so the
    assembler canonicalises each layout of names once. ``per`` holds the times
    per unit as printed (``10ms/Schritt``) and ``words`` an ETA's name when it is
    not ``ETA``: which words those are is the assembler's to look up.
    """
    return {"step": step, "total": total, "bar": bar, "eta": None, "time": None, "per": [],
            "names": (), "values": [], "per_first": False, "words": ()}


def add_per(record: dict[str, Any], per: str, after_metrics: bool) -> None:
    """Add a time per unit (``946us/step``, ``5ms/шаг``) to a progress record, as printed."""
    record["per"].append(per)
    record["per_first"] = record["per_first"] or not after_metrics


def progress_record(counter: tuple[int, int | None] | None, bar: str | None,
                    items: list[Record]) -> dict[str, Any]:
    """The record of one progress update from the grammar's items (eta, time, per unit, metrics)."""
    step, total = counter if counter is not None else (None, None)
    record = new_progress(step, total, bar)
    metrics = [value for kind, value in items if kind == "metric"]
    record["names"] = tuple(name for name, _ in metrics)
    record["values"] = [v for _, v in metrics]
    seen_metric = False
    for kind, value in items:
        if kind == "metric":
            seen_metric = True
        elif kind == "eta":
            seconds, words = value
            record["eta"] = seconds
            if words != "ETA":
                record["words"] += (words,)
        elif kind == "time":
            seconds, per = value
            if record["time"] is None:
                record["time"] = seconds
            if per:
                add_per(record, per, seen_metric)
        elif kind == "per":
            add_per(record, value, seen_metric)
    return record


def _event(kind: str, value: float | None = None, **extra: Any) -> Record:
    return "event", {"kind": kind, "value": value, "extra": extra}


@v_args(inline=True)
class Records(Transformer):
    """Inline transformer: every rule of ``keras.lark`` returns a ``(kind, payload)`` record."""

    def header(self, words: str, epoch: Token, total: Token | None) -> Record:
        return "header", {"epoch": int(epoch), "total": int(total) if total is not None else None, "words": words}

    def words(self, *tokens: Token) -> str:
        return " ".join(tokens)

    def header_progress(self, header: Record, progress: Record) -> Record:
        return "pair", [header, progress]

    def train_on(self, samples: Token, val_samples: Token | None) -> Record:
        return "train_on", {"samples": int(samples), "val_samples": int(val_samples) if val_samples is not None else None}

    def counter(self, step: Token, total: Token) -> tuple[int, int | None]:
        return int(step), int(total) if total.type == "INT" else None

    def items(self, *children: Record) -> list[Record]:
        return list(children)


    def timing(self, time: Token, per: Token | None) -> Record:
        return "time", (duration(time), str(per) if per is not None else None)

    def per_unit(self, per: Token) -> Record:
        return "per", str(per)

    def cut(self, name: str) -> Record:
        return "cut", name

    def field(self, name: str, value: Token) -> Record:
        if value.type == "DURATION":  # a duration is the time left, whatever the words before it
            return "eta", (duration(value), name)
        return "metric", (name, _value(value))

    def progress(self, counter: tuple[int, int | None], bar: Token | None, items: list[Record]) -> Record:
        return "progress", progress_record(counter, _text(bar), items)

    def progress_bare(self, counter: tuple[int, int | None], bar: Token | None) -> Record:
        return "progress", progress_record(counter, _text(bar), [])

    def progress_nocounter(self, bar: Token | None, items: list[Record]) -> Record:
        return "progress", progress_record(None, _text(bar), items)

    # callbacks ---------------------------------------------------------------
    def numbered_event(self, words: str, number: Token, event: Record) -> Record:
        payload = event[1]
        if payload["kind"] == "terminate_on_nan":  # `Batch 3: Invalid loss, terminating training`
            payload["extra"]["batch"] = int(number)
            return event
        payload["printed_epoch"] = int(number)
        payload["padded"] = number.startswith("0") and len(number) > 1
        if words != "Epoch":
            payload["words"] = words
        return event

    def callback(self, event: Record) -> Record:
        return event

    def improved(self, monitor: Token, previous: Token, value: Token, path: Token | None) -> Record:
        extra: dict[str, Any] = {"monitor": str(monitor), "previous": _value(previous)}
        if path is not None:
            extra["path"] = str(path).strip()
        return _event("checkpoint", _value(value), **extra)

    def not_improved(self, monitor: Token, best: Token | None) -> Record:
        return _event("checkpoint", _value(best) if best is not None else None, monitor=str(monitor),
                      improved=False)

    def saving(self, path: Token) -> Record:
        return _event("checkpoint", path=str(path).strip())

    def early_stopping(self) -> Record:
        return _event("early_stopping")

    def reduce_lr(self, value: Token) -> Record:
        return _event("lr_change", _value(value))

    def lr_schedule(self, value: Token) -> Record:
        return _event("lr_schedule", _value(value))

    def restoring(self, epoch: Token | None) -> Record:
        if epoch is None:
            return _event("restore_weights")
        return _event("restore_weights", float(epoch), best_epoch=int(epoch))

    def invalid_loss(self) -> Record:
        return _event("terminate_on_nan")


def _text(token: Token | None) -> str | None:
    return str(token) if token is not None else None


@cache
def parser() -> Lark:
    """The LALR parser with the transformer inline (built once per process)."""
    return grammar_parser("keras", Records())


def grammar_parser(name: str, transformer: Transformer) -> Lark:
    """The LALR parser of ``grammars/<name>.lark`` with ``transformer`` inline.

    Building LALR tables is the largest part of a cold start (a third of a second for
    keras.lark), so they are kept in the user's cache directory (`logsense.parse.cache`), where Lark
    checks them against the grammar's and options' hash and rebuilds on any change.
    """
    source = shipped_folder("logsense.grammars").joinpath(f"{name}.lark").read_text(encoding="utf-8")
    folder = cache_dir()
    cache: str | bool = False
    if folder is not None:
        cache = str(folder / f"{name}-lark{lark.__version__}-py{sys.version_info[0]}{sys.version_info[1]}.pickle")
    return Lark(source, parser="lalr", lexer="contextual", transformer=transformer, maybe_placeholders=True,
                cache=cache)


def parse_segment(text: str) -> Record:
    """The record of one segment; raises `lark.exceptions.LarkError` (or ValueError) when it is not Keras output.

    Example:
        >>> parse_segment("Эпоха 3/10")
        ('header', {'epoch': 3, 'total': 10, 'words': 'Эпоха'})
    """
    return parser().parse(text)
