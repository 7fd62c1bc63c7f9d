"""The diagnosis report: findings per run, causes ranked, a status per run and the verdict,
as JSON (the contract, docs/contract.md) or terminal text."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from . import verdict as _verdict
from .causes.base import Cause
from .findings import Finding
from .log import Log, jsonable, to_html
from .verdict import RunStatus

#: Runs the terminal report lists in full (problems first); the others go in the runs table.
MAX_RUNS_IN_FULL = 5
#: Rows of the terminal's runs table before the rest are counted.
MAX_TABLE_ROWS = 40


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

    def __post_init__(self) -> None:
        # `healthy` is a status kept among the causes for compatibility: beside an open finding it
        # must never read as the top cause, so it goes after every real one (stable otherwise).
        if self.findings:
            self.causes = sorted(self.causes, key=lambda c: c.cause == "healthy")

    @cached_property
    def statuses(self) -> list[RunStatus]:
        """`RunStatus` per run, in run order (`logsense.verdict` has the rules).

        Example:
            >>> import logsense
            >>> [str(s) for s in logsense.diagnose({"loss": [1.0, 0.5, 0.25, 0.2, 0.19]}).statuses]
            ['healthy']
        """
        return _verdict.run_statuses(self.log, self.run_findings, self.log_findings, self.causes, self.index)

    @cached_property
    def index(self) -> _verdict.Index:
        """Open findings and covering causes by run (`logsense.verdict.Index`), built once.

        Example:
            >>> import logsense
            >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
            >>> [c.cause for c in report.index.covering(0)], [f.symptom for f in report.index.open(0)]
            (['lr_too_high'], ['divergence'])
        """
        return _verdict.Index.build(self.run_findings, self.log_findings, self.causes)

    def status(self, run_index: int) -> RunStatus:
        """The status of the run with this index; `KeyError` for an index the log does not have.

        Example:
            >>> import logsense
            >>> from logsense.samples import seed_samples
            >>> report = logsense.diagnose(seed_samples()[3].path)  # seed 003
            >>> report.status(0), report.status(1)
            (<RunStatus.HEALTHY: 'healthy'>, <RunStatus.PROBLEM: 'problem'>)
        """
        try:
            return self._status_of[run_index]
        except KeyError:
            raise KeyError(f"no run {run_index}: the log has {len(self.log.runs)} run(s)") from None

    @cached_property
    def _status_of(self) -> dict[int, RunStatus]:
        return {run.index: status for run, status in zip(self.log.runs, self.statuses)}

    @cached_property
    def names(self) -> list[str]:
        """Each run's name, by what differs between the runs' set-ups (``lr=0.01``), else ``run i``.

        Example:
            >>> import logsense
            >>> from logsense.samples import seed_samples
            >>> logsense.diagnose(seed_samples()[4].path).names  # seed 004: two fits, lr 0.01 then 0.03
            ['lr=0.01', 'lr=0.03']
        """
        return _verdict.run_names(self.log)

    @cached_property
    def verdict(self) -> list[str]:
        """One plain sentence per problem, with its number, its fix and the replay's state; empty when
        nothing is wrong.

        Example:
            >>> import logsense
            >>> logsense.diagnose({"loss": [1.0, 0.5, 0.25, 0.2, 0.19]}).verdict
            []
        """
        return _verdict.verdict(self.log, self.run_findings, self.log_findings, self.causes, self.statuses,
                                self.names, self.index)

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
        """The ``logsense diagnose --json`` document (docs/contract.md).

        Example:
            >>> import json, logsense
            >>> doc = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]}).to_dict()
            >>> doc["runs"][0]["findings"][0]["symptom"], doc["causes"][0]["replay"]["confirmed"]
            ('divergence', True)
            >>> doc["runs"][0]["status"], doc["causes"][0]["replay_state"]["state"]
            ('problem', 'confirmed')
            >>> json.loads(json.dumps(doc)) == doc  # strict JSON
            True
        """
        runs = []
        for run, status, name in zip(self.log.runs, self.statuses, self.names):
            runs.append({"index": run.index, "name": name, "status": status.value, "meta": run.meta,
                         "findings": [f.to_dict() for f in self.run_findings.get(run.index, [])]})
        causes = []
        for c in self.causes:
            doc = c.to_dict()
            doc["replay_state"] = _verdict.replay_state(c)
            causes.append(doc)
        return jsonable({
            "verdict": list(self.verdict),
            "runs": runs,
            "findings": [f.to_dict() for f in self.log_findings],
            "causes": causes,
            "context": self.log.context,
            "warnings": list(self.log.warnings),
        })

    def to_text(self) -> str:
        """A readable terminal report: the verdict, the runs (a few in full, the rest as a table), then the
        causes, identical ones across runs as one entry listing the runs.

        Example:
            >>> import logsense
            >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
            >>> print(report.to_text())
            verdict:
              Run 0: loss diverges x2.161 per epoch: the learning rate is too high; ... - confirmed by replay
            run 0: problem, 5 epochs, format history, locale en, metrics loss
              divergence in loss epochs 1-5 (confidence 0.99): growth_factor=2.161, ...
            causes, most likely first:
              lr_too_high on run 0 (confidence ...) [replay confirmed: reproduces the printed loss ...]
                evidence: loss grows geometrically by x2.1609 per epoch ...
                fix: divide the learning rate by more than 1.235 (lr*h = 2.47 must fall below 2); ...
        """
        lines: list[str] = []
        for w in self.log.warnings:
            lines.append(f"note: {w}")
        if not self.log.runs and not self.log.predictions:
            lines.append("nothing to diagnose: no training log or predictions were recognised")
        if self.verdict:
            lines.append("verdict:")
            lines += [f"  {s}" for s in self.verdict]
        elif self.log.runs:
            lines.append(f"verdict: no problem found in {len(self.log.runs)} run(s)")
        order = sorted(range(len(self.log.runs)), key=lambda i: _STATUS_ORDER[self.statuses[i]])
        full = sorted(order[:MAX_RUNS_IN_FULL])
        for i in full:
            lines += self._run_lines(i)
        rest = sorted(order[MAX_RUNS_IN_FULL:])
        if rest:
            lines.append(f"{len(rest)} more run(s):")
            lines += ["  " + row for row in self.runs_table(rest)]
        for f in self.log_findings[:MAX_RUNS_IN_FULL]:
            lines.append(format_finding(f))
        if len(self.log_findings) > MAX_RUNS_IN_FULL:
            lines.append(f"... {len(self.log_findings) - MAX_RUNS_IN_FULL} more finding(s) across runs in the JSON (--json)")
        groups = group_causes([c for c in self.causes if c.cause != "healthy"])
        if groups:
            lines.append("causes, most likely first:")
            for group in groups:
                lead = group[0]
                where = _runs_text(sorted({r for c in group for r in c.runs}))
                scope = f" for run {lead.runs[0]}" if len(group) > 1 and len(lead.runs) == 1 else ""
                status = f" [replay {_verdict.replay_words(lead)}: {_verdict.replay_reason(lead)}]"
                lines.append(f"  {lead.cause} on {where} (confidence {lead.confidence:.2f}{scope}){status}")
                if lead.evidence:
                    lines.append(f"    evidence{scope}: {lead.evidence}")
                if lead.fix:
                    lines.append(f"    fix: {lead.fix}")
        return "\n".join(lines)

    def _run_lines(self, i: int) -> list[str]:
        run = self.log.runs[i]
        m = run.meta
        names = ", ".join(run.metrics) or (f"{', '.join(run.step_metrics)} (progress updates only)"
                                           if run.step_metrics else "-")
        name = self.names[i]
        head = f"run {run.index}" + ("" if name.startswith("run ") else f" ({name})")
        out = [(f"{head}: {self.statuses[i].value}, {len(run.epoch_records)} epochs, format {m.get('format')}, "
                f"locale {m.get('locale')}, metrics {names}")]
        found = self.run_findings.get(run.index, [])
        if not found:
            out.append("  no symptoms")
        out += ["  " + format_finding(f) for f in found]
        return out

    def runs_table(self, positions: list[int] | None = None) -> list[str]:
        """The runs as text rows: name, format, epochs, status, top finding (missing values empty).

        Example:
            >>> import logsense
            >>> print("\\n".join(logsense.diagnose({"loss": [1.0, 0.5, 0.25, 0.2, 0.19]}).runs_table()))
            run  name   format   epochs  status   top finding
            0    run 0  history  5       healthy
        """
        positions = list(range(len(self.log.runs))) if positions is None else positions
        header = ["run", "name", "format", "epochs", "status", "top finding"]
        rows = []
        for i in positions[:MAX_TABLE_ROWS]:
            run = self.log.runs[i]
            found = self.index.open(run.index)
            top = "" if not found else f"{found[0].symptom} in {found[0].metric or found[0].source}"
            rows.append([str(run.index), self.names[i], str(run.meta.get("format") or ""),
                         str(len(run.epoch_records)), self.statuses[i].value, top])
        widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
        out = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
        if len(positions) > MAX_TABLE_ROWS:
            out.append(f"... {len(positions) - MAX_TABLE_ROWS} more run(s) in the JSON (--json)")
        return out

    def _repr_html_(self) -> str:
        return to_html(self)

    def __repr__(self) -> str:
        symptoms = list(dict.fromkeys(f.symptom for f in self.findings))
        causes = [c.cause for c in self.causes]
        top = self.top_cause
        replay = "" if top is None or top.replay is None else ", top replay " + _verdict.replay_words(top)
        return f"Report(runs={len(self.log.runs)}, symptoms={symptoms}, causes={causes}{replay})"


_STATUS_ORDER = {RunStatus.PROBLEM: 0, RunStatus.UNEXPLAINED: 1, RunStatus.HEALTHY: 2, RunStatus.NO_DATA: 3}


def group_causes(causes: list[Cause]) -> list[list[Cause]]:
    """Identical causes across runs (same id, same replay state) as one group, most confident member
    first; groups in the order of their best member.

    Example:
        >>> [[c.runs for c in g] for g in group_causes([Cause("lr_too_high", 0.7, [4]), Cause("lr_too_high", 0.9, [1])])]
        [[[1], [4]]]
    """
    groups: dict[tuple[str, str], list[Cause]] = {}
    for c in causes:
        groups.setdefault((c.cause, c.replay_status), []).append(c)
    out = [sorted(g, key=lambda c: -c.confidence) for g in groups.values()]
    return sorted(out, key=lambda g: -g[0].confidence)


def _runs_text(runs: list[int], limit: int = 8) -> str:
    """``run 0``, ``runs 0, 2, 5``, ``runs 0, 1, 2, ... (120 in all)``; ``the whole paste`` for none."""
    if not runs:
        return "the whole paste"
    if len(runs) == 1:
        return f"run {runs[0]}"
    shown = ", ".join(map(str, runs[:limit]))
    return f"runs {shown}" + (f", ... ({len(runs)} in all)" if len(runs) > limit else "")


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
