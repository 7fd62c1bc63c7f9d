"""Context blocks and how they attach to the runs that follow them.

A post reads top to bottom: code, then a log, then "with l2_lambda = 0 I get",
then a second log. Each piece of evidence is a `ContextBlock` at the line where
it starts; a run sees every block above it, later blocks overriding earlier ones.
"""
from __future__ import annotations

import bisect
import copy
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

from ..log import Run
from .vocab import DEFAULT_LR

Source = Literal["code", "json", "summary", "prose"]

#: Evidence that describes the set-up itself (prose only comments on it).
_SETUP_SOURCES = ("code", "json", "summary")
#: Keys a line after each run may state for that run (see `_apply_trailers`).
_TRAILER_KEYS = ("lr", "batch_size")
#: Keys whose dict values are merged key by key rather than replaced.
_MERGED_DICTS = ("variables",)


@dataclass
class ContextBlock:
    """Training set-up read from one place in the text.

    ``line`` is the 1-based line where the evidence starts; ``fit_call`` says the
    block saw a ``fit()`` call, which makes Keras's default batch size apply.
    """

    line: int
    values: dict[str, Any]
    source: Source
    fit_call: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "source": self.source, "values": self.values}


@dataclass
class Merged:
    """Context values folded from blocks, and whether a ``fit`` call was among them."""

    values: dict[str, Any] = field(default_factory=dict)
    fit_call: bool = False


def merge_blocks(blocks: Iterable[ContextBlock], base: Merged | None = None,
                 only_missing: bool = False) -> Merged:
    """Fold blocks in order; later values win unless ``only_missing``.

    A block that repeats the learning rate already known keeps the earlier
    ``lr_source``: "the learning rate is 0.01" after ``SGD(learning_rate=0.01)``
    confirms the code rather than replacing it.
    """
    out = base or Merged()
    ctx = out.values
    for block in blocks:
        out.fit_call = out.fit_call or block.fit_call
        for key, value in block.values.items():
            if key == "lr_source":
                continue
            if only_missing and key in ctx:
                continue
            if key in _MERGED_DICTS and isinstance(ctx.get(key), dict) and isinstance(value, dict):
                ctx[key] = {**ctx[key], **copy.deepcopy(value)}
                continue
            if key == "lr":
                same = isinstance(ctx.get("lr"), (int, float)) and math.isclose(ctx["lr"], value, rel_tol=1e-9)
                if not same:
                    ctx["lr_source"] = block.values.get("lr_source", block.source)
            ctx[key] = copy.deepcopy(value)
    return out


def with_defaults(merged: Merged) -> dict[str, Any]:
    """Fill what Keras would have used where the text is silent."""
    ctx = dict(merged.values)
    opt = ctx.get("optimizer")
    if "lr" not in ctx and opt in DEFAULT_LR:
        ctx["lr"] = DEFAULT_LR[opt]
        ctx["lr_source"] = "default"
    if merged.fit_call and "batch_size" not in ctx:
        # Keras 0.x fitted in batches of 128; from 1.0 on the default is 32.
        version = str(ctx.get("keras_version", ""))
        ctx["batch_size"] = 128 if version.startswith("0.") else 32
        ctx["batch_size_source"] = "default"
    if ctx.get("layers") and "initializer" not in ctx:
        ctx["initializer"] = "glorot_uniform"
    dataset = ctx.get("dataset")
    if merged.fit_call and isinstance(dataset, dict) and dataset.get("input_max") and "inputs_scaled" not in ctx:
        # The code that trains is in the post and never rescales the images.
        ctx["inputs_scaled"] = False
    return ctx


def _start(run: Run) -> float:
    line = run.meta.get("start_line")
    return float(line) if isinstance(line, (int, float)) else math.inf


def attach_to_runs(runs: list[Run], blocks: Iterable[ContextBlock]) -> dict[str, Any]:
    """Set ``run.context`` for each run and return the log-level context.

    Each run gets the blocks above its first line (a run without ``start_line``
    gets all of them), then Keras defaults where still missing. A run with no
    code, config or summary above it ("here is my output: ... and my code: ...")
    also takes, for keys still missing, the blocks between it and the next run.

    The log-level context is the last run's set-up plus whatever blocks after
    the last run add; those only fill gaps, because text after the log is
    usually an answer suggesting changes ("try Adam(lr=0.1)"), not the set-up
    that produced it.
    """
    ordered = sorted(blocks, key=lambda b: b.line)
    lines = [b.line for b in ordered]
    starts = sorted(_start(r) for r in runs)
    # Runs in line order fold the blocks above them once, not once per run, and
    # find their neighbours by bisection: a capture of thousands of runs stays linear.
    above, folded, setup_above = Merged(), 0, False
    for run in sorted(runs, key=_start):
        start = _start(run)
        upto = bisect.bisect_left(lines, start)
        merge_blocks(ordered[folded:upto], base=above)
        setup_above = setup_above or any(b.source in _SETUP_SOURCES for b in ordered[folded:upto])
        folded = upto
        merged = Merged(values=dict(above.values), fit_call=above.fit_call)  # merging never edits values in place
        if not setup_above:
            at = bisect.bisect_right(starts, start)
            following = starts[at] if at < len(starts) else math.inf
            merge_blocks(ordered[upto:bisect.bisect_left(lines, following)], base=merged, only_missing=True)
        run.context = with_defaults(merged)
    _apply_trailers(runs, ordered)
    if not runs:
        return with_defaults(merge_blocks(ordered))
    last = max(starts)
    last_run = next(r for r in runs if _start(r) == last)
    trailing = merge_blocks((b for b in ordered if b.line >= last),
                            base=Merged(values=dict(last_run.context)), only_missing=True)
    return trailing.values


def _apply_trailers(runs: list[Run], blocks: list[ContextBlock]) -> None:
    """Prose that labels each run *after* it ("lr=0.001 final weight: 1.91").

    When no prose value of a key precedes the first run and exactly one follows
    each run before the next, the values are trailers: value i belongs to run i,
    not to run i + 1 as reading top to bottom would have it.
    """
    placed = sorted((r for r in runs if math.isfinite(_start(r))), key=_start)
    if len(placed) < 2:
        return
    starts = [_start(r) for r in placed] + [math.inf]
    prose = [b for b in blocks if b.source == "prose"]
    for key in _TRAILER_KEYS:
        holders = [b for b in prose if key in b.values]
        if not holders or holders[0].line < starts[0]:
            continue
        held_at = [b.line for b in holders]  # in line order, as `blocks` is
        per_run = [holders[bisect.bisect_left(held_at, starts[i]):bisect.bisect_left(held_at, starts[i + 1])]
                   for i in range(len(placed))]
        if all(len(found) == 1 for found in per_run):
            for run, (block,) in zip(placed, per_run):
                run.context[key] = block.values[key]
                source_key = f"{key}_source"
                if source_key in block.values:
                    run.context[source_key] = block.values[source_key]
