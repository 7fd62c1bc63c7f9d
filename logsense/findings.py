"""Findings: what a detector saw, with the statistics a sceptic needs to check it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Stable symptom ids (shared/design/contract.md).
SYMPTOMS = ("divergence", "nan", "jump", "plateau", "oscillation", "overfitting",
            "train_val_gap", "loss_out_of_range", "lr_scaled_loss", "collapse")


@dataclass
class Finding:
    """One symptom seen in a run (or across runs, or in pasted predictions).

    ``source`` is ``"run"`` for a single run's series, ``"cross_run"`` for
    effects between runs (``runs`` lists them) and ``"predictions"`` for pasted
    arrays. ``stats`` holds the numbers behind the call (growth factor, p-value,
    changepoint size in noise units, ...). ``message`` is one line for people.
    """

    symptom: str
    confidence: float
    metric: str | None = None
    start_epoch: int | None = None
    end_epoch: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    run: int | None = None
    runs: list[int] = field(default_factory=list)
    source: str = "run"
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"symptom": self.symptom, "metric": self.metric,
                             "start_epoch": self.start_epoch, "end_epoch": self.end_epoch,
                             "confidence": round(float(self.confidence), 4), "stats": self.stats}
        if self.source != "run":
            d["source"] = self.source
        if self.runs:
            d["runs"] = list(self.runs)
        if self.message:
            d["message"] = self.message
        return d
