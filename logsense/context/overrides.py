"""The set-up a user states instead of the text: API keywords, CLI flags, the page's re-run form.

`OVERRIDES` lists every field once, with how it is checked, so the three faces
offer the same fields and refuse the same values with the same message.
`apply_overrides` lays the checked values over the context read from the text.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidSetup
from .blocks import Merged, with_defaults
from .layers import dense_stack, layer_sizes


@dataclass(frozen=True)
class Override:
    """One set-up field a user may state: its context key, CLI flag, kind and check."""

    key: str
    flag: str
    kind: type
    help: str
    check: Callable[[Any], Any]

    @property
    def label(self) -> str:
        """The field's name for people (``batch size``)."""
        return self.flag.lstrip("-").replace("-", " ")


def _positive_float(name: str) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        x = _float(name, value)
        if not x > 0:
            raise ValueError(f"{name} must be a number above 0, got {value!r}")
        return x
    return check


def _non_negative_float(name: str) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        x = _float(name, value)
        if x < 0:
            raise ValueError(f"{name} must be a number of 0 or more, got {value!r}")
        return x
    return check


def _float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return x


def _positive_int(name: str, limit: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"{name} must be a whole number from 1 to {limit:,}, got {value!r}")
        try:
            x = float(value) if not isinstance(value, int) else value
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{name} must be a whole number from 1 to {limit:,}, got {value!r}") from None
        if isinstance(x, float) and not (math.isfinite(x) and x.is_integer()):
            raise ValueError(f"{name} must be a whole number from 1 to {limit:,}, got {value!r}")
        if not 1 <= int(x) <= limit:
            raise ValueError(f"{name} must be a whole number from 1 to {limit:,}, got {value!r}")
        return int(x)
    return check


def _name(name: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = str(value).strip()
        if not text or len(text) > 100:
            raise ValueError(f"{name} must be a name of 1 to 100 characters, got {value!r}")
        return text
    return check


def _layers(value: Any) -> Any:
    if isinstance(value, list) and value and all(isinstance(layer, dict) for layer in value):
        return value  # layer dicts, as the context holds them
    return ",".join(str(w) for w in layer_sizes(value))


#: Every field a user may state. ``check`` raises ValueError naming the field and what it accepts.
OVERRIDES: tuple[Override, ...] = (
    Override("lr", "--lr", float, "the learning rate", _positive_float("lr")),
    Override("optimizer", "--optimizer", str, "the optimizer (sgd, adam, ...)", _name("optimizer")),
    Override("batch_size", "--batch-size", int, "the batch size", _positive_int("batch size", 10**12)),
    Override("epochs", "--epochs", int, "the epochs asked for", _positive_int("epochs", 10**12)),
    Override("loss", "--loss", str, "the loss function", _name("loss")),
    Override("l2", "--l2", float, "the L2 coefficient", _non_negative_float("l2")),
    Override("output_activation", "--activation", str, "the output activation", _name("activation")),
    Override("layers", "--layers", str, "layer widths, input first (64,512,1)", _layers),
)
_BY_KEY = {o.key: o for o in OVERRIDES}


def check_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides checked and normalised; None values dropped. Raises `InvalidSetup` (a ValueError)
    for the first bad value of a field of `OVERRIDES` (its message names the field and what it
    accepts); other context keys pass as they are."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        spec = _BY_KEY.get(key)
        try:
            out[key] = spec.check(value) if spec is not None else value
        except ValueError as exc:
            raise InvalidSetup(str(exc)) from None
    return out


def apply_overrides(context: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Context with user overrides (API keywords, CLI flags) on top, sources marked.

    Values are checked first (`check_overrides`): a bad one raises `InvalidSetup`.
    """
    clean = check_overrides(overrides)
    if isinstance(clean.get("layers"), str):
        clean["layers"] = dense_stack(layer_sizes(clean["layers"]))  # widths typed by a user
    out = {**context, **clean}
    if "lr" in clean:
        out["lr_source"] = "override"
    elif "optimizer" in clean and clean["optimizer"] != context.get("optimizer") \
            and context.get("lr_source") == "default":
        out.pop("lr", None)
        out.pop("lr_source", None)
        out = with_defaults(Merged(values=out))
    if "batch_size" in clean:
        out["batch_size_source"] = "override"
    if "layers" in clean:
        out["layers_source"] = "override"  # typed widths show the stack, not its dropout or regularisers
    return out
