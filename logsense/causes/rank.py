"""Rank the causes: assess every registered cause where it applies, keep what the evidence supports.

A cause that fails on odd input costs that cause, never the diagnosis: its
failure goes to ``log.warnings`` (and so into the JSON and onto the page), the
same way a failing detector's does.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from ..findings import Finding
from ..log import Log
from .base import Cause, CauseModel, LogCause, RunCause, run_context

#: A run covered by another cause at least this confident is not called healthy.
COVERED = 0.5


def rank_causes(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding],
                registry: Iterable[type[CauseModel]]) -> list[Cause]:
    """Assess every cause of ``registry`` on every run (a `RunCause`) or on the whole log (a `LogCause`),
    most confident first.

    Log-level findings (cross-run, predictions) are handed to each run they name.
    """
    found: list[Cause] = []
    every = [f for idx in sorted(run_findings) for f in run_findings[idx]] + list(log_findings)
    for cls in registry:
        model = cls(log)
        if isinstance(model, LogCause):
            found += _safe(log, cls.id, lambda: model.assess(log, every, dict(log.context or {})))
        elif isinstance(model, RunCause):
            for run in log.runs:
                own = list(run_findings.get(run.index, [])) + [f for f in log_findings if run.index in f.runs]
                found += _safe(log, cls.id, lambda: model.assess(run, own, run_context(log, run)))
        else:
            raise TypeError(f"{cls.__name__} must subclass RunCause or LogCause")
    confident = [c for c in found if c.cause != "healthy" and c.confidence >= COVERED]
    covered = {r for c in confident for r in c.runs}
    # A cause of the whole paste (its pasted predictions, say) speaks for the model its runs trained.
    whole = any(not c.runs for c in confident)
    found = [c for c in found if not (c.cause == "healthy" and (whole or set(c.runs) & covered))]
    return sorted(found, key=lambda c: -c.confidence)


def _safe(log: Log, name: str, assess: Callable[[], Cause | None]) -> list[Cause]:
    try:
        cause = assess()
    except Exception as exc:  # noqa: BLE001 - one cause failing must not lose the others
        log.warnings.append(f"cause {name} could not be assessed: {type(exc).__name__}: {exc}")
        return []
    return [cause] if cause is not None else []
