"""Compact HTML for Jupyter (`_repr_html_`): the same facts the terminal report gives, as small tables."""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .log import Log, Run
    from .report import Report

_STYLE = "border-collapse:collapse;font-size:12px"
_CELL = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:left"


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A plain HTML table with escaped cells."""
    head = "".join(f'<th style="{_CELL}">{escape(str(h))}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{escape(_fmt(c))}</td>' for c in row) + "</tr>"
                   for row in rows)
    return f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def run_rows(runs: list["Run"]) -> list[list[Any]]:
    return [[r.index, len(r.epoch_records), len(r.step_records), len(r.events), r.meta.get("format"),
             r.meta.get("verbose"), r.meta.get("locale"), ", ".join(r.metrics)] for r in runs]


RUN_HEADER = ["run", "epochs", "steps", "events", "format", "verbose", "locale", "metrics"]


def log_html(log: "Log") -> str:
    parts = [f"<b>logsense Log</b>: {len(log.runs)} run(s)"]
    if log.runs:
        parts.append(table(RUN_HEADER, run_rows(log.runs)))
    if log.predictions:
        parts.append(table(["predictions at line", "shape", "rows elided"],
                           [[p.line, "x".join(map(str, p.shape)), p.elided] for p in log.predictions]))
    if log.unparsed:
        parts.append(f"<i>{len(log.unparsed)} log-like line(s) not understood "
                     f"(first at line {log.unparsed[0][0]})</i>")
    parts += [f"<i>note: {escape(w)}</i>" for w in log.warnings]
    return "<div>" + "<br>".join(parts) + "</div>"


def run_html(run: "Run") -> str:
    head = table(RUN_HEADER, run_rows([run]))
    epochs = run.epochs
    shown = epochs if len(epochs) <= 12 else epochs.iloc[list(range(5)) + list(range(len(epochs) - 5, len(epochs)))]
    return f"<div><b>logsense Run {run.index}</b>{head}{shown.to_html(index=False, max_cols=12)}</div>"


def report_html(report: "Report") -> str:
    parts = [f"<b>logsense Report</b>: {len(report.log.runs)} run(s), {len(report.findings)} finding(s), "
             f"{len(report.causes)} cause(s)"]
    findings = report.findings
    if findings:
        parts.append(table(["run", "symptom", "metric", "epochs", "confidence", "numbers"],
                           [[f.run if f.run is not None else ",".join(map(str, f.runs)) or f.source, f.symptom,
                             f.metric, _span(f.start_epoch, f.end_epoch), f.confidence, _stats(f.stats)]
                            for f in findings]))
    if report.causes:
        rows = []
        for c in report.causes:
            rp = c.replay
            replay = "-" if rp is None else (
                f"{'confirmed' if rp.confirmed else 'not confirmed'}, max rel. error {rp.max_rel_error:.2g}")
            rows.append([c.cause, ",".join(map(str, c.runs)), c.confidence, replay, c.evidence, c.fix])
        parts.append(table(["cause", "runs", "confidence", "replay", "evidence", "fix"], rows))
    return "<div>" + "<br>".join(parts) + "</div>"


def _span(a: Any, b: Any) -> str:
    if a is None:
        return ""
    return str(a) if b in (None, a) else f"{a}-{b}"


def _stats(stats: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in list(stats.items())[:4] if not isinstance(v, (dict, list)))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)
