"""The logsense page: drop a Keras log (or the whole forum post), see what went wrong and the replay that proves it.

Thin on purpose: widgets and layout only. Parsing, detection, diagnosis and
the charts all come from the ``logsense`` package, so the page, the CLI and
notebooks can never disagree. Run it with ``streamlit run streamlit_app.py``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

import logsense
from logsense import plot
from logsense.context import OVERRIDES
from logsense.context.layers import describe_sizes
from logsense.display import findings_frame, fmt, replay_figures, replay_status
from logsense.display import markdown_literal as md
from logsense.samples import Sample, find_samples

#: Largest upload (Streamlit enforces it too: server.maxUploadSize in .streamlit/config.toml).
MAX_MB = 50
MAX_BYTES = MAX_MB * 2**20
#: Largest paste: below Streamlit's 25 MB cap on widget state, so people get this page's message, not its.
PASTE_MAX_MB = 20
PASTE_MAX_BYTES = PASTE_MAX_MB * 2**20
#: The page opens on this sample: two runs, one diverging, with a confirmed replay.
DEFAULT_SAMPLE = "seed-003"


@dataclass(frozen=True)
class Source:
    """What the page is showing: a name for people and the raw input."""

    name: str
    data: bytes | str


# ----------------------------------------------------------------- analysis

@st.cache_data(show_spinner=False, max_entries=32)
def parse_cached(data: bytes | str) -> logsense.Log:
    return logsense.parse(data)


@st.cache_data(show_spinner=False, max_entries=64)
def diagnose_cached(data: bytes | str, overrides: tuple[tuple[str, Any], ...]) -> logsense.Report:
    # parse_cached hands back a copy, so the overrides diagnose writes into the context stay here.
    return logsense.diagnose(parse_cached(data), **dict(overrides))


def analyse(source: Source, overrides: dict[str, Any]) -> logsense.Report | None:
    """Parse and diagnose with visible progress; any failure becomes a message, never a traceback."""
    bar = st.progress(0.0, text="Reading the log…")
    try:
        parse_cached(source.data)
        bar.progress(0.5, text="Detecting symptoms and replaying the likely causes…")
        return diagnose_cached(source.data, tuple(sorted(overrides.items())))
    except logsense.UnusableInput as exc:
        st.error(f"**{source.name}** cannot be read as a training log: {exc}")
    except Exception as exc:  # noqa: BLE001 - the page must explain, not crash
        st.error(f"logsense failed on **{source.name}** ({type(exc).__name__}: {exc}). "
                 "This is a bug in logsense; the input itself may be fine.")
    finally:
        bar.empty()
    return None


# -------------------------------------------------------------------- input

@st.cache_data(show_spinner=False)
def available_samples() -> list[Sample]:
    return find_samples()


def _show(source: Source) -> None:
    st.session_state["source"] = source
    st.session_state["overrides"] = {}
    st.session_state.pop("override_errors", None)
    st.session_state["log_id"] = st.session_state.get("log_id", 0) + 1
    st.session_state.pop("input_error", None)


def per_log(key: str) -> str:
    """A widget key that is new for every log shown, so its default (a log axis when the data
    span decades) follows the new data instead of the last log's setting."""
    return f"{key}@{st.session_state.get('log_id', 0)}"


def _take_sample() -> None:
    key = st.session_state.get("sample")
    sample = next((s for s in available_samples() if s.key == key), None)
    if sample is not None:
        _show(Source(sample.label, sample.read_bytes()))


def _take_upload() -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    if upload.size > MAX_BYTES:
        st.session_state["input_error"] = (f"{upload.name} is {upload.size / 2**20:.1f} MB; "
                                           f"the page reads logs up to {MAX_MB} MB.")
        return
    _show(Source(upload.name, upload.getvalue()))


def _take_paste() -> None:
    text = st.session_state.get("paste", "")
    size = len(text.encode("utf-8"))
    if size > PASTE_MAX_BYTES:
        st.session_state["input_error"] = (f"The pasted text is {size / 2**20:.1f} MB; pastes are limited to "
                                           f"{PASTE_MAX_MB} MB. Upload the file instead (up to {MAX_MB} MB).")
    elif not text.strip():
        st.session_state["input_error"] = "Paste some text first: a Keras log or the whole forum post."
    else:
        _show(Source("pasted text", text))


def sidebar(samples: list[Sample]) -> None:
    with st.sidebar:
        st.header("Your log")
        st.file_uploader("Upload a log file", key="upload", on_change=_take_upload, max_upload_size=MAX_MB,
                         help="Console output, a CSVLogger file or a history JSON; forum posts work too.")
        st.text_area("…or paste it", key="paste", height=160,
                     placeholder="Epoch 1/10\n10/10 [==============================] - 0s - loss: …")
        st.button("Diagnose pasted text", key="paste_go", on_click=_take_paste, type="primary")
        st.header("Samples")
        labels = {s.key: s.label for s in samples}
        st.selectbox("Load a sample", options=list(labels), format_func=labels.get, index=None, key="sample",
                     placeholder="Choose a forum post or Keras capture", on_change=_take_sample)
        st.caption(f"{sum(s.group == 'forum post' for s in samples)} forum posts, "
                   f"{sum(s.group == 'Keras capture' for s in samples)} real Keras captures.")


def initial_source(samples: list[Sample]) -> Source | None:
    default = next((s for s in samples if s.key == DEFAULT_SAMPLE), samples[0] if samples else None)
    return Source(default.label, default.read_bytes()) if default else None


# ------------------------------------------------------------------ display

def summary(report: logsense.Report) -> None:
    log = report.log
    top = report.top_cause
    cols = st.columns([1, 1, 1, 2])
    cols[0].metric("Runs", len(log.runs))
    cols[1].metric("Epochs", sum(len(r.epoch_records) for r in log.runs))
    cols[2].metric("Findings", len(report.findings))
    cols[3].metric("Top cause", top.cause if top else "none",
                   help="The most likely explanation; its card below has the evidence and the replay.")
    for warning in log.warnings:
        st.info(warning)
    if log.encoding and log.encoding.lower() not in ("utf-8", "ascii"):
        st.caption(f"Decoded as {log.encoding}.")


def cause_card(rank: int, cause: logsense.Cause, report: logsense.Report) -> None:
    runs = {r.index: r for r in report.log.runs}
    with st.container(border=True, key="top-cause" if rank == 0 else f"cause-{rank}"):
        status = f" · replay {replay_status(cause)}" if cause.replay is not None else ""
        st.markdown(f"#### {rank + 1}. `{cause.cause}`{status}")
        left, right = st.columns([2, 3]) if cause.replay is not None else (st.container(), None)
        with left:
            cols = st.columns(2)
            cols[0].metric("Confidence", f"{cause.confidence:.0%}")
            if cause.replay is not None:
                cols[1].metric("Replay max rel. error", f"{cause.replay.max_rel_error:.3g}",
                               help=f"Tolerance {cause.replay.tolerance:.3g}: confirmed only within it.")
            where = ", ".join(str(r) for r in cause.runs)
            st.caption(md((f"Runs {where}" if where else "Across the whole text")
                          + (" · explains " + ", ".join(cause.symptoms) if cause.symptoms else "")))
            if cause.evidence:
                st.markdown(f"**Evidence.** {md(cause.evidence)}")
            if cause.fix:
                st.markdown(f"**Fix.** {md(cause.fix)}")
            if cause.replay is not None:
                replay_table(cause.replay)
        if right is not None:
            with right:
                replay_panel(cause, runs.get(cause.runs[0]) if cause.runs else None, key=f"cause{rank}")


def replay_table(replay: logsense.Replay) -> None:
    """The replay's parameters and the scalar figures it produced, as a small table."""
    figures = replay_figures(replay)
    if figures:
        st.dataframe(pd.DataFrame({"replay figure": list(figures),
                                   "value": [fmt(v) for v in figures.values()]}),
                     hide_index=True, width="stretch", height=min(36 + 35 * len(figures), 250))


def replay_panel(cause: logsense.Cause, run: logsense.Run | None, *, key: str) -> None:
    replay = cause.replay
    assert replay is not None
    log_scale = st.toggle("Log scale", key=per_log(f"{key}-log"), value=_spans_decades(replay.observed))
    chart = plot.replay_chart(cause, epochs=run.epoch_numbers() if run is not None else None, log_scale=log_scale)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
        image_downloads(chart, f"replay_{cause.cause}", key=key)
    if replay.note:
        st.caption(md(replay.note))


def _spans_decades(values: list[Any]) -> bool:
    """Default to a log axis when the series covers more than two decades (divergence)."""
    xs = [float(v) for v in values if isinstance(v, (int, float)) and float(v) > 0]
    return bool(xs) and max(xs) / min(xs) > 100


def override_form(report: logsense.Report) -> None:
    """Change what the replays assume (learning rate, batch size, L2 ...) and re-run at once."""
    current: dict[str, Any] = st.session_state.get("overrides", {})
    context = report.log.context
    with st.form("overrides_form", border=True):
        st.markdown("**Re-run the diagnosis with another set-up.** Empty fields keep what the text says.")
        cols = st.columns(len(OVERRIDES))
        for col, spec in zip(cols, OVERRIDES):
            label, key, typ = spec.label, spec.key, spec.kind
            said = describe_sizes(context.get(key)) if key == "layers" else context.get(key)
            placeholder = f"text: {said}" if said is not None else "not in the text"
            if typ not in (int, float):
                col.text_input(label, value=current.get(key) or "", key=f"ov-{key}", placeholder=placeholder,
                               help="widths of a Dense stack, input first: 64,512,1" if key == "layers" else None)
            elif typ is int:
                col.number_input(label, value=current.get(key), min_value=1, step=1, key=f"ov-{key}",
                                 placeholder=placeholder)
            else:
                col.number_input(label, value=current.get(key), min_value=0.0, step=None, format="%g",
                                 key=f"ov-{key}", placeholder=placeholder)
        left, right = st.columns([1, 5])
        left.form_submit_button("Re-run", type="primary", on_click=_apply_overrides)
        right.form_submit_button("Back to the text's set-up", on_click=_clear_overrides)
    for problem in st.session_state.get("override_errors", []):
        st.warning(md(problem))
    if current:
        st.caption("Diagnosed with: " + md(", ".join(f"{k}={v}" for k, v in current.items())))


def _apply_overrides() -> None:
    """Read the form; a field that does not check out is left out and named, the rest apply."""
    values, problems = {}, []
    for spec in OVERRIDES:
        v = st.session_state.get(f"ov-{spec.key}")
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        try:
            values[spec.key] = spec.check(v.strip() if isinstance(v, str) else v)
        except ValueError as exc:  # the check's own message names the field and what it accepts
            problems.append(f"{spec.label} ignored: {exc}")
    st.session_state["overrides"] = values
    st.session_state["override_errors"] = problems


def _clear_overrides() -> None:
    st.session_state["overrides"] = {}
    st.session_state["override_errors"] = []
    for spec in OVERRIDES:
        st.session_state.pop(f"ov-{spec.key}", None)


def run_panel(run: logsense.Run, findings: list[logsense.Finding]) -> None:
    meta = run.meta
    facts = [f"format **{meta.get('format') or '?'}**", f"locale **{meta.get('locale') or '?'}**"]
    if meta.get("verbose") is not None:
        facts.append(f"verbose {meta['verbose']}")
    if meta.get("declared_epochs"):
        facts.append(f"{meta['declared_epochs']} epochs declared")
    facts.append(f"{len(run.epoch_records)} epochs, {len(run.step_records)} progress updates, "
                 f"{len(run.events)} callback events")
    st.markdown(" · ".join(facts))
    if findings:
        st.dataframe(findings_frame(findings), hide_index=True, width="stretch")
    else:
        st.success("No symptoms in this run.")

    groups = list(plot.metric_groups(run.metrics))
    if groups:
        log_scale = st.toggle("Log scale", key=per_log(f"log-{run.index}"),
                              value=_spans_decades(run.series(groups[0]).tolist()))
        cols = st.columns(2)
        for i, group in enumerate(groups):
            chart = plot.metric_chart(run, group, findings, log_scale=log_scale)
            with cols[i % 2]:
                st.altair_chart(chart, width="stretch")
                image_downloads(chart, f"run{run.index}_{group}", key=f"run{run.index}-{group}")
        steps = plot.steps_chart(run, log_scale=log_scale)
        if steps is not None:
            st.altair_chart(steps, width="stretch")
            image_downloads(steps, f"run{run.index}_steps", key=f"run{run.index}-steps")
    if run.events:
        st.markdown("**Callback events**")
        st.dataframe(pd.DataFrame([e.to_dict() for e in run.events]), hide_index=True, width="stretch")
    with st.expander("Epoch table", expanded=len(run.epoch_records) <= 12):
        st.dataframe(run.epochs, hide_index=True, width="stretch",
                     column_config={m: st.column_config.NumberColumn(format="%.6g") for m in run.metrics})
    cols = st.columns(2)
    cols[0].download_button("Epochs as CSV", run.epochs.to_csv(index=False), f"run{run.index}_epochs.csv",
                            "text/csv", key=f"csv-epochs-{run.index}")
    cols[1].download_button("Steps as CSV", run.steps.to_csv(index=False), f"run{run.index}_steps.csv",
                            "text/csv", key=f"csv-steps-{run.index}", disabled=run.steps.empty)


def image_downloads(chart: Any, stem: str, *, key: str) -> None:
    """PNG and SVG downloads, rendered only when clicked (vl-convert takes a moment per chart)."""
    cols = st.columns([1, 1, 4])
    cols[0].download_button("PNG", lambda: plot.to_image(chart, "png"), f"{stem}.png", "image/png",
                            key=f"png-{key}", type="tertiary", icon=":material/download:")
    cols[1].download_button("SVG", lambda: plot.to_image(chart, "svg"), f"{stem}.svg", "image/svg+xml",
                            key=f"svg-{key}", type="tertiary", icon=":material/download:")


def compare_runs(report: logsense.Report) -> None:
    runs = report.log.runs
    metrics = list(dict.fromkeys(m for r in runs for m in r.metrics))
    shared = [m for m in metrics if sum(m in r.metrics for r in runs) > 1] or metrics
    if not shared:
        st.info("These runs printed no per-epoch metrics to compare.")
        return
    cols = st.columns([2, 1])
    metric = cols[0].selectbox("Metric", shared, key=per_log("compare-metric"))
    log_scale = cols[1].toggle("Log scale", key=per_log("compare-log"),
                               value=any(_spans_decades(r.series(metric).tolist()) for r in runs if metric in r.metrics))
    chart = plot.compare_chart(runs, metric, log_scale=log_scale)
    st.altair_chart(chart, width="stretch")
    image_downloads(chart, f"compare_{metric}", key="compare")
    side = st.columns(min(len(runs), 4))
    for i, run in enumerate(runs):
        found = report.run_findings.get(run.index, [])
        with side[i % len(side)].container(border=True):
            st.markdown(f"**Run {run.index}** · {len(run.epoch_records)} epochs")
            for m in run.metrics[:4]:
                s = run.series(m)
                if s.size:
                    st.caption(md(f"{m}: {fmt(float(s[0]))} → {fmt(float(s[-1]))}"))
            st.markdown(", ".join(sorted({f.symptom for f in found})) or "no symptoms")


def downloads(report: logsense.Report, source: Source) -> None:
    stem = "".join(c if c.isalnum() else "_" for c in source.name.split(":")[0])[:40] or "log"
    cols = st.columns(2)
    cols[0].download_button("Report as JSON", json.dumps(report.to_dict(), ensure_ascii=False, indent=1),
                            f"{stem}_report.json", "application/json", key="json-report")
    cols[1].download_button("Parsed log as JSON", json.dumps(report.log.to_dict(), ensure_ascii=False, indent=1),
                            f"{stem}_parsed.json", "application/json", key="json-log")


def page() -> None:
    st.set_page_config(page_title="logsense", page_icon=":material/monitoring:", layout="wide")
    samples = available_samples()
    if "source" not in st.session_state:
        first = initial_source(samples)
        if first is not None:
            st.session_state["source"] = first
            st.session_state["overrides"] = {}
    sidebar(samples)

    st.title("logsense")
    st.caption("What went wrong in a Keras training run, why, and a replay that proves it.")
    if "input_error" in st.session_state:
        st.error(st.session_state["input_error"])
    source: Source | None = st.session_state.get("source")
    if source is None:
        st.info("Upload or paste a Keras log in the sidebar to begin.")
        return
    st.markdown(f"Showing **{md(source.name)}**")
    report = analyse(source, st.session_state.get("overrides", {}))
    if report is None:
        return
    try:
        show_report(report, source)
    except Exception as exc:  # noqa: BLE001 - a display bug must not hide what was already shown
        st.error(f"logsense could not display all of this diagnosis ({type(exc).__name__}: {exc}). "
                 "This is a bug in logsense; the JSON downloads below may still have the full report.")
        try:
            downloads(report, source)
        except Exception:  # noqa: BLE001 - the report itself cannot be serialised: the message above stands
            pass


def show_report(report: logsense.Report, source: Source) -> None:
    summary(report)
    log = report.log
    if not log.runs and not log.predictions:
        st.warning("No Keras training output was recognised in this text. logsense reads `model.fit` console "
                   "output (any Keras version, verbose 1 or 2), CSVLogger files and history JSON.")

    st.header("Causes")
    if report.causes:
        for rank, cause in enumerate(report.causes):
            cause_card(rank, cause, report)
    else:
        st.info("No cause to report: no symptom was found that logsense can explain.")
    if log.runs:
        override_form(report)

    if report.log_findings or log.predictions:
        st.header("Across runs and pasted predictions")
        if report.log_findings:
            st.dataframe(findings_frame(report.log_findings), hide_index=True, width="stretch")
        for p in log.predictions:
            st.caption(f"Pasted array at line {p.line}: shape {'x'.join(map(str, p.shape))}"
                       + (", rows elided" if p.elided else ""))
            chart = plot.predictions_chart(p)
            if chart is not None:
                st.altair_chart(chart, width="stretch")

    if log.runs:
        st.header("Runs")
        tabs = st.tabs([f"Run {r.index}" for r in log.runs])
        for tab, run in zip(tabs, log.runs):
            with tab:
                run_panel(run, report.run_findings.get(run.index, []))
    if len(log.runs) > 1:
        st.header("Runs side by side")
        compare_runs(report)

    if log.unparsed:
        with st.expander(f"{len(log.unparsed)} log-like line(s) were not understood"):
            st.dataframe(pd.DataFrame(log.unparsed[:500], columns=["line", "text"]), hide_index=True, width="stretch")

    st.header("Downloads")
    downloads(report, source)


page()
