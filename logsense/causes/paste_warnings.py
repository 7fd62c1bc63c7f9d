"""The warnings a paste shows (numpy, Keras, TensorFlow): evidence a cause can cite.

A poster pastes what the console printed, warnings included, and those lines
often name the mechanism outright: ``RuntimeWarning: divide by zero encountered
in log`` is a log(0) somewhere in the loss; Keras' ``from_logits`` warning says
the loss and the output activation disagree; an ``overflow encountered`` is a
value past float range. The context reader (`context.prose`) files each such
line under ``warning_<kind>``; a line left in ``log.unparsed`` counts too.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

from ..context.prose import WARNING_KINDS, warning_kind
from ..log import Log


@dataclass(frozen=True)
class PasteWarning:
    kind: str
    text: str
    line: int | None = None


def paste_warnings(log: Log) -> list[PasteWarning]:
    """Every recognised warning of the paste: from its set-up context, then from its unparsed lines.

    Several causes ask, for each of many runs, and the answer reads every run's context and every
    unparsed line: it is kept for the last log asked about (held weakly, and only while its numbers
    of runs and unparsed lines are unchanged).
    """
    global _last
    key = (len(log.runs), len(log.unparsed or []))
    if _last is None or _last[0]() is not log or _last[1] != key:
        _last = (weakref.ref(log), key, _read(log))
    return list(_last[2])


_last: tuple[weakref.ref[Log], tuple[int, int], list[PasteWarning]] | None = None


def _read(log: Log) -> list[PasteWarning]:
    out: list[PasteWarning] = []
    contexts = [log.context or {}] + [run.context or {} for run in log.runs]
    for kind, _ in WARNING_KINDS:
        for ctx in contexts:
            text = ctx.get(f"warning_{kind}")
            if isinstance(text, str) and text:
                out.append(PasteWarning(kind, text))
                break
    said = {w.text for w in out}
    for line, text in log.unparsed or []:
        kind = warning_kind(text) if isinstance(text, str) else None
        if kind is not None and text.strip()[:200] not in said:
            said.add(text.strip()[:200])
            out.append(PasteWarning(kind, text.strip()[:200], int(line)))
    return out


def of_kind(log: Log, kind: str) -> list[PasteWarning]:
    return [w for w in paste_warnings(log) if w.kind == kind]
