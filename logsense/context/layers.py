"""Layer dicts shared by the code reader and the JSON/summary readers, and the
model-wide keys derived from them (fan-in, output activation, largest l2, ...).

A layer dict uses these keys, all optional: type, name, units, input_dim,
shape (Input layers), input_shape, activation, regularizers
({"kernel"|"recurrent"|"bias": {"l1": x, "l2": y}}), initializer,
recurrent_initializer, dropout, recurrent_dropout, stateful, use_bias,
return_sequences, weights (custom layers), params, inputs (Graph nodes).
"""
from __future__ import annotations

import math
import re
from typing import Any

from .vocab import GLOROT_DEFAULT_LAYERS, PASS_THROUGH_LAYERS, RECURRENT_LAYERS

#: Layers whose fan-in is the width of the previous layer.
_DENSE_LIKE = {"Dense", "TimeDistributedDense"} | RECURRENT_LAYERS
_INPUT_LAYERS = {"Input", "InputLayer"}
_NO_WEIGHTS = PASS_THROUGH_LAYERS | _INPUT_LAYERS | {
    "Flatten", "Reshape", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling2D",
    "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Merge", "Concatenate", "Add", "Permute", "RepeatVector",
}


def _int(x: Any) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) and x > 0 else None


def apply_layer(layer: dict[str, Any], in_shape: list[Any] | None) -> list[Any] | None:
    """Fill the layer's ``input_dim`` (and a Dense layer's ``params``) from its input
    shape; return its output shape (None when unknown). Batch and time axes are
    not tracked: a shape is the feature axes only.
    """
    kind = layer.get("type", "")
    if kind in _INPUT_LAYERS:
        return layer.get("shape")
    if isinstance(layer.get("input_shape"), list) and layer["input_shape"]:
        in_shape = layer["input_shape"]
    if _int(layer.get("input_dim")):
        in_shape = [layer["input_dim"]]
    width = _int(in_shape[-1]) if in_shape else None
    if kind == "Flatten":
        return [math.prod(in_shape)] if in_shape and all(_int(s) for s in in_shape) else None
    if kind in PASS_THROUGH_LAYERS:
        return in_shape
    units = _int(layer.get("units"))
    if kind in _DENSE_LIKE and units:
        if width and "input_dim" not in layer:
            layer["input_dim"] = width
        if kind in {"Dense", "TimeDistributedDense"} and _int(layer.get("input_dim")) and "params" not in layer:
            bias = units if layer.get("use_bias", True) else 0
            layer["params"] = layer["input_dim"] * units + bias
    return [units] if units else None


def propagate_fan_in(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chain `apply_layer` through a sequential stack.

    Graph-model nodes name their inputs; a concatenation's width is the sum of
    the named nodes' widths. Layers the functional API already wired
    (``_wired``) keep what their own input said. Anything unknown stays unknown.
    """
    shape: list[Any] | None = None
    by_name: dict[str, int] = {}
    for layer in layers:
        if layer.pop("_wired", False):
            shape = None
            continue
        if "inputs" in layer:
            widths = [by_name.get(n) for n in layer["inputs"]]
            shape = [sum(widths)] if widths and all(widths) else None  # type: ignore[arg-type]
        shape = apply_layer(layer, shape)
        if layer.get("name") and shape and _int(shape[-1]):
            by_name[layer["name"]] = shape[-1]
    return layers


def has_weights(layer: dict[str, Any]) -> bool:
    """Whether the layer has trainable weights (Dense, Conv, LSTM, ...; not Dropout, Flatten, Input)."""
    return layer.get("type") not in _NO_WEIGHTS


def model_keys(layers: list[dict[str, Any]], activations_known: bool = True) -> dict[str, Any]:
    """Model-wide context from the layer list."""
    out: dict[str, Any] = {"layers": layers}
    weighted = [l for l in layers if has_weights(l)]
    for layer in reversed(layers):
        kind = layer.get("type")
        if kind in PASS_THROUGH_LAYERS - {"Activation"} or kind in {"Flatten", "Reshape"}:
            continue
        if "activation" in layer:
            if layer["activation"]:
                out["output_activation"] = layer["activation"]
        elif activations_known and kind in {"Dense", "TimeDistributedDense"}:
            out["output_activation"] = "linear"
        break
    for norm in ("l1", "l2"):
        lambdas = [reg[norm] for l in layers for reg in l.get("regularizers", {}).values()
                   if isinstance(reg.get(norm), (int, float))]
        if lambdas:
            out[norm] = max(lambdas)
    rates = [l[k] for l in layers for k in ("dropout", "recurrent_dropout")
             if isinstance(l.get(k), (int, float))]
    if rates:
        out["dropout"] = max(rates)
    explicit = [l.get("initializer") for l in weighted]
    if any(explicit):
        inits = {i or ("glorot_uniform" if l.get("type") in GLOROT_DEFAULT_LAYERS else None)
                 for i, l in zip(explicit, weighted)}
        if len(inits) == 1 and None not in inits:
            out["initializer"] = inits.pop()
    if any(l.get("stateful") for l in layers):
        out["stateful"] = True
    first = layers[0] if layers else {}
    for key in ("shape", "input_shape"):
        if isinstance(first.get(key), list):
            out["input_shape"] = first[key]
            break
    if _int(first.get("batch_size")):
        out["batch_size"] = first["batch_size"]
    return out


#: Items of a typed stack (``64, 512 -> 1``); an item ``64x512`` (`_TIMES`) is two widths.
_ITEM_SEPARATORS = re.compile(r"\s*(?:,|->|\s)\s*")
_TIMES = re.compile(r"\d+(?:x\d+)+")
_SPACED_TIMES = re.compile(r"(?<=\d)\s*x\s*(?=\d)")


def layer_sizes(value: Any) -> list[int]:
    """Widths of a dense stack, input first: ``"64,512,512,1"``, ``"64 -> 512 -> 1"`` or ``[64, 512, 1]``.

    What a user types when the post shows no model code (the page's re-run
    form, ``--layers``). Raises ``ValueError`` naming the reason for anything
    else: fewer than two widths, a width that is not a positive whole number.
    """
    if isinstance(value, str):
        parts: list[Any] = []
        text = _SPACED_TIMES.sub("x", value.strip())
        for token in _ITEM_SEPARATORS.split(text) if text else []:
            # 64x512 is two widths; a lone "x" (or "64,x") is a bad item, quoted as typed
            parts += token.split("x") if _TIMES.fullmatch(token) else [token]
    else:
        parts = list(value)
    sizes = []
    for p in parts:
        width = p if isinstance(p, int) and not isinstance(p, bool) else None
        if isinstance(p, str) and p.isdigit():
            width = int(p)
        if not width or width < 1:
            if p == "":
                raise ValueError(f"layer sizes must be positive whole numbers, got an empty item in {value!r}")
            raise ValueError(f"layer sizes must be positive whole numbers, got {p!r}")
        sizes.append(width)
    if len(sizes) < 2:
        raise ValueError("give at least two layer sizes, the input width first (e.g. 64,512,1)")
    return sizes


def dense_stack(sizes: list[int]) -> list[dict[str, Any]]:
    """Layer dicts for a plain Dense stack with these widths (input first)."""
    return propagate_fan_in([{"type": "Dense", "name": f"dense_{i}", "input_dim": a, "units": b}
                             for i, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1)])


def describe_sizes(layers: Any) -> str | None:
    """``"64,512,512,1"`` for a context's Dense-like stack whose widths are all known, else None."""
    if not isinstance(layers, list):
        return None
    weighted = [l for l in layers if isinstance(l, dict) and l.get("type") in _DENSE_LIKE]
    if not weighted or not all(_int(l.get("input_dim")) and _int(l.get("units")) for l in weighted):
        return None
    return ",".join(str(w) for w in [weighted[0]["input_dim"]] + [l["units"] for l in weighted])
