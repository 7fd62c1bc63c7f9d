"""Causes and replays: a named mechanism, the evidence for it, and a simulation that checks it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Stable cause ids (shared/design/contract.md).
CAUSES = ("lr_too_high", "l2_penalty_in_loss", "saturated_logits", "loss_activation_mismatch",
          "collapse_to_mean", "optimizer_instability", "dropout_gap", "healthy")


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
