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
#: A run whose findings no cause explains at least this confidently gets the `unexplained` fallback.
EXPLAINED = 0.3
#: A run called healthy beside a run with symptoms is the control, not what the paste is about:
#: its healthy verdict keeps this share of its confidence, so the paste's problem ranks first.
BESIDE_PROBLEM = 0.5


def rank_causes(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding],
                registry: Iterable[type[CauseModel]], fallback: type[RunCause] | None = None) -> list[Cause]:
    """Assess every cause of ``registry`` on every run (a `RunCause`) or on the whole log (a `LogCause`),
    most confident first.

    Log-level findings (cross-run, predictions) are handed to each run they name. A run with
    findings that no cause explains with confidence `EXPLAINED` is assessed by ``fallback``
    (`unexplained`): never an empty cause list for a run with a finding.
    """
    found: list[Cause] = []
    every = [f for idx in sorted(run_findings) for f in run_findings[idx]] + list(log_findings)
    owns = _own_findings(log, run_findings, log_findings)
    for cls in registry:
        model = cls(log)
        if isinstance(model, LogCause):
            found += _safe(log, cls.id, lambda model=model: model.assess(log, every, dict(log.context or {})))
        elif isinstance(model, RunCause):
            for run in log.runs:
                own = list(owns[run.index])
                found += _safe(log, cls.id, lambda model=model, run=run, own=own: model.assess(run, own, run_context(log, run)))
        else:
            raise TypeError(f"{cls.__name__} must subclass RunCause or LogCause")
    confident = [c for c in found if c.cause != "healthy" and c.confidence >= COVERED]
    covered = {r for c in confident for r in c.runs}
    # A cause of the whole paste (its pasted predictions, say) speaks for the model its runs trained.
    whole = any(not c.runs for c in confident)
    found = [c for c in found if not (c.cause == "healthy" and (whole or set(c.runs) & covered))]
    if fallback is not None:
        found += _fallback(log, run_findings, log_findings, found, fallback)
    in_context = {r for c in found if c.cause == "healthy" and c.symptoms for r in c.runs}
    troubled = ({run.index for run in log.runs if run_findings.get(run.index)} - in_context) | {
        r for c in found if c.cause != "healthy" for r in c.runs}
    named = _few(sorted(troubled))  # one text for every healthy run: a paste may hold thousands
    for c in found:
        if c.cause == "healthy" and (len(troubled) > len(c.runs) or troubled - set(c.runs)):
            c.confidence *= BESIDE_PROBLEM
            c.evidence += f"; another run of this paste ({named}) has symptoms"
    return sorted(found, key=lambda c: -c.confidence)


def _fallback(log: Log, run_findings: dict[int, list[Finding]], log_findings: list[Finding],
              found: list[Cause], fallback: type[RunCause]) -> list[Cause]:
    """The fallback cause for every run with findings no found cause explains."""
    # A healthy verdict that read the run's findings in context (a late flat tail, an annealed lr) explains them.
    explained = {r for c in found if (c.cause != "healthy" and c.confidence >= EXPLAINED)
                 or (c.cause == "healthy" and c.symptoms) for r in c.runs}
    if any(not c.runs and c.confidence >= EXPLAINED for c in found):
        return []
    model = fallback(log)
    out: list[Cause] = []
    owns = _own_findings(log, run_findings, log_findings)
    for run in log.runs:
        own = list(owns[run.index])
        if own and run.index not in explained:
            out += _safe(log, fallback.id, lambda run=run, own=own: model.assess(run, own, run_context(log, run)))
    return out


def _few(indexes: list[int], shown: int = 8) -> str:
    """Run numbers for a sentence: all of a few, the first ones and a count of the rest of many.

    Example:
        >>> _few([1, 2]), _few(list(range(20)), shown=3)
        ('1, 2', '0, 1, 2 and 17 more')
    """
    if len(indexes) <= shown:
        return ", ".join(map(str, indexes))
    return f"{', '.join(map(str, indexes[:shown]))} and {len(indexes) - shown} more"


def _own_findings(log: Log, run_findings: dict[int, list[Finding]],
                  log_findings: list[Finding]) -> dict[int, list[Finding]]:
    """Each run's findings, then the log-level findings that name it (read once, not per cause)."""
    owns = {run.index: list(run_findings.get(run.index, [])) for run in log.runs}
    for f in log_findings:
        for index in dict.fromkeys(f.runs):
            if index in owns:
                owns[index].append(f)
    return owns


def _safe(log: Log, name: str, assess: Callable[[], Cause | None]) -> list[Cause]:
    try:
        cause = assess()
    except Exception as exc:  # noqa: BLE001 - one cause failing must not lose the others
        log.warnings.append(f"cause {name} could not be assessed: {type(exc).__name__}: {exc}")
        return []
    return [cause] if cause is not None else []
