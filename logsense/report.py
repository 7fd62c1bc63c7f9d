"""The diagnosis report: findings per run, causes ranked, as JSON (the contract) or terminal text."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .causes.base import Cause
from .findings import Finding
from .log import Log, jsonable


@dataclass
class Report:
    """What `logsense.diagnose` returns."""

    log: Log
    run_findings: dict[int, list[Finding]] = field(default_factory=dict)
    log_findings: list[Finding] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, run by run, then those across runs or from pasted predictions."""
        out = [f for idx in sorted(self.run_findings) for f in self.run_findings[idx]]
        return out + list(self.log_findings)

    @property
    def top_cause(self) -> Cause | None:
        return self.causes[0] if self.causes else None

    def to_dict(self) -> dict[str, Any]:
        """The ``logsense diagnose --json`` document (shared/design/contract.md)."""
        runs = []
        for run in self.log.runs:
            runs.append({"index": run.index, "meta": run.meta,
                         "findings": [f.to_dict() for f in self.run_findings.get(run.index, [])]})
        return jsonable({
            "runs": runs,
            "findings": [f.to_dict() for f in self.log_findings],
            "causes": [c.to_dict() for c in self.causes],
            "context": self.log.context,
            "warnings": list(self.log.warnings),
        })

    def to_text(self) -> str:
        """A readable terminal report: one line per finding with its numbers, then the causes."""
        lines: list[str] = []
        for w in self.log.warnings:
            lines.append(f"note: {w}")
        if not self.log.runs and not self.log.predictions:
            lines.append("nothing to diagnose: no training log or predictions were recognised")
        for run in self.log.runs:
            m = run.meta
            lines.append(f"run {run.index}: {len(run.epoch_records)} epochs, format {m.get('format')}, "
                         f"locale {m.get('locale')}, metrics {', '.join(run.metrics) or '-'}")
            found = self.run_findings.get(run.index, [])
            if not found:
                lines.append("  no symptoms")
            for f in found:
                lines.append("  " + format_finding(f))
        for f in self.log_findings:
            lines.append(format_finding(f))
        if self.causes:
            lines.append("causes, most likely first:")
            for c in self.causes:
                runs = ",".join(str(r) for r in c.runs)
                status = ""
                if c.replay is not None:
                    status = (" [replay confirmed, max rel. error %.2g]" if c.replay.confirmed
                              else " [replay not confirmed, max rel. error %.2g]") % c.replay.max_rel_error
                lines.append(f"  {c.cause} (runs {runs or '-'}, confidence {c.confidence:.2f}){status}")
                if c.evidence:
                    lines.append(f"    evidence: {c.evidence}")
                if c.fix:
                    lines.append(f"    fix: {c.fix}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .display import report_html
        return report_html(self)

    def __repr__(self) -> str:
        top = self.top_cause.cause if self.top_cause else None
        return f"Report(runs={len(self.log.runs)}, findings={len(self.findings)}, top_cause={top!r})"


def format_finding(f: Finding) -> str:
    """One line: symptom, where, confidence and the key numbers."""
    where = f.metric or f.source
    span = ""
    if f.start_epoch is not None:
        span = f" epochs {f.start_epoch}-{f.end_epoch}" if f.end_epoch not in (None, f.start_epoch) else f" epoch {f.start_epoch}"
    nums = ", ".join(f"{k}={_short(v)}" for k, v in list(f.stats.items())[:5] if not isinstance(v, (list, dict)))
    text = f"{f.symptom} in {where}{span} (confidence {f.confidence:.2f})"
    if nums:
        text += f": {nums}"
    return text


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
