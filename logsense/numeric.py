"""Numbers as every layer reads and writes them: one rule for "is this a number", one for clipping.

Values reach the detectors and causes from three places (the parser, pasted
code, the caller's overrides) and any of them may hold a string, a bool or a
NaN where a number was expected. `number` is the single gate: a finite float
from an int, float or numpy number, and None for everything else.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Any


def number(value: Any) -> float | None:
    """``value`` as a finite float, or None for anything else (strings, bools, NaN, inf, None).

    Example:
        >>> number(3), number(0.5), number("0.5"), number(True), number(float("nan"))
        (3.0, 0.5, None, None, None)
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def numbers(value: Any) -> list[float]:
    """The finite numbers of a list-like value; anything else gives ``[]``.

    Example:
        >>> numbers([1, "a", 2.5, float("inf")]), numbers(3)
        ([1.0, 2.5], [])
    """
    if not isinstance(value, (list, tuple)):
        return []
    return [v for v in (number(x) for x in value) if v is not None]


def clip01(x: float) -> float:
    """``x`` clipped to [0, 1]; a non-finite value counts as no evidence (0).

    Example:
        >>> clip01(1.7), clip01(-0.2), clip01(float("nan"))
        (1.0, 0.0, 0.0)
    """
    if not math.isfinite(x):
        return 0.0
    return float(min(1.0, max(0.0, x)))


def rfloat(x: Any, digits: int = 10) -> float | None:
    """A float rounded for stats (None stays None; inf/nan stay as they are, `log.jsonable` handles them).

    Example:
        >>> rfloat(2.160900000123), rfloat(None)
        (2.1609, None)
    """
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


def fmt(x: float, digits: int = 4) -> str:
    """A number for sentences (evidence, fixes, messages): ``digits`` significant digits, no exponent
    for everyday sizes.

    Example:
        >>> fmt(2.160912), fmt(0.00001234), fmt(123456789.0)
        ('2.161', '1.234e-05', '1.235e+08')
    """
    if x == 0 or not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}" if 1e-4 <= abs(x) < 1e6 else f"{x:.{digits - 1}e}"
