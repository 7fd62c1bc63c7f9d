"""Text -> segments: the candidate Keras messages of a text, in order, with their line numbers.

A line of console output is not yet one message. This step undoes what
terminals, pages and translation did to it: ANSI colours are dropped; a line of
``\\r`` redraws becomes one segment per progress update (``\\b`` applied);
marks a page put around a line (quotes, bullets, line numbers, inline code) are
taken off; lines a terminal wrapped at its width are joined back; a line holding
several messages (a lost newline before ``Epoch 2/10``, a callback glued to a
bar) is split; translated keywords are swapped for English (`locales`). What
cannot start a Keras message (prose, code, JSON, arrays) is dropped here,
without touching the parser.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .locales import LocaleTable

#: ANSI escape sequences (colours, cursor moves, OSC titles).
ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
#: The start of a word in any script (an ASCII letter or `_`, or any non-ASCII letter or mark), and a
#: run of up to five such words: the words of a header or a message, whatever their language.
_WORD = r"(?:[^\W\d]|[^\x00-\x7f\s])[^\s\d:：/\[\]]{0,40}"
_WORDS = rf"{_WORD}(?:[ \t]{_WORD}){{0,4}}"
#: Where one line holds several messages: a lost newline before an Epoch header or callback, a bar
#: update glued to the 4-decimal metric before it, or a header (in any words) glued after a value.
GLUE = re.compile(
    r"(?=Epoch \d|Batch \d+: Invalid loss|Restoring model weights)"
    # (a TensorFlow C++ log line glued after the metrics: `... - accuracy: 0.0389 2022-05-22 11:14:28.92: I ...`)
    r"|(?<=\s)(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?: [IWEF] )"
    # (a Keras bar: `[` and its fill, or `━` not followed by a second counter, which is Rich's)
    r"|(?:(?<=\d\.\d{4})|(?<=e[-+]\d\d)|(?<=nan)|(?<=inf)|(?<=\s))"
    r"(?= *\d+/(?:\d+|Unknown) +(?:\\?\[[=>.\\ -]|［|━(?![━╺╸]* *\d+/\d+)))"
    rf"|(?<=\d)[ \t]+(?={_WORDS}[ \t]?\d+/\d+(?:[ \t]|$))"
    rf"|[ \t]+(?={_WORDS}[ \t]?\d+/\d+[ \t]+\d+/(?:\d+|Unknown)[ \t])"
)
#: A TensorFlow C++ log line's start (glog: date, time, severity), found inside a piece.
_GLOG = re.compile(r"\s\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?: [IWEF] ")
#: A segment can be a Keras message only if it starts like one: a counter, a bar, a timing, a known
#: message, or words followed by a number (a header or a numbered message, in any language).
CANDIDATE = re.compile(
    r"(?:Epoch \d|Train on \d|\d+/(?:\d+|Unknown|\?)(?: |$)|[-–—] \d+(?:\.\d+)?m?s\b|\\?\[[=>.\- ]*(?:\\?\]|$)|［|━"
    r"|Restoring model|Batch \d+:|ReduceLROnPlateau|LearningRateScheduler"
    rf"|\d+(?:\.\d+)?(?:us|µs|ms|s) [-–—] ?{_WORD}[^:：]{{0,60}}[:：]"  # Keras 0/1 verbose=2: `2s - loss: 0.3`
    rf"|{_WORDS}[ \t]?\d+(?:/\d+(?=\s|$)|[:：]|\s*$))"
)
#: A Keras epoch summary quoted bare, without its bar (`loss: nan - accuracy: 0.0410 - val_loss: nan`):
#: a loss and at least one more ` - name: value` pair. Only a whole line (after its quotes) counts;
#: a bar's wrapped remainder is joined to its bar before this is asked.
SUMMARY = re.compile(
    r"(?:val_)?loss[:：] ?[-+]?(?:\d|nan|inf)\S* [-–—] \w[\w.]*[:：] ?[-+]?(?:\d|nan|inf)", re.IGNORECASE)
#: Quotes a post puts around a quoted line ("...", “...”, «...»).
_QUOTES = {'"': '"', "“": "”", "«": "»", "「": "」"}
#: Other frameworks' lines: HF's dicts, tqdm bars, fastai/YOLO tables, loops' `name: value` around a counter.
#: (Kept apart: a Keras line's wrapped rest may look like a loop's pair, and prose with a number in it
#: is only reported as not understood when it looks like a Keras line.)
OTHER_CANDIDATE = re.compile(
    r"(?:\{\s*['\"]|\d+(?:\.\d+)?%\s*\||\|[^|\n]*\|\s*\d+/|\[\s*\d+\s*[,/]\s*\d+\s*\]|[Ee]poch\s{2,}\w"
    r"|\d+(?:/\d+)?\s{2,}(?:[-+\d.]|nan|inf|#na#)|all\s{2,}\d|Class\s{2,}\w"
    rf"|{_WORDS}[ \t]*[:=：\[(][ \t]*\[?[ \t]*\d|{_WORDS}[ \t]+[-+]?\d[\d.]*[ \t]*[|,;\t])"
)
#: Letters glued to a counter (`大纪元1/10`, as pages that drop spaces print a header): split them.
HEADER_GLUE = re.compile(r"(?<=[^\W\d_])(?=\d+/\d+(?:\s|$))")
#: Text that looks like training output; only such segments are reported as unparsed.
LOGLIKE = re.compile(r"\[[=>.]{3,}\]|━{3,}|\bETA[:：]|\b\w+[:：] ?[-+]?(?:\d|nan|inf)|^Epoch \d+/\d+\s*$")
#: The start of a wrapped bar line's remainder: the rest of a metric name, value or separator.
CONTINUATION = re.compile(r"\s*(?:[\w.]*[:：] ?[-+]?(?:\d|nan|inf)|[\w.]* [-–—] [\w.]+[:：]|[-–—] [\w.]+[:：]|\d|[=>.]*\])")
#: A bar broken off at the end of a line (`6/10 [=======>.....`): its rest opens the next line.
_OPEN_BAR = re.compile(r"\d+/\d+ +\[[=>.]*$")
#: The bars' own non-ASCII glyphs (Keras 3's, Rich's and tqdm's blocks), which say nothing of a language.
#: A character that is neither ASCII nor a bar glyph: a sign of translated words. (A search in C:
#: ``str.translate`` over a raw capture's line of redraws took a fifth of its parse.)
_FOREIGN = re.compile("[^\x00-\x7f━╺╸•█▏▎▍▌▋▊▉]")
#: Punctuation translation puts where Keras printed ASCII.
_PUNCTUATION = str.maketrans({"，": ",", "／": "/", "\u00a0": " ", "\u3000": " "})


@dataclass(slots=True)
class Segment:
    """One candidate message, with the 1-based line it came from.

    ``bars`` is set on a whole line of ``\\r`` redraws that the ``redraws``
    reader given to `segments` read as plain bar updates only (its result).
    """

    text: str
    line: int
    locales: tuple[str, ...] = ()
    bars: list[Any] | None = None


def strip_ansi(text: str) -> str:
    """``text`` without ANSI escapes (a copy only when it has any)."""
    return ANSI.sub("", text) if "\x1b" in text else text


#: What a web page or a paste adds around each line of a log: a markdown quote (``> ``), list
#: bullet, line number (``12. `` or ``12 | ``), inline-code or bold marks, table pipes.
_DECOR_PREFIX = re.compile(r"(?:>\s?|[-*+]\s+|\d{1,6}[.:)]\s+|\d{1,6}\s*\|\s?|[`*|]+\s*)+")
_DECOR_END = "`*|"
_DECOR_START = ">-*+`|0123456789\"“«「"  # a line starting otherwise has no prefix to strip
#: What a page's markup leaves inside a line: Markdown escapes (``\\[``, ``val\\_loss``), a hard
#: break (a trailing ``\\``), HTML line breaks, bold marks around a value.
_MARKUP = re.compile(r"\\(?=[\[\]_*`\\<>#-])|\\[ \t]*$|</?br\s*/?>\s*$|\*\*", re.I)


def _unmark(line: str) -> str:
    """``line`` without the markup a page put inside it; unchanged (to the byte: a screen's width is
    read from line lengths) when it has none."""
    return _MARKUP.sub("", line) if _MARKUP.search(line) else line


def _undecorate(line: str) -> str:
    """``line`` without the marks a page or paste put around a Keras line, or unchanged.

    Trailing marks (`` ` ``, ``*``, ``|``) end no Keras message and always go; a
    prefix goes only when what it hides is a Keras message and the line as it
    stands is not one (`` - 2s - loss: 0.3`` is Keras 2 verbose=2, not a bullet).
    """
    stripped = body = line.strip()
    if not body:
        return line
    close = _QUOTES.get(body[0])
    if close is not None and len(body) > 2 and body[-1] == close and close not in body[1:-1] \
            and (CANDIDATE.match(body, 1) or SUMMARY.match(body, 1)):
        return body[1:-1].strip()
    if body[-1] in _DECOR_END:
        body = body.rstrip(_DECOR_END + " \t")
    m = _DECOR_PREFIX.match(body)  # fails at once on the usual `  3/10 [==` or `Epoch 3/10`
    if m is not None and CANDIDATE.match(body, m.end()) and not CANDIDATE.match(body):
        body = body[m.end():]
    return line if body == stripped else body


def _candidate(text: str) -> bool:
    """Any training line: segmenting keeps these (two matches: one pattern of both costs 8 ms to compile)."""
    return CANDIDATE.match(text) is not None or OTHER_CANDIDATE.match(text) is not None \
        or SUMMARY.match(text.lstrip()) is not None


def segments(text: str, locales: LocaleTable, width: int | None = None,
             redraws: Callable[[str], list[Any] | None] | None = None,
             carry: list[Segment] | None = None, last: bool = True, first_line: int = 1) -> Iterator[Segment]:
    """Candidate message segments of ``text``, in order, with line numbers.

    ``width`` is the terminal width for `_unwrap`; a streamed text passes the one
    decided from its first chunks (see `unwrap_width`). ``redraws`` reads a whole
    line of ``\\r`` redraws at once (`logsense.parse.fast.read_redraws`): when it
    returns the line's bar updates, the line is one segment carrying them in
    ``bars`` instead of one segment per redraw. ``first_line`` numbers the text's
    first line (a streamed block's place in the whole input).
    """
    text = strip_ansi(text)
    candidate = _candidate
    # Every piece of a capture passes here (a 20 MB capture has 100k in 1.3k lines):
    # what can be decided for a whole line is, and no test copies a piece.
    lines = text.split("\n")
    if "\\" in text or "**" in text or "<" in text:
        lines = [_unmark(line) if "\\" in line or "**" in line or "<" in line else line for line in lines]
    lines = [_undecorate(line) if line[-1:] in _DECOR_END or line.lstrip()[:1] in _DECOR_START else line
             for line in lines]
    # A Rich bar, whose wrapped metrics Rich redraws on the next line. A streamed text passes ``carry``:
    # the bar ending a block that is not the ``last`` is held there for the next block's first line.
    held: Segment | None = carry.pop() if carry else None
    for number, line in _unwrap(lines, width, first_line):
        # Non-ASCII other than the Keras 3 bar: a translated log (or prose).
        foreign_line = not line.isascii() and _FOREIGN.search(line) is not None
        glue_words = "Epoch" in line or "Batch" in line or "Restoring" in line
        if redraws is not None and "\r" in line and not foreign_line and not glue_words:
            run = "\r" + line
            bars = redraws(run)
            if bars is not None:
                if held is not None:
                    yield held
                    held = None
                yield Segment(run, number, bars=bars)
                continue
        for piece in line.split("\r") if "\r" in line else (line,):
            if "\b" in piece:
                piece = piece.rstrip("\b")  # Keras erases before its next \r: nothing to apply
                if "\b" in piece:
                    piece = _apply_backspaces(piece)
            piece = piece.strip()
            if not piece:
                continue
            if held is not None:
                if _HANGING_REST.fullmatch(piece):
                    piece = f"{held.text} {piece}"
                else:
                    yield held
                held = None
            if "━" in piece and _RICH_BAR.search(piece):
                held = Segment(piece, number)
                continue
            foreign = foreign_line and _FOREIGN.search(piece) is not None
            if foreign:
                piece = HEADER_GLUE.sub(" ", piece.translate(_PUNCTUATION))
            start = candidate(piece) or (foreign and locales.leads(piece))
            if ((glue_words and (piece.find("Epoch", 1) > 0 or "Batch" in piece
                                 or piece.find("Restoring", 1) > 0 or (".cc:" in piece and _GLOG.search(piece))))
                    or piece.count(" [") + piece.count(" ━") > 1 or (foreign and GLUE.search(piece, 1))):
                for part in GLUE.split(piece):
                    part = part.strip()
                    if part and (candidate(part) or (foreign and locales.leads(part))):
                        yield Segment(part, number)
            elif start:
                yield Segment(piece, number)
    if held is not None:
        if carry is not None and not last:
            carry.append(held)
        else:
            yield held


def unwrap_width(lines: list[str]) -> int:
    """The terminal width a copied screen was wrapped at, or 0 (see `_unwrap`)."""
    width = max(map(len, lines), default=0)
    if width < 40 or sum(len(line) == width for line in lines) < 2:
        return 0
    return width


def _unwrap(lines: list[str], width: int | None = None, first_line: int = 1) -> Iterator[tuple[int, str]]:
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
        line, number = lines[i], i + first_line
        while i + 1 < len(lines):
            rest = lines[i + 1]
            if ((width and len(line) >= width - 1) or ends_open(line)) and wrapped_rest(rest):
                line += rest
            elif open_dict(line) and rest[:1] != "{":
                line += rest  # a logged dict wrapped at the screen's width (HF's, mid-token too)
            elif leads_on(line, rest) or hangs_on(line, rest):
                # a page broke the list before ` - accuracy: ...`; Rich wrapped its metrics under an indent
                line = f"{line.rstrip()} {rest.lstrip()}"
            else:
                break
            i += 1
        yield number, line
        i += 1


#: Rich's progress bar, and the lines under it where Rich wraps the bar's metrics at a hanging indent
#: (names and values only: `     train_loss_step: 0.140 val_loss:` / `     0.240`).
_RICH_BAR = re.compile(r"[━╺╸]+ +\d+/\d+ ")
_HANGING_REST = re.compile(r"(?:(?:[A-Za-z_][\w.]*:|[-+]?(?:\d[\d.]*(?:e[-+]?\d+)?|nan|inf)(?:\.0)?)(?: +|$))+")
_HANGING = re.compile(rf" {{8,}}{_HANGING_REST.pattern}$")


#: Lines of other frameworks that start with a number (fastai's and YOLO's rows, tqdm's bare bars), a
#: dict or a loop's counter (`Epoch: 3`, `step=20`): a line of their own however long the line above.
_ROW_START = re.compile(r"\d+(?:/\d+)?\s{2,}(?:[-+\d.]|nan|inf|#na#)|\{\s*['\"]|\d+(?:\.\d+)?%\s*\|"
                        r"|(?i:epoch|step|iter(?:ation)?|batch)s?\b[ \t]*[:=\[(]?[ \t]*\[?\d")


def hangs_on(line: str, rest: str) -> bool:
    """Whether ``rest`` holds more of the metrics of the Rich bar ``line`` (or of its hanging lines)."""
    return _HANGING.match(rest) is not None and (("━" in line and _RICH_BAR.search(line) is not None)
                                                  or _HANGING.match(line) is not None)


def may_hang(line: str) -> bool:
    """A Rich bar or one of its hanging lines: more of its metrics may follow on the next line."""
    return ("━" in line and _RICH_BAR.search(line) is not None) or _HANGING.match(line) is not None


def open_dict(line: str) -> bool:
    """A logged dict the screen wrapped: its rest is on the next line."""
    return line[:1] == "{" and "}" not in line and len(line) < 4000


def wrapped_rest(rest: str) -> bool:
    """Whether a line can be the rest of the line above, wrapped at a terminal's width."""
    return CONTINUATION.match(rest) is not None and not CANDIDATE.match(rest) and not _ROW_START.match(rest)


#: A line that goes on a metric list (`- accuracy: 0.55 ...`): never a Keras line of its own.
_LEADS_ON = re.compile(rf"\s*[-–—] {_WORD}[^:：]{{0,60}}[:：] ?[-+]?(?:\d|nan|inf)")
#: A metric list that has ended on a value: a page may have broken it there.
_ENDS_VALUE = re.compile(r"[:：] ?[-+]?(?:\d[\d.]*(?:e[-+]?\d+)?|nan|inf)(?:\*\*)?\s*(?:\\|</?br\s*/?>)?\s*$",
                         re.I)


def ends_on_value(line: str) -> bool:
    """A line whose metric list ended on a value: the next line may still carry its rest."""
    return _ENDS_VALUE.search(line[-80:]) is not None


def leads_on(line: str, rest: str) -> bool:
    """Whether ``rest`` is the rest of ``line``'s metric list, broken off after a value."""
    return _LEADS_ON.match(rest) is not None and ends_on_value(line)


def ends_open(line: str) -> bool:
    """A line that stops where a metric list cannot (``- val_loss:``, ``- acc: 0.5 -``): a page or
    an editor wrapped it, whatever its width, and the next line holds the rest."""
    end = line.rstrip()
    # A bar is at most a few hundred characters: look at the tail only (a line of redraws is long).
    if end.endswith((":", " -")) and " - " in end:
        return True
    return end[-1:] in "[=>." and _OPEN_BAR.search(end[-400:]) is not None


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


