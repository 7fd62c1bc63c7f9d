"""What the AST interpreter evaluates to: plain Python values, or these stand-ins
for the Keras and numpy objects a paste builds (never the objects themselves)."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass
class Array:
    """A numpy value: its shape and, when small and computable, its values."""

    shape: tuple[int, ...] | None
    values: np.ndarray | None = None
    dataset: str | None = None


@dataclass
class LayerSpec:
    info: dict[str, Any]
    added: bool = False


@dataclass
class Optimizer:
    name: str
    params: dict[str, Any]


@dataclass
class Regularizer:
    penalties: dict[str, float]


@dataclass
class Tensor:
    """The output of a layer applied in the functional API (feature shape when known)."""

    shape: list[Any] | None = None


@dataclass
class ModelRef:
    kind: str


def is_num(x: Any) -> TypeGuard[int | float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def plain(x: Any) -> Any:
    """JSON-able copy of an interpreted value (or None)."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, (int, float)):
        return x
    if isinstance(x, (list, tuple)):
        items = [plain(v) for v in x]
        return None if any(i is None and v is not None for i, v in zip(items, x)) else items
    return None


def dotted(node: ast.AST) -> str:
    """``tf.keras.optimizers.SGD`` for an attribute chain, '' for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""
