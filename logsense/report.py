"""The diagnosis report: findings per run, causes ranked, as JSON (the contract) or terminal text."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .causes.base import Cause
from .findings import Finding
from .log import Log, jsonable, to_html


@dataclass
class Report:
    """What `logsense.diagnose` returns: findings per run and across runs, causes most likely first.

    In Jupyter a `Report` shows as tables (findings with their numbers; causes
    with confidence, replay status, max relative error and tolerance; the top
    replay's figures); ``repr`` is one line for a terminal. Charts of it are
    drawn by `logsense.plot.report_chart`.

    Example:
        >>> import logsense
        >>> report = logsense.diagnose({"loss": [776.5, 1678.0, 3625.8, 7835.0, 16931.0]})
        >>> report
        Report(runs=1, symptoms=['divergence'], causes=['lr_too_high'], top replay confirmed)
        >>> "lr_too_high" in report._repr_html_()
        True
    """

    log: Log
    run_findings: dict[int, list[Finding]] = field(default_factory=dict)
    log_findings: list[Finding] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, run by run, then those across runs or from pasted predictions.

        Example:
            >>> import logsense
            >>> loss = [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]  # seed 003, run 1
            >>> [(f.symptom, f.run) for f in logsense.diagnose({"loss": loss}).findings]
            [('divergence', 0)]
        """
        out = [f for idx in sorted(self.run_findings) for f in self.run_findings[idx]]
        return out + list(self.log_findings)

    @property
    def top_cause(self) -> Cause | None:
        """The most likely cause, or None when nothing was diagnosed.

        Example:
            >>> import logsense
            >>> top = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]}).top_cause
            >>> top.cause, top.confirmed
            ('lr_too_high', True)
        """
        return self.causes[0] if self.causes else None

    def to_dict(self) -> dict[str, Any]:
        """The ``logsense diagnose --json`` document (shared/design/contract.md).

        Example:
            >>> import json, logsense
            >>> doc = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]}).to_dict()
            >>> doc["runs"][0]["findings"][0]["symptom"], doc["causes"][0]["replay"]["confirmed"]
            ('divergence', True)
            >>> json.loads(json.dumps(doc)) == doc  # strict JSON
            True
        """
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
        """A readable terminal report: one line per finding with its numbers, then the causes.

        Example:
            >>> import logsense
            >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
            >>> print(report.to_text())
            run 0: 5 epochs, format history, locale en, metrics loss
              divergence in loss epochs 1-5 (confidence 0.99): growth_factor=2.161, ...
            causes, most likely first:
              lr_too_high (runs 0, confidence ...) [replay confirmed, max rel. error ...]
                evidence: loss grows geometrically by x2.1609 per epoch ...
                fix: divide the learning rate by more than 1.235 (lr*h = 2.47 must fall below 2); ...
        """
        lines: list[str] = []
        for w in self.log.warnings:
            lines.append(f"note: {w}")
        if not self.log.runs and not self.log.predictions:
            lines.append("nothing to diagnose: no training log or predictions were recognised")
        for run in self.log.runs:
            m = run.meta
            names = ", ".join(run.metrics) or (f"{', '.join(run.step_metrics)} (progress updates only)"
                                               if run.step_metrics else "-")
            lines.append(f"run {run.index}: {len(run.epoch_records)} epochs, format {m.get('format')}, "
                         f"locale {m.get('locale')}, metrics {names}")
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
        return to_html(self)

    def __repr__(self) -> str:
        symptoms = list(dict.fromkeys(f.symptom for f in self.findings))
        causes = [c.cause for c in self.causes]
        top = self.top_cause
        replay = "" if top is None or top.replay is None else (
            ", top replay " + ("confirmed" if top.replay.confirmed else "not confirmed"))
        return f"Report(runs={len(self.log.runs)}, symptoms={symptoms}, causes={causes}{replay})"


def format_finding(f: Finding) -> str:
    """One line: symptom, where, confidence and the key numbers.

    Example:
        >>> format_finding(Finding("jump", 0.9, metric="loss", start_epoch=934, stats={"size_sigma": 15.06}))
        'jump in loss epoch 934 (confidence 0.90): size_sigma=15.06'
    """
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
