"""Causes: rank the mechanisms that explain a log's symptoms, each checked by a replay.

``REGISTRY`` lists one class per cause module; adding a cause is adding a
module with a `RunCause` or `LogCause` subclass and one line here.
"""
from __future__ import annotations

from ..findings import Finding
from ..log import Log
from .accuracy_on_regression import AccuracyOnRegression
from .bad_data import BadData
from .batchnorm_inference import BatchnormInference
from .base import CAUSES, REPLAY_STATES, Cause, CauseModel, LogCause, Replay, RunCause, run_context
from .calibration import calibrate
from .class_imbalance import ClassImbalance
from .collapse import CollapseToMean
from .dropout_gap import DropoutGap
from .healthy import Healthy
from .instability import OptimizerInstability
from .l2_penalty import L2PenaltyInLoss
from .label_mismatch import LabelMismatch
from .log_of_zero import LogOfZero
from .loss_activation import LossActivationMismatch
from .lr_schedule import LrSchedule
from .lr_too_high import LrTooHigh
from .memorization import Memorization
from .rank import rank_causes as _rank
from .replay_log import replay_as_log
from .saturated_logits import SaturatedLogits
from .stuck_at_prior import StuckAtPrior
from .targets_out_of_range import TargetsOutOfRange
from .unexplained import Unexplained
from .unscaled_targets import UnscaledTargets

REGISTRY: tuple[type[CauseModel], ...] = (
    LrTooHigh,
    L2PenaltyInLoss,
    SaturatedLogits,
    LossActivationMismatch,
    CollapseToMean,
    OptimizerInstability,
    DropoutGap,
    Memorization,
    StuckAtPrior,
    ClassImbalance,
    UnscaledTargets,
    LogOfZero,
    BadData,
    AccuracyOnRegression,
    BatchnormInference,
    TargetsOutOfRange,
    LabelMismatch,
    LrSchedule,
    Healthy,
    Unexplained,
)

__all__ = [
    "CAUSES",
    "REGISTRY",
    "REPLAY_STATES",
    "Cause",
    "CauseModel",
    "LogCause",
    "Replay",
    "RunCause",
    "rank_causes",
    "replay_as_log",
    "run_context",
]


def rank_causes(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding]) -> list[Cause]:
    """Every registered cause assessed on ``log``, most confident first (`logsense.causes.rank`), with
    confidences calibrated on the real-post corpus (`logsense.causes.calibration`)."""
    ranked = _rank(log, run_findings, log_findings, [c for c in REGISTRY if c is not Unexplained], Unexplained)
    return calibrate(ranked)
