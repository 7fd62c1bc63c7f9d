"""Walk a post top to bottom and turn every piece of set-up evidence into a block."""
from __future__ import annotations

import ast
import re
from typing import Any

from .blocks import ContextBlock
from .code import Interpreter
from .config import find_configs, find_summaries
from .layers import model_keys
from .prose import ProseReader
from .segments import Segment, find_code, find_fragments
from .vocab import DATASET_PATTERN, dataset_info

#: Interactive prompts pasted with the code: ``>>> ``, ``... ``, ``In [3]: ``.
_PROMPT = re.compile(r"^(?:>>> ?|\.\.\. |In \[\d*\]: ?|\s+\.\.\.: )")
#: Prose variable overrides that trigger a re-reading of the code (each costs one pass),
#: and the largest reading (in interpreter steps) worth repeating.
MAX_REPLAYS = 8
MAX_REPLAY_STEPS = 50_000


def extract_context(text: str, warnings: list[str] | None = None) -> list[ContextBlock]:
    """Training set-up found in ``text``, one block per piece of evidence, in line order.

    ``warnings``, when given, receives one line for each thing a bound made the
    reader skip (a huge integer, a tower of powers, a config nested too deep).

    Code is read with `ast` and never executed. A prose line that changes a
    variable of the model ("if we change l2_lambda to be 0") re-reads the code
    with that value, so the block carries the model the next run trained.
    """
    if not isinstance(text, str) or not text or text.isspace():  # strip() would copy the text
        return []
    # Number lines as the log parser does: by "\n" only ("\r" redraws a progress bar in place).
    lines = [line.rstrip("\r") for line in text.split("\n")]
    blocks: list[ContextBlock] = []

    json_lines: set[int] = set()
    notes: list[str] = []
    for found in find_configs(text, notes):
        blocks.append(ContextBlock(found.line, found.values, "json"))
        json_lines.update(range(found.line - 1, found.end_line))

    code_view = [_PROMPT.sub("", line, count=1) for line in lines]
    scan = find_code(code_view, skip=json_lines)
    notes += scan.notes
    other = [k for k in range(len(lines)) if k not in scan.code_lines and k not in json_lines]
    segments = scan.segments + find_fragments(code_view, other)
    events: list[tuple[int, int, Any]] = [(s.line, 0, s) for s in segments]
    events += [(k + 1, 1, lines[k]) for k in other]
    events += [(line, 1, comment) for line, comment in scan.comments]
    events += [(found.line, 2, found) for found in find_summaries(lines)]
    events.sort(key=lambda e: (e[0], e[1]))

    interp = Interpreter()
    history: list[Segment] = []
    prose = ProseReader()
    pins: dict[str, Any] = {}
    replays = 0
    model_vars: dict[str, Any] = {}
    for line, kind, item in events:
        if kind == 0:
            retuned = _reassignments(item.body, model_vars)
            if retuned and replays < MAX_REPLAYS and interp.steps <= MAX_REPLAY_STEPS:
                # "l2_lambda = 0" on its own after the model: the same script, run again
                replays += 1
                pins.update(retuned)
                interp, changed = _replay(history, pins, interp)
                model_vars = _model_variables(interp)
                blocks.append(ContextBlock(line, changed, "code"))
                continue
            history.append(item)
            values, fit = interp.run_segment(item.body)
            _code_dataset_mention(item.body, values)
            model_vars = _model_variables(interp)
            if values or fit:
                blocks.append(ContextBlock(line, values, "code", fit_call=fit))
            continue
        if kind == 2:
            blocks.append(ContextBlock(line, _with_code_layers(item.values, interp.state.get("layers")), "summary"))
            continue
        values, overrides = prose.read(line, item, model_vars)
        if overrides and replays < MAX_REPLAYS and interp.steps <= MAX_REPLAY_STEPS:
            replays += 1
            pins.update(overrides)
            interp, changed = _replay(history, pins, interp)
            model_vars = _model_variables(interp)
            values = {**changed, **values}
        if values:
            blocks.append(ContextBlock(line, values, "prose"))
    blocks.sort(key=lambda b: b.line)
    if warnings is not None:
        warnings.extend(n for n in [*notes, *interp.notes] if n not in warnings)
    return blocks


def _with_code_layers(summary: dict[str, Any], code_layers: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A summary printed by the code above it: add its counts to the code's layers.

    The code knows activations and regularizers, the summary knows widths and
    parameter counts; when both list the same layer types, keep both.
    """
    rows = [r for r in summary["layers"] if r["type"] != "InputLayer"]
    layers = [l for l in code_layers or [] if l.get("type") not in ("Input", "InputLayer")]
    if not layers or [_kind(l["type"]) for l in layers] != [_kind(r["type"]) for r in rows]:
        return summary
    merged = [{**layer, **{k: v for k, v in row.items() if k not in layer or k in ("name", "params")}}
              for layer, row in zip(layers, rows)]
    keys = model_keys(merged)
    return {**keys, **{k: v for k, v in summary.items() if k not in keys}}


def _kind(layer_type: str) -> str:
    """Keras 1 and 2 spellings of one layer type: Convolution2D and Conv2D."""
    return layer_type.lower().replace("olution", "")


def _reassignments(body: list[ast.stmt], model_vars: dict[str, Any]) -> dict[str, Any]:
    """``{name: number}`` when ``body`` only gives model variables new literal values."""
    out: dict[str, Any] = {}
    for stmt in body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id in model_vars):
            return {}
        try:
            value = ast.literal_eval(stmt.value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            return {}
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return {}
        out[stmt.targets[0].id] = value
    return out


def _model_variables(interp: Interpreter) -> dict[str, Any]:
    """Numeric variables the model or optimizer was built from: the ones prose may change."""
    return {k: v for k, v in interp.numeric_variables().items() if k in interp.model_deps}


def _replay(history: list[Segment], pins: dict[str, Any], old: Interpreter) -> tuple[Interpreter, dict[str, Any]]:
    """Re-read all code so far with ``pins`` fixed; return the new reader and what changed."""
    fresh = Interpreter(pinned=dict(pins))
    for seg in history:
        fresh.run_segment(seg.body)
    fresh.pinned = {}  # later code may assign these names again
    changed = {k: v for k, v in fresh.state.items() if old.state.get(k) != v and k != "variables"}
    changed["variables"] = {k: v for k, v in pins.items()}
    return fresh, changed


def _code_dataset_mention(body: list[ast.stmt], values: dict[str, Any]) -> None:
    """``from keras.datasets import mnist`` names the data even before ``load_data``."""
    if "dataset" in values:
        return
    for stmt in body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module and "datasets" in stmt.module:
            for alias in stmt.names:
                m = DATASET_PATTERN.fullmatch(alias.name)
                if m and (info := dataset_info(m.group(1))):
                    values["dataset"] = info
                    return
