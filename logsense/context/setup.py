"""What the training set-up (a run's context) says that detectors need.

The context comes from the code and configs pasted around the log (or from
``diagnose(..., **overrides)``): the loss function, the learning rate, the
output layer. These helpers read it defensively: any key may be missing or odd.
"""
from __future__ import annotations

from typing import Any

from ..numeric import number

_CLASS_KEYS = ("num_classes", "n_classes", "classes")


def learning_rate(ctx: dict[str, Any]) -> float | None:
    for key in ("lr", "learning_rate"):
        x = number(ctx.get(key))
        if x is not None and x > 0:
            return x
    return None


def class_count(ctx: dict[str, Any]) -> int | None:
    """K for a K-class output: stated outright, from the dataset, or the last layer's width."""
    for key in _CLASS_KEYS:
        x = number(ctx.get(key))
        if x is not None and x >= 2:
            return int(x)
    dataset = ctx.get("dataset")
    if isinstance(dataset, dict):
        x = number(dataset.get("classes"))
        if x is not None and x >= 2:
            return int(x)
    layers = ctx.get("layers")
    if isinstance(layers, list) and layers and isinstance(layers[-1], dict):
        x = number(layers[-1].get("units"))
        if x is not None and x >= 2:
            return int(x)
    return None


def output_activation(ctx: dict[str, Any]) -> str | None:
    for key in ("output_activation", "final_activation", "last_activation"):
        v = ctx.get(key)
        if isinstance(v, str) and v:
            return v.lower()
    return None


def loss_function(ctx: dict[str, Any], output: str | None = None) -> str | None:
    """The canonical loss name (``categorical_crossentropy``, ``mse``, ...), per output when given a dict."""
    declared = ctx.get("loss")
    if isinstance(declared, dict) and output is not None:
        declared = declared.get(output) or declared.get(output.removesuffix("_loss"))
    if isinstance(declared, str) and declared:
        return canonical_loss(declared)
    return None


def canonical_loss(name: str) -> str:
    key = name.lower().replace("_", "").replace(" ", "")
    if "crossentropy" in key:
        for prefix, canon in (("binary", "binary_crossentropy"), ("sparse", "sparse_categorical_crossentropy"),
                              ("categorical", "categorical_crossentropy")):
            if key.startswith(prefix):
                return canon
        return "crossentropy"
    if key in ("mse", "meansquarederror"):
        return "mse"
    if key in ("mae", "meanabsoluteerror"):
        return "mae"
    return key


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one: context from a paste can hold anything."""
    return value if isinstance(value, dict) else {}


def layer_dicts(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The context's layers that are dicts (others are ignored, not trusted)."""
    layers = context.get("layers")
    return [layer for layer in layers if isinstance(layer, dict)] if isinstance(layers, list) else []
