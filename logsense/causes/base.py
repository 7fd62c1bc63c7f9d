"""Causes and replays: a named mechanism, the evidence for it, and a simulation that checks it.

Every cause is a `RunCause` (judged run by run) or a `LogCause` (judged on the
whole paste: cross-run findings, pasted predictions). Its ``assess`` weighs the
evidence into a prior confidence and hands it, with the replay, to `cause`,
where one rule (`with_replay`) moves it by the replay's outcome:

==============  ===============================================================
``confirmed``   the simulation reproduces the log's own numbers within its tolerance
``consistent``  the mechanism reproduces the shape, not the numbers (or it is fitted to them)
``contradicted``the simulation was run and disagrees with the log
``not_run``     the paste gives too little to simulate (no replay)
==============  ===============================================================
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..numeric import clip01, fmt, number

if TYPE_CHECKING:
    from ..findings import Finding
    from ..log import Log, Run

#: Stable cause ids (shared/design/contract.md).
CAUSES = ("lr_too_high", "l2_penalty_in_loss", "saturated_logits", "loss_activation_mismatch",
          "collapse_to_mean", "optimizer_instability", "dropout_gap", "healthy",
          # Added after the contract's first list (new ids are allowed, each shown by a fixture):
          "memorization",
          # issue 14 (real posts): the fallback for a symptom no cause explains
          "unexplained",
          # issue 14: the causes people hit (each shown by a real post in fixtures/real_posts)
          "stuck_at_prior", "unscaled_targets", "log_of_zero", "bad_data",
          "accuracy_on_regression", "batchnorm_inference",
          # issue 14, second pass: the causes the corpus' wrong posts show
          "targets_out_of_range", "label_mismatch", "class_imbalance", "lr_schedule")

CONFIRMED, CONSISTENT, CONTRADICTED, NOT_RUN = "confirmed", "consistent", "contradicted", "not_run"
#: The replay states, in the contract's vocabulary.
REPLAY_STATES = (CONFIRMED, CONSISTENT, CONTRADICTED, NOT_RUN)
#: How a replay's outcome moves a cause's prior confidence (`with_replay`): a confirmation is
#: strong independent evidence, a consistent shape a little, a contradiction takes a fifth away.
CONFIRMED_WEIGHT = 0.9
CONSISTENT_WEIGHT = 0.1
CONTRADICTED_FACTOR = 0.8


@dataclass
class Replay:
    """A simulation of the suspected mechanism compared with the log's own numbers.

    ``status`` is one of `REPLAY_STATES` (never ``not_run``: a replay that did
    not run is no `Replay`); ``confirmed`` only when the simulation reproduces
    the printed values within ``tolerance``. ``note`` says what was compared and
    why the status is what it is. Built with ``confirmed=`` alone (the first
    form of this class), the status is confirmed or contradicted.
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
    status: str | None = None

    def __post_init__(self) -> None:
        if self.status is None:
            self.status = judged(self.confirmed)
        if self.status not in (CONFIRMED, CONSISTENT, CONTRADICTED):
            raise ValueError(f"replay status must be confirmed, consistent or contradicted, not {self.status!r}")
        self.confirmed = self.status == CONFIRMED

    def to_dict(self) -> dict[str, Any]:
        return {"confirmed": self.confirmed, "status": self.status, "metric": self.metric,
                "predicted": list(self.predicted), "observed": list(self.observed),
                "max_rel_error": self.max_rel_error, "tolerance": self.tolerance,
                "params": self.params, "note": self.note, "extra": self.extra}


def judged(within: bool) -> str:
    """The status of a replay that tries to reproduce the log's numbers: confirmed or contradicted."""
    return CONFIRMED if within else CONTRADICTED


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

    @property
    def replay_status(self) -> str:
        """One of `REPLAY_STATES`."""
        return self.replay.status if self.replay is not None else NOT_RUN

    def to_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "runs": list(self.runs), "confidence": round(float(self.confidence), 4),
                "evidence": self.evidence, "fix": self.fix, "symptoms": list(self.symptoms),
                "replay_status": self.replay_status,
                "replay": self.replay.to_dict() if self.replay else None}


def with_replay(prior: float, replay: Replay | None) -> float:
    """The one rule for how a replay moves confidence (see the module docstring).

    Example:
        >>> round(with_replay(0.6, None), 3), round(with_replay(0.6, Replay("loss", [], [], 0.0, 1e-3, status="confirmed")), 3)
        (0.6, 0.96)
    """
    prior = clip01(prior)
    if replay is None:
        return prior
    if replay.status == CONFIRMED:
        return combine(prior, CONFIRMED_WEIGHT)
    if replay.status == CONSISTENT:
        return combine(prior, CONSISTENT_WEIGHT)
    return prior * CONTRADICTED_FACTOR


class CauseModel(ABC):
    """One cause: which symptoms it explains, how sure the evidence makes us, the fix, the replay.

    Subclass `RunCause` or `LogCause`, set ``id`` and ``explains``, implement
    ``assess`` (and ``replay`` where the mechanism can be simulated). The
    instance keeps the log so a run-level cause can still look at its
    neighbours (a control run, say).
    """

    id: ClassVar[str]
    explains: ClassVar[tuple[str, ...]] = ()

    def __init__(self, log: Log) -> None:
        self.log = log

    def cause(self, prior: float, runs: Iterable[int], evidence: Iterable[str], fix: str,
              replay: Replay | None = None, symptoms: Iterable[str] = ()) -> Cause:
        """The `Cause`, its confidence the ``prior`` moved by the replay's outcome (`with_replay`)."""
        return Cause(cause=self.id, confidence=with_replay(prior, replay), runs=sorted(set(runs)),
                     evidence="; ".join(e for e in evidence if e), fix=fix, replay=replay,
                     symptoms=list(dict.fromkeys(symptoms)))


class RunCause(CauseModel):
    """A cause judged on one run's findings and set-up."""

    @abstractmethod
    def assess(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        """The cause for ``run`` with its confidence, evidence and fix; ``None`` when nothing points to it."""

    def replay(self, run: Run, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        """Simulate the mechanism and compare it with the run; ``None`` when the paste gives too little."""
        return None


class LogCause(CauseModel):
    """A cause judged on the whole paste: every run's findings, cross-run findings, pasted predictions."""

    @abstractmethod
    def assess(self, log: Log, findings: list[Finding], context: dict[str, Any]) -> Cause | None:
        """The cause for the paste with its confidence, evidence and fix; ``None`` when nothing points to it."""

    def replay(self, log: Log, findings: list[Finding], context: dict[str, Any]) -> Replay | None:
        """Simulate the mechanism and compare it with the paste; ``None`` when it gives too little."""
        return None


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


def known(value: float | None, digits: int = 4) -> str:
    """A statistic for evidence text; ``?`` when it is missing or not a number.

    Example:
        >>> known(2.16091), known(None)
        ('2.161', '?')
    """
    v = number(value)
    return fmt(v, digits) if v is not None else "?"
