"""Arithmetic and a whitelist of numpy constructors, evaluated on literal values only.

``np.arange(20)`` and ``2 * x`` are worth knowing exactly (they decide a
learning-rate limit); anything bigger than `MAX_ARRAY` elements keeps only its shape.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .values import UNKNOWN, Array, is_num, plain

MAX_ARRAY = 1_000_000     # elements an interpreted numpy array may have


def arith(fn: Callable[..., Any], *vals: Any) -> Any:
    """Arithmetic on numbers and interpreted arrays; UNKNOWN for anything else."""
    if all(is_num(v) for v in vals):
        try:
            result = fn(*vals)
        except (ZeroDivisionError, OverflowError, ValueError):
            return UNKNOWN
        return result if is_num(result) and (not isinstance(result, float) or math.isfinite(result)) else UNKNOWN
    if any(isinstance(v, Array) for v in vals) and all(isinstance(v, Array) or is_num(v) for v in vals):
        shape = next(v.shape for v in vals if isinstance(v, Array))
        if all(is_num(v) or v.values is not None for v in vals):
            try:
                with np.errstate(all="ignore"):
                    values = fn(*[v.values if isinstance(v, Array) else v for v in vals])
                return Array(tuple(np.shape(values)), np.asarray(values, dtype=float))
            except (ValueError, TypeError, ZeroDivisionError):
                return Array(shape)
        return Array(shape)
    return UNKNOWN


def _shape_arg(value: Any) -> tuple[int, ...] | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, int) and v >= 0 for v in value):
        return tuple(value)
    return None


def numpy_call(path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The few numpy constructors worth knowing, evaluated only on literal arguments."""
    name = path.split(".")[-1]
    nums = [a for a in args if is_num(a)]
    if name == "arange" and 1 <= len(nums) == len(args) <= 3:
        start, stop, step = (0, nums[0], 1) if len(nums) == 1 else (nums[0], nums[1], nums[2] if len(nums) == 3 else 1)
        if step == 0:
            return UNKNOWN
        n = math.ceil((stop - start) / step)
        if n < 0 or n > MAX_ARRAY:
            return Array(None)
        return Array((max(n, 0),), np.arange(start, stop, step, dtype=float))
    if name == "linspace" and len(nums) >= 2 and len(nums) == len(args):
        num = kwargs.get("num", nums[2] if len(nums) > 2 else 50)
        if isinstance(num, int) and 0 <= num <= MAX_ARRAY:
            return Array((num,), np.linspace(nums[0], nums[1], num))
        return Array(None)
    if name in {"ones", "zeros"} or (name in {"random", "rand", "randn", "normal", "uniform", "randint"} and "random" in path):
        shape = _shape_arg(args[0] if args and name in {"ones", "zeros", "random"} else kwargs.get("size"))
        if name in {"rand", "randn"}:
            shape = _shape_arg(tuple(args)) if args else None
        if shape is None:
            return Array(None)
        if name in {"ones", "zeros"} and math.prod(shape) <= MAX_ARRAY:
            return Array(shape, (np.ones if name == "ones" else np.zeros)(shape))
        return Array(shape)
    if name in {"array", "asarray"} and args:
        flat = plain(args[0])
        if flat is not None:
            try:
                arr = np.asarray(flat, dtype=float)
            except (ValueError, TypeError):
                return Array(None)
            return Array(arr.shape, arr) if arr.size <= MAX_ARRAY else Array(arr.shape)
        return Array(None)
    if name in {"log", "exp", "sqrt", "abs", "sin", "cos", "tanh"} and len(args) == 1 and isinstance(args[0], Array):
        src = args[0]
        if src.values is not None:
            with np.errstate(all="ignore"):
                return Array(src.shape, getattr(np, name)(src.values))
        return Array(src.shape)
    if name == "dot" and len(args) == 2 and all(isinstance(a, Array) and a.shape for a in args):
        a, b = args
        if len(a.shape) == 2 and len(b.shape) == 2:
            return Array((a.shape[0], b.shape[1]))
    return UNKNOWN
