"""Model descriptions that are data, not code: ``model.to_json()`` configs and
``model.summary()`` tables, mapped to the same layer dicts as the code reader.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from .layers import model_keys, propagate_fan_in
from .vocab import initializer_name, tidy_float

MAX_CONFIG_CHARS = 2_000_000
#: Brackets a config may nest (a Keras model nests about 10; json and ast recurse per level).
MAX_CONFIG_DEPTH = 100
_BRACE = re.compile(r"[{}]")
_BRACKET = re.compile(r"[\[\]{}()]")

_REGULARIZERS = {
    "kernel_regularizer": "kernel", "W_regularizer": "kernel", "recurrent_regularizer": "recurrent",
    "U_regularizer": "recurrent", "bias_regularizer": "bias", "b_regularizer": "bias",
}


@dataclass
class Found:
    line: int        # 1-based line where the evidence starts
    end_line: int    # 1-based, inclusive
    values: dict[str, Any]


def _tidy(obj: Any) -> Any:
    if isinstance(obj, float):
        return tidy_float(obj)
    if isinstance(obj, list):
        return [_tidy(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _tidy(v) for k, v in obj.items()}
    return obj


def _brace_spans(text: str) -> list[tuple[int, int]]:
    """Outermost balanced ``{...}`` spans, in one pass; a stray ``{`` just stays unmatched."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    first = text.find("{")  # a C search; the regex walk below costs 4 ns a character
    if first < 0:
        return []
    for m in _BRACE.finditer(text, first):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            pairs.append((stack.pop(), m.end()))
    pairs.sort()
    spans: list[tuple[int, int]] = []
    for start, end in pairs:
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans


def nesting_depth(text: str, limit: int = MAX_CONFIG_DEPTH) -> int:
    """How deep brackets nest in ``text`` (brackets inside strings count too: an upper bound),
    stopping as soon as it passes ``limit``; a cheap look before a recursive reader."""
    depth = deepest = 0
    for m in _BRACKET.finditer(text):
        if m.group() in "[{(":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif depth:
            depth -= 1
    return deepest


def _load(chunk: str) -> Any:
    """A config as JSON, else as a Python literal; the caller has checked its depth."""
    try:
        return json.loads(chunk)
    except (ValueError, RecursionError):
        pass
    try:  # a printed get_config(): Python literals
        return ast.literal_eval(chunk)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        return None


def find_configs(text: str, notes: list[str] | None = None) -> list[Found]:
    """Every JSON (or Python-literal) model config in the text, as layer context.

    A config nested deeper than `MAX_CONFIG_DEPTH` is not read (``notes`` says so).
    """
    found: list[Found] = []
    for start, end in _brace_spans(text):
        if end - start > MAX_CONFIG_CHARS:
            continue
        chunk = text[start:end]
        if "class_name" not in chunk and "layers" not in chunk:
            continue
        if nesting_depth(chunk) > MAX_CONFIG_DEPTH:
            if notes is not None:
                line = text.count("\n", 0, start) + 1
                notes.append(f"a model config at line {line} nests brackets more than {MAX_CONFIG_DEPTH} deep; "
                             f"it was not read")
            continue
        obj = _load(chunk)
        layers = config_layers(obj)
        if layers:
            line = text.count("\n", 0, start) + 1
            found.append(Found(line, line + chunk.count("\n"),
                               model_keys(propagate_fan_in(layers))))
    return found


def config_layers(obj: Any) -> list[dict[str, Any]]:
    """Layer dicts from a Keras 1, 2 or 3 model config (or a saved model's ``model_config``)."""
    if not isinstance(obj, dict):
        return []
    if "model_config" in obj:
        return config_layers(obj["model_config"])
    config = obj.get("config", obj)
    if isinstance(config, dict) and isinstance(config.get("layers"), list):
        entries = config["layers"]
    elif isinstance(config, list):
        entries = config
    elif isinstance(obj.get("class_name"), str) and isinstance(config, dict):
        entries = [obj]
    else:
        return []
    layers = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("class_name"), str):
            cfg = entry.get("config")
            layers.append(layer_from_config(entry["class_name"], cfg if isinstance(cfg, dict) else {}))
    return layers


def _regularizer(value: Any) -> dict[str, float] | None:
    if isinstance(value, str):
        return {value.lower(): 0.01} if value.lower() in {"l1", "l2"} else None
    if not isinstance(value, dict):
        return None
    cfg: dict[str, Any] = value["config"] if isinstance(value.get("config"), dict) else value
    out = {k: _tidy(float(cfg[k])) for k in ("l1", "l2") if isinstance(cfg.get(k), (int, float))}
    return out or None


def _initializer(value: Any) -> str | None:
    if isinstance(value, str):
        return initializer_name(value) or value
    if isinstance(value, dict) and isinstance(value.get("class_name"), str):
        return initializer_name(value["class_name"]) or value["class_name"]
    return None


def layer_from_config(kind: str, cfg: dict[str, Any]) -> dict[str, Any]:
    cfg = _tidy(cfg)
    info: dict[str, Any] = {"type": kind}
    if isinstance(cfg.get("name"), str):
        info["name"] = cfg["name"]
    for key in ("units", "output_dim", "filters", "nb_filter"):
        if isinstance(cfg.get(key), int):
            info["units"] = cfg[key]
            break
    if isinstance(cfg.get("input_dim"), int):
        info["input_dim"] = cfg["input_dim"]
    shape = cfg.get("batch_input_shape") or cfg.get("batch_shape")
    if isinstance(shape, list) and shape:
        if isinstance(shape[0], int):
            info["batch_size"] = shape[0]
        info["shape" if kind in {"InputLayer", "Input"} else "input_shape"] = shape[1:]
    elif isinstance(cfg.get("input_shape"), list):
        info["input_shape"] = cfg["input_shape"]
    if isinstance(cfg.get("activation"), str):
        info["activation"] = cfg["activation"]
    regs = {slot: r for key, slot in _REGULARIZERS.items() if (r := _regularizer(cfg.get(key)))}
    if regs:
        info["regularizers"] = regs
    for keys, out_key in ((("kernel_initializer", "init"), "initializer"),
                          (("recurrent_initializer", "inner_init"), "recurrent_initializer")):
        for key in keys:
            init = _initializer(cfg.get(key))
            if init:
                info[out_key] = init
                break
    rate_keys = ("rate", "p") if "Dropout" in kind else ("dropout", "dropout_W")
    for keys, out_key in ((rate_keys, "dropout"), (("recurrent_dropout", "dropout_U"), "recurrent_dropout")):
        for key in keys:
            if isinstance(cfg.get(key), (int, float)) and not isinstance(cfg.get(key), bool):
                info[out_key] = cfg[key]
                break
    for key, out_key in (("stateful", "stateful"), ("use_bias", "use_bias"), ("bias", "use_bias"),
                         ("return_sequences", "return_sequences")):
        if isinstance(cfg.get(key), bool):
            info[out_key] = cfg[key]
    return info


# -- model.summary() ---------------------------------------------------------------

_BAR = r"[\s│|┃]*"
_SUMMARY_ROW = re.compile(
    rf"^{_BAR}([\w./:-]+)\s+\((\w+)\)\s*[│|┃]?\s*(\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\]|multiple)\s*[│|┃]?\s*([\d,]+)\b")
_TOTAL = re.compile(r"^\s*Total params:\s*([\d,]+)")


def find_summaries(lines: list[str]) -> list[Found]:
    """``model.summary()`` tables: one `Found` per table, layers with output width and params."""
    found: list[Found] = []
    rows: list[dict[str, Any]] = []
    first = last = -1
    for k, line in enumerate(lines):
        if "(" not in line and "Total params" not in line:
            if rows and k - last > 3:
                found.append(_summary(rows, first, last, None))
                rows = []
            continue
        m = _SUMMARY_ROW.match(line)
        if m:
            if rows and k - last > 3:
                found.append(_summary(rows, first, last, None))
                rows = []
            if not rows:
                first = k
            rows.append(_summary_row(*m.groups()))
            last = k
            continue
        t = _TOTAL.match(line)
        if t and rows:
            found.append(_summary(rows, first, k, int(t.group(1).replace(",", ""))))
            rows = []
    if rows:
        found.append(_summary(rows, first, last, None))
    return found


def _summary_row(name: str, kind: str, shape: str, params: str) -> dict[str, Any]:
    row: dict[str, Any] = {"type": kind, "name": name, "params": int(params.replace(",", ""))}
    dims = re.findall(r"None|\d+", shape)
    if dims and dims[-1] != "None":
        row["output_shape"] = [None if d == "None" else int(d) for d in dims]
        if kind not in {"InputLayer", "Flatten", "Dropout", "Reshape"}:
            row["units"] = int(dims[-1])
    units, params = row.get("units"), row["params"]
    # invert the parameter counts: Dense u*(i+1), SimpleRNN u*(i+u+1), LSTM 4u*(i+u+1)
    gates = {"Dense": 1, "SimpleRNN": 1, "LSTM": 4}.get(kind)
    if gates and units and params % (gates * units) == 0:
        fan_in = params // (gates * units) - 1 - (units if kind != "Dense" else 0)
        if fan_in > 0:
            row["input_dim"] = fan_in
    return row


def _summary(rows: list[dict[str, Any]], first: int, last: int, total: int | None) -> Found:
    values = model_keys(rows, activations_known=False)
    if total is not None:
        values["total_params"] = total
    return Found(first + 1, last + 1, values)
