"""How a diagnosis is shown to people: the one formatter per concept, and the notebook tables.

The page, the notebook tables and the terminal read their numbers, epoch spans
and replay states from here, so they never disagree. The notebook HTML
(`_repr_html_`) is plain tables with inline styles only: notebook front ends
(Jupyter, VS Code, Colab) strip ``<style>`` blocks and scripts from output, and
their themes set the colours. Every piece of text from a log is escaped.
"""
from __future__ import annotations

import math
import re
from html import escape
from typing import TYPE_CHECKING, Any

from .log import HTML_RENDERERS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .causes.base import Cause, Replay
    from .findings import Finding
    from .log import Log, Run
    from .report import Report

_STYLE = "border-collapse:collapse;font-size:12px;margin:4px 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #ccc;text-align:left;vertical-align:top"
#: Epoch rows shown before a Run's table is cut to its head and tail.
MAX_EPOCH_ROWS = 12
#: Context entries shown (scalars only: pasted arrays and layer lists stay in ``.context``).
MAX_CONTEXT_ITEMS = 10

RUN_HEADER = ["run", "epochs", "range", "declared", "format", "verbose", "locale", "metrics", "steps", "events"]


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A plain HTML table with escaped cells.

    Example:
        >>> html = table(["value"], [[1.23456789], ["<b>"]])
        >>> "<td" in html, "1.23457" in html, "&lt;b&gt;" in html
        (True, True, True)
    """
    head = "".join(f'<th style="{_CELL}">{escape(str(h))}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td style="{_CELL}">{escape(fmt(c))}</td>' for c in row) + "</tr>"
                   for row in rows)
    return f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def run_rows(runs: list["Run"]) -> list[list[Any]]:
    """One row per run for `RUN_HEADER`."""
    rows = []
    for r in runs:
        epochs = r.epoch_numbers()
        span = span_text(int(epochs[0]), int(epochs[-1])) if epochs.size and all(map(math.isfinite, epochs)) else ""
        m = r.meta
        rows.append([r.index, len(r.epoch_records), span, m.get("declared_epochs"), m.get("format"),
                     m.get("verbose"), m.get("locale"), ", ".join(r.metrics), len(r.step_records), len(r.events)])
    return rows


def log_html(log: "Log") -> str:
    """What was read: runs, the set-up found around them, pasted arrays, lines not understood."""
    n_epochs = sum(len(r.epoch_records) for r in log.runs)
    head = f"<b>logsense Log</b>: {len(log.runs)} run(s), {n_epochs} epoch(s)"
    if log.source:
        head += f" from {escape(str(log.source))}"
    if log.encoding and log.encoding.lower() not in ("utf-8", "ascii"):
        head += f", decoded as {escape(log.encoding)}"
    parts = [head]
    if log.runs:
        parts.append(table(RUN_HEADER, run_rows(log.runs)))
    parts += _context_part(log.context)
    if log.predictions:
        parts.append(table(["predictions at line", "shape", "rows elided"],
                           [[p.line, "x".join(map(str, p.shape)), p.elided] for p in log.predictions]))
    if log.unparsed:
        parts.append(f"<i>{len(log.unparsed)} log-like line(s) not understood "
                     f"(first at line {log.unparsed[0][0]})</i>")
    parts += _notes(log.warnings)
    return _div(parts)


def run_html(run: "Run") -> str:
    """The run's summary row, its set-up, callback events and its epochs (head and tail when long)."""
    parts = [f"<b>logsense Run {run.index}</b>", table(RUN_HEADER, run_rows([run]))]
    parts += _context_part(run.context)
    if run.events:
        shown = run.events[:5]
        parts.append(table(["epoch", "event", "value", "text"], [[e.epoch, e.kind, e.value, e.text] for e in shown]))
        if len(run.events) > len(shown):
            parts.append(f"<i>... {len(run.events) - len(shown)} more event(s) in .events</i>")
    epochs = run.epochs
    if len(epochs) > MAX_EPOCH_ROWS:
        half = MAX_EPOCH_ROWS // 2
        epochs = epochs.iloc[list(range(half)) + list(range(len(epochs) - half, len(epochs)))]
        parts.append(f"<i>epochs: first and last {half} of {len(run.epoch_records)} (all in .epochs)</i>")
    if len(epochs):
        parts.append(epochs.to_html(index=False, max_cols=12, float_format=fmt, border=0))
    return _div(parts)


def report_html(report: "Report") -> str:
    """The diagnosis: runs, findings with their numbers, causes with confidence and replay error."""
    top = report.top_cause
    head = (f"<b>logsense Report</b>: {len(report.log.runs)} run(s), {len(report.findings)} finding(s), "
            f"{len(report.causes)} cause(s)")
    if top is not None:
        head += f"; most likely <b>{escape(top.cause)}</b>" + (
            "" if top.replay is None else f" (replay {replay_status(top)})")
    parts = [head]
    if report.log.runs:
        rows = [[r.index, len(r.epoch_records), r.meta.get("format"), r.meta.get("locale"), ", ".join(r.metrics),
                 ", ".join(f.symptom for f in report.run_findings.get(r.index, [])) or "none"]
                for r in report.log.runs]
        parts.append(table(["run", "epochs", "format", "locale", "metrics", "symptoms"], rows))
    if report.findings:
        parts.append(table(["run", "symptom", "metric", "epochs", "confidence", "numbers", "message"],
                           [finding_row(f) for f in report.findings]))
    if report.causes:
        parts.append(table(["#", "cause", "runs", "confidence", "replay", "max rel. error", "tolerance",
                            "evidence", "fix"],
                           [cause_row(rank, c) for rank, c in enumerate(report.causes, 1)]))
        for rank, c in enumerate(report.causes, 1):
            if c.replay is not None:
                parts.append(_replay_part(rank, c, open_=rank == 1))
    parts += _notes(report.log.warnings)
    return _div(parts)


def finding_row(f: "Finding") -> list[Any]:
    """run, symptom, metric, epochs, confidence, numbers, message."""
    where = f.run if f.run is not None else (",".join(map(str, f.runs)) or f.source)
    return [where, f.symptom, f.metric or f.source, span_text(f.start_epoch, f.end_epoch), f"{f.confidence:.2f}",
            stats_text(f.stats), f.message]


def cause_row(rank: int, c: "Cause") -> list[Any]:
    """#, cause, runs, confidence, replay status, max rel. error, tolerance, evidence, fix."""
    rp = c.replay
    status = "-" if rp is None else replay_status(c)
    return [rank, c.cause, ",".join(map(str, c.runs)) or "-", f"{c.confidence:.2f}", status,
            None if rp is None else rp.max_rel_error, None if rp is None else rp.tolerance, c.evidence, c.fix]


def replay_figures(replay: "Replay") -> dict[str, Any]:
    """The replay's parameters and the single numbers it produced (final weight, ratios, ...).

    Example:
        >>> from logsense import Replay
        >>> replay_figures(Replay("loss", [1.0], [1.0], 0.0, 1e-3, params={"lr": 0.01}, extra={"final_weight": -68.7}))
        {'lr': 0.01, 'final_weight': -68.7}
    """
    extra = replay.extra if isinstance(replay.extra, dict) else {}
    figures = {k: v for k, v in replay.params.items() if _is_scalar(v)}
    figures.update({k: v for k, v in extra.items() if _is_scalar(v) and k not in figures})
    return figures


def span_text(a: Any, b: Any) -> str:
    """``"3"`` or ``"3-7"``; empty when there is no epoch."""
    if a is None:
        return ""
    return str(a) if b in (None, a) else f"{a}-{b}"


def stats_text(stats: dict[str, Any]) -> str:
    """A finding's numbers as ``name=value`` pairs (missing ones, lists and dicts left to ``.stats``)."""
    return ", ".join(f"{k}={fmt(v)}" for k, v in stats.items() if _is_scalar(v) and v is not None)


def fmt(v: Any) -> str:
    """A number in a table cell: floats to 6 significant digits (3 below 1e-3), short lists of numbers
    in brackets, None as empty.

    Example:
        >>> fmt(2.160912345), fmt(0.000123456), fmt([1.5, 2.0]), fmt(None)
        ('2.16091', '0.000123', '[1.5, 2]', '')
    """
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) >= 1e-3 or v == 0 or not math.isfinite(v) else f"{v:.3g}"
    if isinstance(v, (list, tuple)) and len(v) <= 4 and all(isinstance(x, (int, float)) for x in v):
        return "[" + ", ".join(fmt(float(x)) for x in v) + "]"
    return "" if v is None else str(v)


def replay_status(cause: "Cause") -> str:
    """The replay's state in words: ``confirmed``, ``consistent``, ``contradicted`` or ``not run``.

    Example:
        >>> from logsense import Cause
        >>> replay_status(Cause("healthy", 0.8))
        'not run'
    """
    return cause.replay_status.replace("_", " ")


_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-!|$~:])")


def markdown_literal(text: Any) -> str:
    r"""Text from logsense or the user for a Markdown surface, shown literally: ``lr*h`` must not
    turn into italics.

    Example:
        >>> markdown_literal("lr*h = 2.47")
        'lr\\*h = 2.47'
    """
    return _MARKDOWN.sub(r"\\\1", str(text))


def findings_frame(findings: "list[Finding]") -> "pd.DataFrame":
    """The findings as a table for the page: the columns of `finding_row`."""
    import pandas as pd

    columns = ["run", "symptom", "metric", "epochs", "confidence", "numbers", "message"]
    return pd.DataFrame([finding_row(f) for f in findings], columns=columns)


def _replay_part(rank: int, c: "Cause", *, open_: bool) -> str:
    rp = c.replay
    assert rp is not None
    figures = replay_figures(rp)
    summary = (f"{rank}. {escape(c.cause)}: replay of {escape(rp.metric)}, {len(rp.predicted)} value(s), "
               f"max rel. error {fmt(rp.max_rel_error)} (tolerance {fmt(rp.tolerance)})")
    body = table(["replay figure", "value"], [[k, v] for k, v in figures.items()]) if figures else ""
    if rp.note:
        body += f"<i>{escape(rp.note)}</i>"
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{body}</details>"


def _context_part(context: dict[str, Any]) -> list[str]:
    items = [(k, v) for k, v in (context or {}).items() if _is_scalar(v)][:MAX_CONTEXT_ITEMS]
    if not items:
        return []
    return ["set-up: " + ", ".join(f"{escape(str(k))}={escape(fmt(v))}" for k, v in items)]


def _notes(warnings: list[str]) -> list[str]:
    return [f"<i>note: {escape(w)}</i>" for w in warnings]


def _div(parts: list[str]) -> str:
    return "<div>" + "<br>".join(parts) + "</div>"


def _is_scalar(v: Any) -> bool:
    return isinstance(v, (int, float, str, bool)) or v is None


HTML_RENDERERS.update(Log=log_html, Run=run_html, Report=report_html)
