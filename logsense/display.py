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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .log import HTML_RENDERERS, escape

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


def run_rows(runs: list[Run]) -> list[list[Any]]:
    """One row per run for `RUN_HEADER`."""
    rows = []
    for r in runs:
        epochs = r.epoch_numbers()
        span = span_text(int(epochs[0]), int(epochs[-1])) if epochs.size and all(map(math.isfinite, epochs)) else ""
        m = r.meta
        rows.append([r.index, len(r.epoch_records), span, m.get("declared_epochs"), m.get("format"),
                     m.get("verbose"), m.get("locale"), ", ".join(r.metrics), len(r.step_records), len(r.events)])
    return rows


def log_html(log: Log) -> str:
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


def run_html(run: Run) -> str:
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


def report_html(report: Report) -> str:
    """The diagnosis: runs, findings with their numbers, causes with confidence and replay error."""
    top = report.top_cause
    head = (f"<b>logsense Report</b>: {len(report.log.runs)} run(s), {len(report.findings)} finding(s), "
            f"{len(report.causes)} cause(s)")
    if top is not None:
        head += f"; most likely <b>{escape(top.cause)}</b> (replay {replay_status(top)})"
    parts = [head]
    sentences = list(getattr(report, "verdict", []) or [])
    if sentences:
        parts.append("<b>Verdict</b>: " + "<br>".join(escape(s) for s in sentences))
    if report.log.runs:
        statuses = list(getattr(report, "statuses", []) or [])
        names = list(getattr(report, "names", []) or [])
        rows = [[r.index, names[i] if i < len(names) else f"run {r.index}",
                 str(statuses[i]) if i < len(statuses) else "", len(r.epoch_records), r.meta.get("format"),
                 r.meta.get("locale"), ", ".join(r.metrics),
                 ", ".join(f.symptom for f in report.run_findings.get(r.index, [])) or "none"]
                for i, r in enumerate(report.log.runs)]
        parts.append(table(["run", "name", "status", "epochs", "format", "locale", "metrics", "symptoms"], rows))
    if report.findings:
        parts.append(table(["run", "symptom", "metric", "epochs", "confidence", "numbers", "message"],
                           [finding_row(f) for f in report.findings]))
    if report.causes:
        parts.append(table(CAUSE_HEADER, [cause_row(rank, c) for rank, c in enumerate(report.causes, 1)]))
        for rank, c in enumerate(report.causes, 1):
            if c.replay is not None:
                parts.append(_replay_part(rank, c, open_=rank == 1))
    parts += _notes(report.log.warnings)
    return _div(parts)


def finding_row(f: Finding) -> list[Any]:
    """run, symptom, metric, epochs, confidence, numbers, message."""
    where = f.run if f.run is not None else (",".join(map(str, f.runs)) or f.source)
    return [where, f.symptom, f.metric or f.source, span_text(f.start_epoch, f.end_epoch), f"{f.confidence:.2f}",
            stats_text(f.stats), f.message]


#: The columns of `cause_row`.
CAUSE_HEADER = ["#", "cause", "runs", "confidence", "replay", "replay reason", "max rel. error", "tolerance",
                "evidence", "fix"]


def cause_row(rank: int, c: Cause) -> list[Any]:
    """One row for `CAUSE_HEADER`: the replay's state in the vocabulary every face uses (``not run`` included)
    and its reason."""
    from .verdict import replay_reason, replay_words  # the causes load with the first report, not on import

    rp = c.replay
    return [rank, c.cause, ",".join(map(str, c.runs)) or "-", f"{c.confidence:.2f}", replay_words(c),
            replay_reason(c), None if rp is None else rp.max_rel_error, None if rp is None else rp.tolerance,
            c.evidence, c.fix]


def replay_figures(replay: Replay) -> dict[str, Any]:
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


def replay_status(cause: Cause) -> str:
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


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """The findings as a table for the page: the columns of `finding_row`."""
    import pandas as pd

    columns = ["run", "symptom", "metric", "epochs", "confidence", "numbers", "message"]
    return pd.DataFrame([finding_row(f) for f in findings], columns=columns)


def _replay_part(rank: int, c: Cause, *, open_: bool) -> str:
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


# ------------------------------------------------------------- the verdict
# What the page (and a Markdown answer) says first: one sentence per problem, a status per run.
# `Report.status` / `Report.verdict` are used when the report provides them, so the page and the
# terminal say the same; the fallbacks below compute the same thing from the findings and causes.

HEALTHY, PROBLEM, UNEXPLAINED, NO_DATA = "healthy", "problem", "unexplained", "no_data"
#: Cause ids that are run statuses, never a cause card.
NOT_CAUSES = (HEALTHY, UNEXPLAINED)
RUN_STATES = (PROBLEM, UNEXPLAINED, HEALTHY, NO_DATA)
#: Cause cards shown open; the other causes go in a table.
MAX_CARDS = 4
#: What each cause means, as the start of a verdict sentence.
HEADLINES = {
    "lr_too_high": "the learning rate is too high",
    "l2_penalty_in_loss": "the training loss includes the L2 penalty (not a training problem)",
    "saturated_logits": "the outputs saturate: unscaled inputs drive unbounded logits",
    "loss_activation_mismatch": "the loss does not match the output activation",
    "collapse_to_mean": "the model predicts the same output for every input",
    "optimizer_instability": "the optimizer was knocked off a stable minimum",
    "dropout_gap": "dropout makes the training loss read higher than validation (not a training problem)",
    "memorization": "the model memorises the training data",
}


def run_status(report: Report, index: int) -> str:
    """A run's status: ``problem`` (a cause explains its findings), ``unexplained`` (a finding
    no cause explains), ``healthy`` (no open finding) or ``no_data`` (nothing printed per epoch).

    A run with an open finding is never healthy, whatever a cause says.

    Example:
        >>> import logsense
        >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
        >>> run_status(report, 0)
        'problem'
    """
    own = getattr(report, "status", None)
    if callable(own):
        value = own(index)
        return str(getattr(value, "value", value))
    return run_statuses(report).get(index, NO_DATA)


def run_statuses(report: Report) -> dict[int, str]:
    """`run_status` of every run at once (one pass over the causes)."""
    explained: set[int] = set()
    for c in problems(report):
        explained.update(c.runs)
    across = {r for f in report.log_findings for r in (f.runs or [])}
    out = {}
    for run in report.log.runs:
        open_ = bool(report.run_findings.get(run.index)) or run.index in across
        if open_:
            out[run.index] = PROBLEM if run.index in explained else UNEXPLAINED
        elif run.index in explained:
            out[run.index] = PROBLEM
        elif not run.epoch_records and not run.step_records:
            out[run.index] = NO_DATA
        else:
            out[run.index] = HEALTHY
    return out


def problems(report: Report) -> list[Cause]:
    """The causes that name a problem: every cause but ``healthy`` (a status, not a cause)."""
    return [c for c in report.causes if c.cause not in NOT_CAUSES]


@dataclass
class CauseGroup:
    """Identical causes across runs: one id and replay state, the runs it covers, the strongest case."""

    cause: str
    state: str
    members: list[Cause]

    @property
    def lead(self) -> Cause:
        return max(self.members, key=lambda c: c.confidence)

    @property
    def runs(self) -> list[int]:
        return sorted({r for c in self.members for r in c.runs})

    @property
    def confidence(self) -> float:
        return self.lead.confidence


def group_causes(causes: list[Cause]) -> list[CauseGroup]:
    """One group per (cause id, replay state), most confident first: 3,486 runs that diverge
    the same way are one card that lists them, not 3,486 cards.

    Example:
        >>> from logsense import Cause
        >>> groups = group_causes([Cause("lr_too_high", 0.9, runs=[1]), Cause("lr_too_high", 0.7, runs=[4])])
        >>> [(g.cause, g.runs, g.confidence) for g in groups]
        [('lr_too_high', [1, 4], 0.9)]
    """
    groups: dict[tuple[str, str], CauseGroup] = {}
    for c in causes:
        key = (c.cause, c.replay_status)
        groups.setdefault(key, CauseGroup(c.cause, c.replay_status, [])).members.append(c)
    return sorted(groups.values(), key=lambda g: -g.confidence)


def replay_badge(cause: Cause) -> tuple[str, str]:
    """The replay's state in words and why it is that state; the reason never contradicts the numbers.

    The same words and reason as the JSON's ``replay_state`` and the terminal (`logsense.verdict`).

    Example:
        >>> from logsense import Cause, Replay
        >>> replay_badge(Cause("x", 0.9, replay=Replay("loss", [1.0], [1.0], 0.011, 0.05, confirmed=True)))
        ('confirmed', 'reproduces the printed loss (max rel. error 0.011, tolerance 0.05)')
        >>> replay_badge(Cause("healthy", 0.8))[0]
        'not run'
    """
    from .verdict import replay_reason, replay_words

    return replay_words(cause), replay_reason(cause)


def runs_text(runs: list[int], limit: int = 6) -> str:
    """``Run 1``, ``Runs 0, 2 and 5``, ``Runs 0, 1, 2, 3, 4, 5 and 120 more``.

    Example:
        >>> runs_text([1]), runs_text([0, 2, 5]), runs_text(list(range(10)), limit=3)
        ('Run 1', 'Runs 0, 2 and 5', 'Runs 0, 1, 2 and 7 more')
    """
    if not runs:
        return "The whole text"
    if len(runs) == 1:
        return f"Run {runs[0]}"
    shown = ", ".join(map(str, runs[:limit]))
    if len(runs) > limit:
        return f"Runs {shown} and {len(runs) - limit} more"
    return f"Runs {', '.join(map(str, runs[:-1]))} and {runs[-1]}"


def verdict_sentence(group: CauseGroup) -> str:
    """One plain sentence for a problem: where, what, its key number, the fix, the replay's state."""
    lead = group.lead
    what = HEADLINES.get(group.cause, group.cause.replace("_", " "))
    number = lead.evidence.split("; ")[0] if lead.evidence else ""
    text = f"{runs_text(group.runs)}: {what}" + (f" — {number}" if number else "") + "."
    if lead.fix:
        text += f" Fix: {lead.fix.rstrip('.')}."
    state, reason = replay_badge(lead)
    text += " Not replayed." if lead.replay is None else f" Replay {state}: {reason}."
    return text


def verdict(report: Report) -> list[str]:
    """The page's first lines: one sentence per problem, then one for what is left (unexplained,
    healthy, empty runs). Uses ``report.verdict`` when the report provides it.

    Example:
        >>> import logsense
        >>> verdict(logsense.diagnose({"loss": [1.0, 0.5, 0.25, 0.2, 0.19]}))
        ['Run 0 looks healthy: no symptom found.']
    """
    own = getattr(report, "verdict", None)
    if own is not None:  # the report's own sentences for the problems; the statuses' lines follow
        own = own() if callable(own) else own
        lines = [str(x) for x in own] if isinstance(own, (list, tuple)) else []
        said = " ".join(lines).lower()
        return lines + status_lines(report, with_unexplained="explain" not in said)
    return [verdict_sentence(g) for g in group_causes(problems(report))] + status_lines(report)


def status_lines(report: "Report", with_unexplained: bool = True) -> list[str]:
    """The verdict's lines for the runs no problem sentence covers: unexplained, healthy, empty."""
    lines: list[str] = []
    statuses = {r.index: run_status(report, r.index) for r in report.log.runs}
    by_state: dict[str, list[int]] = {}
    for index, state in statuses.items():
        by_state.setdefault(state, []).append(index)
    if with_unexplained and by_state.get(UNEXPLAINED):
        idx = by_state[UNEXPLAINED]
        symptoms = sorted({f.symptom for i in idx for f in report.run_findings.get(i, [])})
        lines.append(f"{runs_text(idx)}: {', '.join(symptoms) or 'a finding'} that no cause explains; "
                     "the evidence below has the numbers.")
    if by_state.get(HEALTHY):
        idx = by_state[HEALTHY]
        if len(idx) == len(statuses):
            lines.append((f"All {len(idx)} runs look healthy" if len(idx) > 1 else f"Run {idx[0]} looks healthy")
                         + ": no symptom found.")
        else:
            lines.append(f"{runs_text(idx)} {'look' if len(idx) > 1 else 'looks'} healthy: no symptom found.")
    if by_state.get(NO_DATA):
        lines.append(f"{runs_text(by_state[NO_DATA])}: nothing printed per epoch to judge.")
    if not report.log.runs and not report.log.predictions:
        lines.append("No training log was recognised in this text.")
    return lines


def run_names(runs: list[Run]) -> dict[int, str]:
    """Runs named by what differs between them (``lr=0.01``, as `Report.names`), else ``run i``.

    Example:
        >>> from logsense import Run
        >>> a, b = Run(index=0, context={"lr": 0.01}), Run(index=1, context={"lr": 0.001})
        >>> run_names([a, b])
        {0: 'run 0 (lr=0.01)', 1: 'run 1 (lr=0.001)'}
    """
    from .log import Log
    from .verdict import run_names as names_of

    out = {}
    for r, name in zip(runs, names_of(Log(runs=list(runs)))):
        given = r.meta.get("name") if isinstance(r.meta.get("name"), str) else None
        name = name.removesuffix(f" (run {r.index})")  # a name two runs share: the index says which
        label = given or ("" if name == f"run {r.index}" else name)
        out[r.index] = f"run {r.index}" + (f" ({label})" if label else "")
    return out


def runs_frame(report: Report) -> pd.DataFrame:
    """The runs table of a big log: name, format, epochs, status, top finding (one row per run)."""
    import pandas as pd

    own = getattr(report, "names", None)  # Report.names: the report's own names, one per run
    names = (dict(zip((r.index for r in report.log.runs), own)) if isinstance(own, list)
             and len(own) == len(report.log.runs) else run_names(report.log.runs))
    statuses = {r.index: run_status(report, r.index) for r in report.log.runs} if callable(
        getattr(report, "status", None)) else run_statuses(report)
    rows = []
    for r in report.log.runs:
        found = sorted(report.run_findings.get(r.index, []), key=lambda f: -f.confidence)
        top = found[0] if found else None
        rows.append({"run": r.index, "name": names[r.index], "format": r.meta.get("format") or "",
                     "epochs": len(r.epoch_records), "status": statuses.get(r.index, NO_DATA),
                     "top finding": "" if top is None else f"{top.symptom} in {top.metric or top.source}"
                     + (f" (epochs {span_text(top.start_epoch, top.end_epoch)})" if top.start_epoch is not None else "")})
    return pd.DataFrame(rows, columns=["run", "name", "format", "epochs", "status", "top finding"])


def cell(v: Any) -> str:
    """A table cell for people: ``NaN`` and ``inf`` spelled out, huge numbers without an overflow.

    Example:
        >>> cell(float("nan")), cell(float("-inf")), cell(2.0 ** 60), cell(None), cell(3)
        ('NaN', '-inf', '1.15292e+18', '', '3')
    """
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v is None:
        return ""
    try:
        import numpy as np

        if isinstance(v, np.floating):
            return cell(float(v))
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return fmt(v)


def table_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A numeric frame as text cells (`cell`), for a page table that must show NaN as ``NaN``
    and a loss above 2^53 without a red error."""
    return df.apply(lambda col: col.map(cell)) if len(df) else df.astype(str)


def answer_markdown(report: Report, title: str, link: str | None = None) -> str:
    """The diagnosis as Markdown to paste back into a forum thread: verdict, numbers, fix, replay."""
    lines = [f"**logsense diagnosis of {title}**", ""]
    lines += [f"- {s}" for s in verdict(report)]
    groups = group_causes(problems(report))
    if groups:
        lines += ["", "| cause | runs | confidence | replay | why |", "|---|---|---|---|---|"]
        for g in groups:
            state, reason = replay_badge(g.lead)
            lines.append(f"| {g.cause} | {', '.join(map(str, g.runs)) or '-'} | {g.confidence:.0%} | {state} | "
                         f"{reason.replace('|', '/')} |")
    found = report.findings
    if found:
        lines += ["", "Findings:"]
        for f in found[:10]:
            lines.append(f"- {f.symptom} in {f.metric or f.source}"
                         + (f", epochs {span_text(f.start_epoch, f.end_epoch)}" if f.start_epoch is not None else "")
                         + (f": {stats_text(f.stats)}" if stats_text(f.stats) else ""))
        if len(found) > 10:
            lines.append(f"- … and {len(found) - 10} more")
    if link:
        lines += ["", f"[Open this diagnosis]({link})"]
    return "\n".join(lines)
