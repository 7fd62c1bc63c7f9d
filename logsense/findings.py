"""Findings: what a detector saw, with the statistics a sceptic needs to check it.

``Finding.stats`` is a plain dict because it is part of the JSON contract. The
consumers (causes, charts, the live callback) read it through the typed views
below, one small dataclass per symptom: each field is a key a detector writes,
so a stat's name and type are stated once, here, and the conformance test
checks that every detector writes what its view declares.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from .numeric import number, numbers


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


S = TypeVar("S", bound="Stats")


def _int(v: Any) -> int | None:
    x = number(v)
    return int(x) if x is not None else None


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


#: How a field's declared type is read from a stats dict that may hold anything.
_READERS = {"float | None": number, "int | None": _int, "bool": lambda v: v is True,
            "str | None": _str, "list[float]": numbers, "list[Any]": lambda v: list(v) if isinstance(v, list) else []}


@dataclass(frozen=True)
class Stats:
    """Base of the typed views: ``View.of(finding)`` reads the finding's stats, defensively."""

    symptom: ClassVar[str] = ""

    @classmethod
    def of(cls: type[S], finding: Finding) -> S:
        stats = finding.stats if isinstance(finding.stats, dict) else {}
        return cls(**{f.name: _READERS[str(f.type)](stats.get(f.name)) for f in dataclasses.fields(cls)})

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The stats keys this view reads (every detector of the symptom writes them)."""
        return tuple(f.name for f in dataclasses.fields(cls))


@dataclass(frozen=True)
class DivergenceStats(Stats):
    symptom: ClassVar[str] = "divergence"
    growth_factor: float | None = None
    r2: float | None = None
    n_epochs: int | None = None
    growth_ci: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class SustainedRiseStats(Stats):
    """A divergence that rose epoch after epoch without a constant factor (``sustained_rise``)."""

    symptom: ClassVar[str] = "divergence"
    sustained_rise: bool = False
    n_epochs: int | None = None
    total_rise: float | None = None


@dataclass(frozen=True)
class NanStats(Stats):
    symptom: ClassVar[str] = "nan"
    epoch: int | None = None


@dataclass(frozen=True)
class JumpStats(Stats):
    symptom: ClassVar[str] = "jump"
    epoch: int | None = None
    direction: str | None = None
    size_sigma: float | None = None
    before_mean: float | None = None
    after_mean: float | None = None
    p_value: float | None = None
    recovered: bool = False
    recovery_epoch: int | None = None


@dataclass(frozen=True)
class PlateauStats(Stats):
    symptom: ClassVar[str] = "plateau"
    level: float | None = None
    frozen: bool = False


@dataclass(frozen=True)
class OverfittingStats(Stats):
    symptom: ClassVar[str] = "overfitting"
    part_epoch: int | None = None


@dataclass(frozen=True)
class GapStats(Stats):
    symptom: ClassVar[str] = "train_val_gap"
    ratio: float | None = None
    first_gap: float | None = None


@dataclass(frozen=True)
class RangeStats(Stats):
    symptom: ClassVar[str] = "loss_out_of_range"
    value: float | None = None
    bound: float | None = None
    reason: str | None = None
    loss_fn: str | None = None


@dataclass(frozen=True)
class LrScaledStats(Stats):
    symptom: ClassVar[str] = "lr_scaled_loss"
    loss_ratio: float | None = None
    first_epoch_ratio: float | None = None
    lr_ratio: float | None = None
    acc_diff: float | None = None


@dataclass(frozen=True)
class CollapseStats(Stats):
    symptom: ClassVar[str] = "collapse"
    column_means: list[float] = field(default_factory=list)
    shape: list[float] = field(default_factory=list)
    between_sample_std: float | None = None
    between_column_std: float | None = None
    relative_spread: float | None = None
    ratio: float | None = None
    elided: bool = False


#: The view of each symptom's stats (the divergence's sustained-rise variant is read on its own).
VIEWS: dict[str, type[Stats]] = {v.symptom: v for v in (DivergenceStats, NanStats, JumpStats, PlateauStats,
                                                         OverfittingStats, GapStats, RangeStats, LrScaledStats,
                                                         CollapseStats)}
