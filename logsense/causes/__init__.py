"""Causes: rank the mechanisms that explain a log's symptoms, each checked by a replay.

``REGISTRY`` lists one class per cause module; adding a cause is adding a
module with a `CauseModel` subclass and one line here.
"""
from __future__ import annotations

from ..findings import Finding
from ..log import Log
from .base import CAUSES, Cause, CauseModel, Replay, run_context
from .collapse import CollapseToMean
from .dropout_gap import DropoutGap
from .healthy import Healthy
from .instability import OptimizerInstability
from .l2_penalty import L2PenaltyInLoss
from .loss_activation import LossActivationMismatch
from .memorization import Memorization
from .lr_too_high import LrTooHigh
from .replay_log import replay_as_log
from .saturated_logits import SaturatedLogits

REGISTRY: tuple[type[CauseModel], ...] = (
    LrTooHigh,
    L2PenaltyInLoss,
    SaturatedLogits,
    LossActivationMismatch,
    CollapseToMean,
    OptimizerInstability,
    DropoutGap,
    Memorization,
    Healthy,
)

#: A run covered by another cause at least this confident is not called healthy.
COVERED = 0.5

__all__ = ["rank_causes", "REGISTRY", "CAUSES", "Cause", "CauseModel", "Replay", "replay_as_log"]


def rank_causes(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding]) -> list[Cause]:
    """Assess every registered cause on every run (or on the whole log) and sort by confidence.

    Log-level findings (cross-run, predictions) are handed to each run they
    name. A cause that fails on odd input is skipped with a warning on the log,
    never a traceback.
    """
    found: list[Cause] = []
    every = [f for idx in sorted(run_findings) for f in run_findings[idx]] + list(log_findings)
    for cls in REGISTRY:
        model = cls(log)
        if cls.scope == "log":
            found += _safe(log, cls.id, lambda: model.assess(log, every, dict(log.context or {})))
            continue
        for run in log.runs:
            own = list(run_findings.get(run.index, [])) + [f for f in log_findings if run.index in f.runs]
            found += _safe(log, cls.id, lambda: model.assess(run, own, run_context(log, run)))
    confident = [c for c in found if c.cause != "healthy" and c.confidence >= COVERED]
    covered = {r for c in confident for r in c.runs}
    # A cause of the whole paste (its pasted predictions, say) speaks for the model its runs trained.
    whole = any(not c.runs for c in confident)
    found = [c for c in found if not (c.cause == "healthy" and (whole or set(c.runs) & covered))]
    return sorted(found, key=lambda c: -c.confidence)


def _safe(log: Log, name: str, assess) -> list[Cause]:  # type: ignore[no-untyped-def]
    try:
        cause = assess()
    except Exception as exc:  # noqa: BLE001 - one cause failing must not lose the others
        log.warnings.append(f"cause {name} could not be assessed: {type(exc).__name__}: {exc}")
        return []
    return [cause] if cause is not None else []
