"""Keras calls as data: a layer constructor's arguments (Keras 0.x to 3.x spellings)
as a layer dict, regularizer and initializer calls as their parameters."""
from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from typing import Any

from .values import UNKNOWN, Regularizer, dotted, is_num, plain
from .vocab import initializer_name

REG_KWARGS = {
    "kernel_regularizer": "kernel", "W_regularizer": "kernel", "recurrent_regularizer": "recurrent",
    "U_regularizer": "recurrent", "bias_regularizer": "bias", "b_regularizer": "bias",
}
REGULARIZER_CALLS = {"l1", "l2", "l1_l2", "L1", "L2", "L1L2", "l1l2", "WeightRegularizer"}
_TWO_POSITIONAL = {"Dense", "TimeDistributedDense", "LSTM", "GRU", "SimpleRNN", "Embedding"}


def regularizer_from_call(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``l2(1e-3)``, ``regularizers.L1L2(l1=..., l2=...)``, ``WeightRegularizer(l2=...)``; Keras's default lambda is 0.01."""
    lname = name.lower().replace("_", "")
    if lname in {"l1", "l2"}:
        lam = kwargs.get(lname, kwargs.get("l", args[0] if args else 0.01))
        return Regularizer({lname: float(lam)}) if is_num(lam) else UNKNOWN
    default = 0.01 if name == "l1_l2" else 0.0  # the function defaults to 0.01, the classes to 0
    l1 = kwargs.get("l1", args[0] if args else default)
    l2 = kwargs.get("l2", args[1] if len(args) > 1 else default)
    if is_num(l1) and is_num(l2):
        return Regularizer({"l1": float(l1), "l2": float(l2)})
    return UNKNOWN


def initializer_from(value: Any, node: ast.AST | None) -> str | None:
    """An initializer given as a string, a class or a call: canonical name, or None."""
    if isinstance(value, str):
        return initializer_name(value) or value
    if node is not None:
        ref = node.func if isinstance(node, ast.Call) else node
        return initializer_name(dotted(ref).split(".")[-1]) if dotted(ref) else None
    return None


def layer_from_call(kind: str, args: list[Any], kwargs: dict[str, Any], knodes: Mapping[str, ast.expr],
                    custom_layers: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """One layer call as a layer dict (Keras 0.x to 3.x argument spellings)."""
    info: dict[str, Any] = {"type": kind}
    if isinstance(kwargs.get("name"), str):
        info["name"] = kwargs["name"]
    if kind in {"Dropout", "SpatialDropout1D", "SpatialDropout2D"}:
        rate = kwargs.get("rate", kwargs.get("p", args[0] if args else None))
        if is_num(rate):
            info["dropout"] = rate
        return info
    if kind == "Activation" and args and isinstance(args[0], str):
        info["activation"] = args[0]
        return info
    if kind in {"Input", "InputLayer"}:
        shape = kwargs.get("shape", kwargs.get("input_shape", args[0] if args else None))
        if isinstance(shape, (list, tuple)) and plain(shape) is not None:
            info["shape"] = list(shape)
        return info
    units = kwargs.get("units", kwargs.get("output_dim", kwargs.get("filters", kwargs.get("nb_filter"))))
    if kind in _TWO_POSITIONAL and len(args) >= 2 and is_num(args[0]) and is_num(args[1]):
        info["input_dim"], units = int(args[0]), args[1]
    elif units is None and args and is_num(args[0]):
        units = args[0]
    if is_num(units):
        info["units"] = int(units)
    if is_num(kwargs.get("input_dim")):
        info["input_dim"] = int(kwargs["input_dim"])
    for key in ("input_shape", "batch_input_shape"):
        shape = kwargs.get(key)
        if isinstance(shape, (list, tuple)) and plain(shape) is not None:
            shape = list(shape)
            if key == "batch_input_shape":
                if isinstance(shape[0], int):
                    info["batch_size"] = shape[0]
                shape = shape[1:]
            info["input_shape"] = shape
    act_node = knodes.get("activation")
    act = kwargs.get("activation")
    if isinstance(act, str):
        info["activation"] = act
    elif act_node is not None:  # a function reference, or something unreadable (None)
        info["activation"] = dotted(act_node).split(".")[-1] or None
    regs: dict[str, dict[str, float]] = {}
    for key, slot in REG_KWARGS.items():
        reg = kwargs.get(key)
        if isinstance(reg, str):
            reg = regularizer_from_call(reg, [], {})
        if isinstance(reg, Regularizer):
            regs[slot] = dict(reg.penalties)
    if regs:
        info["regularizers"] = regs
    for key, out_key in (("kernel_initializer", "initializer"), ("init", "initializer"),
                         ("recurrent_initializer", "recurrent_initializer"),
                         ("inner_init", "recurrent_initializer")):
        if key in kwargs:
            init = initializer_from(kwargs[key], knodes.get(key))
            if init:
                info[out_key] = init
    for key, out_key in (("dropout", "dropout"), ("dropout_W", "dropout"),
                         ("recurrent_dropout", "recurrent_dropout"), ("dropout_U", "recurrent_dropout")):
        if is_num(kwargs.get(key)):
            info[out_key] = kwargs[key]
    for key, out_key in (("stateful", "stateful"), ("use_bias", "use_bias"), ("bias", "use_bias"),
                         ("return_sequences", "return_sequences")):
        if isinstance(kwargs.get(key), bool):
            info[out_key] = kwargs[key]
    if kind in custom_layers:
        weights = [dict(w) for w in custom_layers[kind]]
        info["weights"] = weights
        inits = {w.get("initializer") for w in weights}
        if len(inits) == 1 and None not in inits:
            info["initializer"] = inits.pop()
        shapes: list[list[int]] = [w["shape"] for w in weights if isinstance(w.get("shape"), list)
                                   and all(isinstance(v, int) for v in w["shape"])]
        if shapes and len(shapes) == len(weights):
            info["params"] = sum(math.prod(s) for s in shapes)
    return info
