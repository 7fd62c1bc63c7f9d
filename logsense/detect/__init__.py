"""Symptom detectors: one module per family, all with the same fit/findings interface.

`detect_run` and `detect_log` are what `logsense.diagnose` calls; they decide which
detector looks at which metric. Each detector is also usable on its own, e.g.
``DivergenceDetector().fit(losses, epochs).findings()``.
"""
from __future__ import annotations

import warnings as _warnings
from typing import Callable

import numpy as np

from ..context.setup import class_count
from ..findings import Finding
from ..log import Log, Run
from ..metrics import base_name, is_validation, loss_metrics, main_loss, train_losses, val_name
from .base import Detector, LogDetector, RunDetector, SeriesDetector
from .collapse import CollapseDetector
from .cross_run import LrScaledLossDetector
from .divergence import DivergenceDetector
from .gap import TrainValGapDetector
from .jump import JumpDetector, add_within_epoch
from .nan import NanDetector
from .oscillation import OscillationDetector
from .overfitting import OverfittingDetector
from .plateau import PlateauDetector, accuracy_plateau, chance_level
from .range import LossRangeDetector
from .schedule import Schedule
from .impossible import ImpossibleMetricDetector
from .short_overfit import ShortOverfittingDetector
from .trend import theil_trend

#: Every detector, one per symptom: the conformance tests hold each to the same rules.
DETECTORS: tuple[type[Detector], ...] = (
    NanDetector, DivergenceDetector, JumpDetector, OscillationDetector, PlateauDetector, OverfittingDetector,
    TrainValGapDetector, LossRangeDetector, LrScaledLossDetector, CollapseDetector,
)
#: Second readers of a symptom, run only where its detector found nothing (short or excerpted pastes).
FALLBACKS: tuple[type[Detector], ...] = (ShortOverfittingDetector, ImpossibleMetricDetector)

__all__ = ["detect_run", "detect_log", "DETECTORS", "Detector", "SeriesDetector", "RunDetector", "LogDetector",
           "DivergenceDetector", "NanDetector", "JumpDetector", "PlateauDetector", "OscillationDetector",
           "OverfittingDetector", "TrainValGapDetector", "LossRangeDetector", "LrScaledLossDetector",
           "CollapseDetector"]


def detect_run(run: Run, warnings: list[str] | None = None) -> list[Finding]:
    """Every symptom visible in one run's epoch (and step) records.

    A detector that fails costs its findings only; the failure is appended to
    ``warnings`` (`logsense.diagnose` passes ``log.warnings``), or issued as a
    `RuntimeWarning` when no list is given.
    """
    found: list[Finding] = []
    epochs = run.epoch_numbers()

    def _safe(call: Callable[[], list[Finding]], name: str, run: Run | None) -> list[Finding]:
        return safely(call, name, run, warnings)

    found += _safe(lambda: NanDetector().fit(run).findings(), "nan", run)
    diverged: set[str] = set()
    schedule = Schedule.of(run)
    explained: list[dict[str, object]] = []
    for metric in _ordered_losses(run):
        y = run.series(metric)
        if is_validation(metric) and _improving(run, base_name(metric), epochs):
            div: list[Finding] = []  # a rising validation loss under falling training loss is overfitting
        else:
            div = _safe(lambda: DivergenceDetector().fit(y, epochs, metric=metric, run=run.index).findings(),
                        "divergence", run)
        found += div
        if div:
            diverged.add(metric)
            continue  # geometric growth is one symptom; its steps are not separate jumps
        jumps = JumpDetector(schedule=schedule)
        for f in _safe(lambda: jumps.fit(y, epochs, metric=metric, run=run.index).findings(), "jump", run):
            add_within_epoch(run, f)
            found.append(f)
        explained += jumps.explained() if jumps._findings is not None else []
        found += _safe(lambda: OscillationDetector().fit(y, epochs, metric=metric, run=run.index).findings(),
                       "oscillation", run)
    main = main_loss(run)
    if main is not None and main not in diverged:
        chance = chance_level(run, main)
        det = PlateauDetector(*(chance or (None, None)))
        flat = _safe(lambda: det.fit(run.series(main), epochs, metric=main, run=run.index).findings(), "plateau", run)
        val = val_name(main)
        if not flat and val in run.metrics:
            # A validation loss printed identically epoch after epoch: the outputs no longer change,
            # even where the training loss (an average over the updates) still moves in its last digit.
            frozen_only = PlateauDetector(min_epochs=len(epochs) + 1)
            flat = [f for f in _safe(lambda: frozen_only.fit(run.series(val), epochs, metric=val,
                                                              run=run.index).findings(), "plateau", run)
                    if f.stats.get("frozen")]
        if not flat:
            # The loss moves, but the accuracy may show predictions that do not (pinned, or at chance).
            flat = _safe(lambda: accuracy_plateau(run, epochs, class_count(run.context or {})), "plateau", run)
        found += flat
    found = _same_restarts(found, explained, schedule)
    # The shifts the learning-rate schedule accounts for: information about the run, not symptoms.
    if explained:
        run.meta["schedule_shifts"] = explained
    else:
        run.meta.pop("schedule_shifts", None)
    over = _safe(lambda: OverfittingDetector().fit(run).findings(), "overfitting", run)
    if not over:
        over = _safe(lambda: ShortOverfittingDetector().fit(run).findings(), "overfitting", run)
    found += over
    found += _safe(lambda: TrainValGapDetector().fit(run).findings(), "train_val_gap", run)
    ranged = _safe(lambda: LossRangeDetector().fit(run).findings(), "loss_out_of_range", run)
    if not ranged:
        ranged = _safe(lambda: ImpossibleMetricDetector().fit(run).findings(), "loss_out_of_range", run)
    found += ranged
    return found


def detect_log(log: Log, run_findings: dict[int, list[Finding]]) -> list[Finding]:
    """Symptoms that need more than one run (lr-scaled losses) or pasted predictions (collapse).

    A detector that fails costs its findings only; the failure goes to ``log.warnings``.
    """
    found: list[Finding] = []
    found += safely(lambda: LrScaledLossDetector().fit(log).findings(), "lr_scaled_loss", None, log.warnings)
    found += safely(lambda: CollapseDetector().fit(log).findings(), "collapse", None, log.warnings)
    return found


def _same_restarts(found: list[Finding], explained: list[dict[str, object]], schedule: Schedule) -> list[Finding]:
    """With no rate printed, a warm restart recognised on one loss (on a grid of three or more)
    explains an upward jump of another loss of the run within two epochs of it (the same restart,
    seen less clearly)."""
    if bool(np.isfinite(schedule.rates).any()):
        return found
    grid = {(d["metric"], d["epoch"]) for d in explained if len(d.get("restarts") or ()) >= 3}  # type: ignore[arg-type]
    if not grid:
        return found
    kept = []
    for f in found:
        near = [m for m, e in grid if m != f.metric and f.start_epoch is not None and isinstance(e, int)
                and abs(e - f.start_epoch) <= 2]
        if f.symptom == "jump" and f.stats.get("direction") == "up" and near:
            explained.append({"metric": f.metric, "epoch": f.start_epoch, "direction": "up",
                              "size_sigma": f.stats.get("size_sigma"), "lr_before": None,
                              "lr_after": None, "source": f"periodic warm restarts (shape, seen in {near[0]})"})
        else:
            kept.append(f)
    return kept


def _ordered_losses(run: Run) -> list[str]:
    """Training losses first, so validation can be judged against them."""
    losses = loss_metrics(run)
    return [m for m in losses if not is_validation(m)] + [m for m in losses if is_validation(m)]


def _improving(run: Run, train_metric: str, epochs: np.ndarray) -> bool:
    """Is the training twin of a validation loss falling (Theil-Sen slope of log loss < 0)?"""
    if train_metric not in train_losses(run):
        return False
    y = run.series(train_metric)
    ok = np.isfinite(y) & (y > 0)
    if ok.sum() < 3:
        return False
    return theil_trend(np.log(y[ok]), epochs[ok]).slope < 0


def safely(call: Callable[[], list[Finding]], name: str, run: Run | None,
           warnings: list[str] | None) -> list[Finding]:
    """Run one detector; a failure costs that detector's findings, never the whole diagnosis."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - bad input must give a partial result, not a traceback
        where = f" on run {run.index}" if run is not None else ""
        message = f"the {name} detector failed{where}: {type(exc).__name__}: {exc}"
        if warnings is None:
            _warnings.warn(f"logsense: {message}", RuntimeWarning, stacklevel=3)
        else:
            warnings.append(message)
        return []
