"""One segment of a non-Keras log -> one record: the grammars of the PyTorch family, beside keras.lark.

``grammars/tqdm.lark`` (tqdm, Rich and fastprogress bars: Lightning, HF Trainer, fastai, loops),
``grammars/hf.lark`` (the HF Trainer's logged dicts), ``grammars/table.lark`` (fastai's and YOLO's
epoch tables) and ``grammars/loop.lark`` (name/value pairs around a counter). A segment's shape
picks the grammar (`read_family`), so each segment costs one parse at most; its Transformer
returns a ``row`` record the assembler puts into runs like a Keras bar update:

``{"family", "role", "epoch", "epochs", "step", "steps", "names", "values", "precision"}``

``role`` is ``train`` (a training update), ``eval`` (validation / evaluation), ``sanity`` (Lightning's
sanity check) or ``summary`` (HF's closing dict). ``epoch`` is the epoch as the framework prints it
(0-based for Lightning and fastai's table, fractional for HF). ``precision`` is the significant
digits the framework rounds to (tqdm's 3 significant, Rich's 3 decimals: ``rounding`` says which), which
bounds what a detector may read into a change.
Table headers and rows come as ``table_header`` / ``table_row`` records holding the text, since a
row is cut at its header's column edges.
"""
from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from itertools import islice
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError

from .records import Record, grammar_parser

FAMILIES = ("lightning", "hf_trainer", "fastai", "yolo", "loop")
#: Significant digits tqdm's format_num keeps (`.3g`): changes below one part in 10^3 are rounding.
TQDM_DIGITS = 3
#: Decimals Lightning's Rich bar prints (`f"{v:.3f}"`): a loss below 5e-4 prints as 0.000.
RICH_DECIMALS = 3


def number(text: str) -> float:
    """A framework's printed number: tqdm's ``nan.0``/``inf.0``, HF's quoted values, ``91.25%`` (as 0.9125)."""
    text = text.strip().strip("'\"")
    percent = text.endswith("%")
    text = text.rstrip("%").strip()
    low = text.lower()
    if low.startswith(("nan", "-nan")):
        return math.nan
    if low.startswith(("inf", "+inf")):
        return math.inf
    if low.startswith("-inf"):
        return -math.inf
    value = float(text)
    return value / 100.0 if percent else value


def _role(label: str) -> str:
    low = label.lower()
    if low.startswith("sanity"):
        return "sanity"
    if low.startswith(("validat", "test", "predict", "eval")):
        return "eval"
    return "train"


def _row(family: str, role: str, names: list[str], values: list[float], epoch: Any = None, epochs: Any = None,
         step: Any = None, steps: Any = None, precision: int | None = None, rounding: str | None = None) -> Record:
    return "row", {"family": family, "role": role, "epoch": epoch, "epochs": epochs, "step": step, "steps": steps,
                   "names": tuple(names), "values": values, "precision": precision, "rounding": rounding}


@v_args(inline=True)
class _Bars(Transformer):
    def words(self, *tokens: Token) -> str:
        return " ".join(tokens)

    def label(self, words: str, first: Token | None, second: Token | None) -> tuple[str, int | None, int | None]:
        return words, int(first) if first is not None else None, int(second) if second is not None else None

    def counter(self, step: Token, total: Token) -> tuple[int, int | None]:
        return int(step), int(total) if total.type == "INT" else None

    def postfix(self, name: Token, value: Token) -> tuple[str, float]:
        return str(name), number(value)

    field = postfix

    def tqdm(self, label: Any, percent: Any, bar: Token, counter: tuple, elapsed: Token, rate: Any,
             *rest: Any) -> Record:
        words, epoch, _ = label if label is not None else ("", None, None)
        return _tqdm_row(words, epoch, counter, [r for r in rest if isinstance(r, tuple)])

    def rich(self, label: Any, bar: Token, counter: tuple, *rest: Any) -> Record:
        pairs = [r for r in rest if isinstance(r, tuple)]
        words, epoch, last = label if label is not None else ("", None, None)
        step, steps = counter
        return _row("lightning", _role(words), [n for n, _ in pairs], [v for _, v in pairs], epoch=epoch,
                    epochs=last + 1 if last is not None else None, step=step, steps=steps, precision=RICH_DECIMALS,
                    rounding="decimals")

    def fastprogress(self, label: Any, bar: Token, percent: Token, counter: tuple, elapsed: Token,
                     smooth: Token | None) -> Record:
        _, epoch, epochs = label
        step, steps = counter
        names, values = (["smooth_loss"], [number(smooth)]) if smooth is not None else ([], [])
        # fastprogress counts epochs from 1, the table it prints under them from 0: the table's numbering wins.
        return _row("fastai", "train", names, values, epoch=epoch - 1 if epoch is not None else None,
                    epochs=epochs, step=step, steps=steps)


def _tqdm_row(words: str, epoch: int | None, counter: tuple[int, int | None],
              pairs: list[tuple[str, float]]) -> Record:
    role = _role(words)
    step, steps = counter
    family = "lightning" if words.startswith("Epoch") or role != "train" or any(
        n == "v_num" for n, _ in pairs) else "loop"
    if not words:
        family = "hf_trainer"  # an unlabelled bar: the Trainer's
    return _row(family, role, [n for n, _ in pairs], [v for _, v in pairs], epoch=epoch if role == "train"
                else None, step=step, steps=steps, precision=TQDM_DIGITS, rounding="significant")


#: The common tqdm bar in one regex: `Epoch 3:  45%|████▌     | 45/100 [00:12<00:15,  3.61it/s, loss=0.1]`.
#: A fast path only: `fast_tqdm` returns what the grammar (grammars/tqdm.lark) returns or None, and
#: tests/test_parse_frameworks.py checks that on every bar of the real captures.
_FAST_TQDM = re.compile(
    r"(?:([A-Za-z_][\w.\/-]*(?: [A-Za-z_][\w.\/-]*)*)(?: (\d+))?:)? *(?:\d+(?:\.\d+)?%)?\|[^|\n]*\| *"
    r"(\d+)/(\d+|\?) \[(?:\d+:)?\d+:\d\d<(?:(?:\d+:)?\d+:\d\d|\?)(?:, *(?:\d+(?:\.\d+)?|\?)"
    r"(?:it/s|s/it|[A-Za-z]+/s))?((?:, *[A-Za-z_][\w.\/-]*=[^,\]\s]+)*),?\]")
_PAIR = re.compile(r"([A-Za-z_][\w.\/-]*)=([^,\]\s]+)")


def tqdm_record(text: str) -> Record:
    """The record the bar grammar (grammars/tqdm.lark) gives a bar line; raises when it takes none."""
    return _parser("tqdm", _Bars).parse(text)


def fast_tqdm(text: str) -> Record | None:
    """The record of a plain tqdm bar line, by one regex; None for anything else (the grammar reads it)."""
    m = _FAST_TQDM.fullmatch(text)
    if m is None:
        return None
    words, epoch, step, steps, postfix = m.groups()
    try:
        pairs = [(name, number(value)) for name, value in _PAIR.findall(postfix)]
    except ValueError:
        return None
    return _tqdm_row(words or "", int(epoch) if epoch is not None else None,
                     (int(step), int(steps) if steps != "?" else None), pairs)


@v_args(inline=True)
class _Dicts(Transformer):
    def entry(self, key: Token, value: Token) -> tuple[str, Any]:
        if value.type == "OTHER":
            return str(key)[1:-1], None
        return str(key)[1:-1], number(value)

    def start(self, *items: Any) -> Record:
        return hf_row([(k, v) for k, v in (i for i in items if isinstance(i, tuple)) if v is not None])


def hf_row(entries: list[tuple[str, float]]) -> Record:
    """The record of one dict the HF Trainer logged (printed, or in ``trainer_state.json``'s ``log_history``)."""
    names = [k for k, _ in entries if k != "epoch" and k != "step"]
    values = [v for k, v in entries if k != "epoch" and k != "step"]
    fields = dict(entries)
    if any(k.startswith("eval_") for k in names):
        role = "eval"
    elif "train_runtime" in fields or "train_loss" in fields:
        role = "summary"
    else:
        role = "train"
    return _row("hf_trainer", role, names, values, epoch=fields.get("epoch"), step=fields.get("step"))


@v_args(inline=True)
class _Tables(Transformer):
    def header(self, first: Token, *names: Token) -> Record:
        return "table_header", {"names": [str(first)] + [str(n) for n in names if n is not None and n.type == "NAME"],
                                "family": "fastai" if str(first) == "epoch" else "yolo", "role": "train"}

    def val_header(self, first: Token, *names: Token) -> Record:
        return "table_header", {"names": [str(first)] + [str(n) for n in names if n is not None and n.type == "NAME"],
                                "family": "yolo", "role": "eval"}

    def row(self, *cells: Token) -> Record:
        return "table_row", {"role": "train"}

    def val_row(self, *cells: Token) -> Record:
        return "table_row", {"role": "eval"}


@v_args(inline=True)
class _Loops(Transformer):
    """Name/value pairs: ``(name, float)`` for a value, ``(name, (n, total))`` for a fraction or a bracket
    (``[1/10]``, ``[1,  2000]``); a bracket with no name before it has the name None."""

    def words(self, *tokens: Token) -> str:
        return " ".join(tokens)

    def value(self, token: Token) -> Any:
        if token.type == "FRACTION":
            step, total = token.split("/")
            return int(step), int(total)
        return number(token)

    def bracket(self, first: Token, second: Token | None) -> tuple[None, tuple[int, int | None]]:
        return None, (int(first), int(second) if second is not None else None)

    def pair(self, name: str, value: Any) -> tuple[str, Any]:
        return name, value

    def pair_bracket(self, name: str, bracket: tuple[None, tuple[int, int | None]]) -> tuple[str, Any]:
        return name, bracket[1]

    def start(self, *parts: Any) -> Record:
        return "loop", {"pairs": [p for p in parts if isinstance(p, tuple)]}


@cache
def _parser(name: str, transformer: type) -> Lark:
    return grammar_parser(name, transformer())


#: Which grammar a segment's shape calls for.
#: (Searched, so a bar's leading ``45%`` need not be in the pattern: an optional ``\d+`` before the
#: bar made the search quadratic, 80 s on a pasted line of 15,000 digits.)
_TQDM = re.compile(r"\|[^|\n]*\|\s*\d+/(?:\d+|\?)|━+\s+\d+/\d+")
_FASTPROGRESS = re.compile(r"\|[^|\n]*\|\s*\d+(?:\.\d+)?%\s*\[")
_TABLE = re.compile(r"(?:[Ee]poch|Class)\s{2,}[A-Za-z_]|\d+(?:/\d+)?\s{2,}[-+\d.nai]|all\s{2,}\d")


#: Shapes no Keras line has: an HF dict, a tqdm bar (`|...| N/M [`), fastprogress' (`|...| 20.00% [`), a Rich
#: bar (`━━╺━ N/M 0:00:01`).
_OWN_SHAPE = re.compile(r"\{\s*['\"]|\|[^|\n]*\|\s*(?:\d+/(?:\d+|\?)|\d+(?:\.\d+)?%)\s*\["
                        r"|[━╺╸]+ +\d+/\d+ +(?:\d+:)?\d+:\d\d")


def family_shape(text: str) -> bool:
    """Whether a segment has a shape only another family's bars and dicts have (tried before Keras')."""
    return _OWN_SHAPE.match(text) is not None if text[:1] == "{" else _OWN_SHAPE.search(text) is not None


@lru_cache(maxsize=4096)
def read_family(text: str) -> Record | None:
    """The record of a segment of a non-Keras log, or None when no family's grammar takes it.

    Bars are redrawn with the same text many times: results are cached, so a record is read-only.
    """
    try:
        if text.startswith("{") and ":" in text:
            return _parser("hf", _Dicts).parse(text)
        if _TABLE.match(text):  # before the bars: YOLO's rows end in one
            return _parser("table", _Tables).parse(text)
        if _FASTPROGRESS.search(text) or _TQDM.search(text):
            return fast_tqdm(text) or _parser("tqdm", _Bars).parse(text)
    except (LarkError, ValueError, IndexError, TypeError, OverflowError, AttributeError, KeyError):
        cut = _cut_bar(text)
        return read_family(cut) if cut is not None else None
    try:
        if _two_numerals(text):
            record = _parser("loop", _Loops).parse(text)
            return record if _loop_has_values(record) else None
    except (LarkError, ValueError, IndexError, TypeError, OverflowError, AttributeError, KeyError):
        return None
    return None


#: The last complete `, name=value` of a tqdm postfix that something else was printed into.
_LAST_PAIR = re.compile(r".*, *[A-Za-z_][\w.\/-]*=[^,\]\s]+(?=,)")


def _cut_bar(text: str) -> str | None:
    """A tqdm bar cut short by the terminal's width and glued to the next message
    (`..., val_loss=1.400, val_accurMetric val_accuracy improved.`), closed after its last whole pair."""
    if "[" not in text or "]" in text[-2:]:
        return None
    m = _LAST_PAIR.match(text)
    return m.group(0) + "]" if m is not None and _TQDM.search(m.group(0)) else None


#: A number's digits, or nan/inf: each value or counter of a loop's line has one.
_NUMERAL = re.compile(r"\d+|nan|inf", re.IGNORECASE)


def _two_numerals(text: str) -> bool:
    """What `_loop_has_values` needs (a value and a counter, or two values) shows as two numerals in
    the text: a line of code or prose with one number (`d = 6000`) is not given to the loop grammar."""
    return len(list(islice(_NUMERAL.finditer(text), 2))) == 2


def _loop_has_values(record: Record) -> bool:
    """A hand-printed line worth reading: a number, and a counter or a second number."""
    pairs = record[1]["pairs"]
    values = [v for _, v in pairs if isinstance(v, float)]
    counters = [v for _, v in pairs if isinstance(v, tuple)]
    return bool(values) and (bool(counters) or len(values) >= 2)
