"""Causes and replays: a named mechanism, the evidence for it, and a simulation that checks it."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from ..findings import Finding
    from ..log import Log, Run

#: Stable cause ids (shared/design/contract.md).
CAUSES = ("lr_too_high", "l2_penalty_in_loss", "saturated_logits", "loss_activation_mismatch",
          "collapse_to_mean", "optimizer_instability", "dropout_gap", "healthy",
          # Added after the contract's first list (new ids are allowed, each shown by a fixture):
          "memorization")


@dataclass
class Replay:
    """A simulation of the suspected mechanism compared with the log's own numbers.

    ``confirmed`` is true only when ``max_rel_error <= tolerance``: a replay
    that is merely consistent says so in ``note`` and stays unconfirmed.
    """

    metric: str
    predicted: list[float]
    observed: list[float]
    max_rel_error: float
    tolerance: float
    params: dict[str, Any] = field(default_factory=dict)
    confirmed: bool = False
    note: str = ""
    #: Extra series or figures the replay produced (e.g. the final weight, a scaled-input control).
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"confirmed": bool(self.confirmed), "metric": self.metric,
                "predicted": list(self.predicted), "observed": list(self.observed),
                "max_rel_error": self.max_rel_error, "tolerance": self.tolerance,
                "params": self.params, "note": self.note, "extra": self.extra}


@dataclass
class Cause:
    """A ranked explanation: which runs it covers, how sure we are, why, and what to do."""

    cause: str
    confidence: float
    runs: list[int] = field(default_factory=list)
    evidence: str = ""
    fix: str = ""
    replay: Replay | None = None
    symptoms: list[str] = field(default_factory=list)

    @property
    def confirmed(self) -> bool:
        return bool(self.replay and self.replay.confirmed)

    def to_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "runs": list(self.runs), "confidence": round(float(self.confidence), 4),
                "evidence": self.evidence, "fix": self.fix, "symptoms": list(self.symptoms),
                "replay": self.replay.to_dict() if self.replay else None}


class CauseModel(ABC):
    """One cause: which symptoms it explains, how sure the evidence makes us, the fix, the replay.

    Subclasses set ``id`` and ``explains`` and implement `assess`. ``scope`` is
    ``"run"`` when the cause is judged run by run (``assess`` gets a `Run`) and
    ``"log"`` when it needs the whole paste (cross-run findings, pasted
    predictions; ``assess`` gets the `Log`). The instance keeps the log so a
    run-level cause can still look at its neighbours (a control run, say).
    """

    id: ClassVar[str]
    explains: ClassVar[tuple[str, ...]] = ()
    scope: ClassVar[str] = "run"

    def __init__(self, log: Log) -> None:
        self.log = log

    @abstractmethod
    def assess(self, target: Run | Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        """The cause for ``target`` with its confidence, evidence and fix; ``None`` when nothing points to it."""

    def replay(self, target: Run | Log, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        """Simulate the mechanism and compare it with the log; ``None`` when the paste gives too little."""
        return None

    def cause(self, confidence: float, runs: Iterable[int], evidence: Iterable[str], fix: str,
              replay: Replay | None = None, symptoms: Iterable[str] = ()) -> Cause:
        return Cause(cause=self.id, confidence=clip01(confidence), runs=sorted(set(runs)),
                     evidence="; ".join(e for e in evidence if e), fix=fix, replay=replay,
                     symptoms=list(dict.fromkeys(symptoms)))


def clip01(x: float) -> float:
    return float(min(max(x, 0.0), 1.0))


def combine(*weights: float) -> float:
    """Independent pieces of evidence: ``1 - prod(1 - w)``, so each one only adds."""
    return clip01(1.0 - float(np.prod([1.0 - clip01(w) for w in weights])))


def print_resolution(value: float) -> float:
    """Half a unit of the last digit Keras prints: ``0.2500`` -> 5e-5, ``3.5193e-04`` -> 5e-9."""
    v = abs(float(value))
    if not math.isfinite(v) or v == 0:
        return 0.0
    if v > 1e-3:
        return 0.5e-4
    return 0.5 * 10.0 ** (math.floor(math.log10(v)) - 4)


def relative_errors(predicted: Sequence[float] | np.ndarray, observed: Sequence[float] | np.ndarray,
                    printed: bool = True) -> np.ndarray:
    """``|p - o| / |o|`` per value; with ``printed`` the rounding of the printed value is forgiven.

    A log shows 4 decimals, so ``0.0019`` stands for anything in [0.00185, 0.00195]:
    the error counted is only the part beyond that rounding.
    """
    p = np.asarray(predicted, dtype=float)
    o = np.asarray(observed, dtype=float)
    slack = np.array([print_resolution(v) for v in o]) if printed else np.zeros_like(o)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        err = np.maximum(np.abs(p - o) - slack, 0.0) / np.abs(o)
    return np.where(np.isfinite(err), err, np.inf)


def run_context(log: Log, run: Run) -> dict[str, Any]:
    """The log-level set-up overlaid by what was said just before this run."""
    return {**(log.context or {}), **(run.context or {})}


def number(value: Any) -> float | None:
    """A finite float, or ``None`` for anything else (strings, NaN, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    v = float(value)
    return v if math.isfinite(v) else None


def fmt(x: float, digits: int = 4) -> str:
    """A number for evidence text: 4 significant digits, no exponent for everyday sizes."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    return f"{x:.{digits}g}" if 1e-4 <= abs(x) < 1e6 else f"{x:.{digits - 1}e}"


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one: context from a paste can hold anything."""
    return value if isinstance(value, dict) else {}


def layer_dicts(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The context's layers that are dicts (others are ignored, not trusted)."""
    layers = context.get("layers")
    return [layer for layer in layers if isinstance(layer, dict)] if isinstance(layers, list) else []


def numbers(value: Any) -> list[float]:
    """The finite numbers of a list-like value; anything else gives ``[]``."""
    if not isinstance(value, (list, tuple)):
        return []
    return [v for v in (number(x) for x in value) if v is not None]


def fstat(stats: dict[str, Any], key: str, digits: int = 4) -> str:
    """A finding's statistic for evidence text; ``?`` when it is missing or not a number."""
    v = number(stats.get(key))
    return fmt(v, digits) if v is not None else "?"
