"""The logsense page: drop a Keras log (or the whole forum post), read the verdict, then the evidence.

Thin on purpose: widgets and layout only. Parsing, detection and diagnosis run
in worker processes (`logsense.serve`), so one heavy paste never slows another
session; the verdict, run statuses and formats come from `logsense.display`
and the charts from `logsense.plot`, so the page, the CLI and notebooks never
disagree. Run it with ``streamlit run streamlit_app.py`` (localhost only, see
.streamlit/config.toml).
"""
from __future__ import annotations

import concurrent.futures
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

import logsense
from logsense import plot
from logsense.context import OVERRIDES
from logsense.context.layers import describe_sizes
from logsense.display import (
    MAX_CARDS,
    RUN_STATES,
    answer_markdown,
    fmt,
    group_causes,
    problems,
    replay_badge,
    replay_figures,
    run_names,
    runs_frame,
    table_frame,
    verdict,
)
from logsense.display import findings_frame as _findings_frame
from logsense.display import markdown_literal as md
from logsense.samples import Sample, find_samples
from logsense.serve import SMALL_BYTES, Analyzer, Busy, Outcome, OverBudget, content_key
from logsense.tryfix import try_fix, tryable

#: Largest upload the page diagnoses (.streamlit/config.toml lets bigger files arrive, so the page can
#: say how big they are instead of Streamlit's bare error mark on the file).
MAX_MB = 50
MAX_BYTES = MAX_MB * 2**20
#: Largest paste: below Streamlit's 25 MB cap on widget state, so people get this page's message, not its.
PASTE_MAX_MB = 20
PASTE_MAX_BYTES = PASTE_MAX_MB * 2**20
#: The page opens on this sample: two runs, one diverging, with a confirmed replay.
DEFAULT_SAMPLE = "seed-003"
#: More runs than this: a runs table with a detail view instead of a tab per run.
MANY_RUNS = 6
#: Runs drawn on the side-by-side chart at most.
COMPARE_RUNS = 10
#: Seconds the page waits for a small input's diagnosis before showing progress instead.
WAIT_SMALL = 5.0
#: Texts kept on the server for share links (a reload or a link reopens the same diagnosis).
SHARED_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Source:
    """What the page is showing: a name for people, the raw input, and how a link names it."""

    name: str
    data: bytes | str
    kind: str = "log"  # sample | log
    key: str = ""


# ----------------------------------------------------------------- analysis

@st.cache_resource(show_spinner=False)
def analyzer(workers: int) -> Analyzer:
    """One diagnosis service per server process, shared by every session."""
    return Analyzer(workers=workers)


def page_workers() -> int:
    """Worker processes per lane; ``LOGSENSE_PAGE_WORKERS=0`` runs inline (the AppTest tests)."""
    try:
        return max(0, int(os.environ.get("LOGSENSE_PAGE_WORKERS", "1")))
    except ValueError:
        return 1


class SharedInputs:
    """Pasted and uploaded texts by content hash, so a share link or a reload finds them again."""

    def __init__(self, limit: int = SHARED_BYTES) -> None:
        self.limit = limit
        self.items: OrderedDict[str, tuple[str, bytes | str]] = OrderedDict()
        self.lock = threading.Lock()

    def put(self, name: str, data: bytes | str) -> str:
        key = content_key(data)[:16]
        with self.lock:
            self.items[key] = (name, data)
            self.items.move_to_end(key)
            while len(self.items) > 1 and sum(len(d) for _, d in self.items.values()) > self.limit:
                self.items.popitem(last=False)
        return key

    def get(self, key: str) -> tuple[str, bytes | str] | None:
        with self.lock:
            return self.items.get(key)


@st.cache_resource(show_spinner=False)
def shared_inputs() -> SharedInputs:
    return SharedInputs()


def diagnosis(source: Any, overrides: dict[str, Any]) -> logsense.Report | None:
    """The report for ``source``: at once for a small input, else progress with Cancel (`watch`)."""
    service = analyzer(page_workers())
    name = getattr(source, "name", "the input")
    try:
        job = service.submit(source.data, tuple(sorted(overrides.items())))
    except (OverBudget, Busy) as exc:
        st.error(f"**{name}** was not diagnosed: {exc}.")
        return None
    st.session_state["job"] = job
    try:
        outcome = service.result(job, timeout=WAIT_SMALL if job.size <= SMALL_BYTES else 0.05)
    except concurrent.futures.TimeoutError:
        watch(name)
        return None
    st.session_state.pop("job", None)
    return outcome_report(outcome, name)


def outcome_report(outcome: Outcome, name: str) -> logsense.Report | None:
    if outcome.kind == "ok":
        return outcome.report
    if outcome.kind == "unusable":
        st.error(f"**{name}** cannot be read as a training log: {outcome.error}")
    elif outcome.kind == "cancelled":
        st.info(f"Stopped: **{md(name)}** was not diagnosed.")
    else:
        st.error(f"logsense failed on **{name}** ({outcome.error}). "
                 "This is a bug in logsense; the input itself may be fine.")
    return None


@st.fragment(run_every=0.5)
def watch(name: str) -> None:
    """Bytes read and training runs found so far, with Cancel; the whole page redraws when done."""
    job = st.session_state.get("job")
    if job is None or job.done():
        st.rerun(scope="app")
    p = analyzer(page_workers()).progress(job)
    if p.phase == "diagnosing":
        text = (f"Diagnosing **{md(name)}**: {p.diagnosed:,} of {p.runs:,} runs "
                f"({p.total / 2**20:.1f} MB)…")
    elif p.total:
        text = (f"Reading **{md(name)}**: {p.read / 2**20:.1f} of {p.total / 2**20:.1f} MB read, "
                f"{p.runs:,} training runs found so far…")
    else:
        text = f"**{md(name)}** is waiting for a free worker…"
    with st.container(key="progress"):
        st.progress(p.fraction, text=text)
        st.button("Cancel", key="cancel", on_click=_cancel)


def _cancel() -> None:
    job = st.session_state.pop("job", None)
    if job is not None:
        analyzer(page_workers()).cancel(job)
    source = st.session_state.pop("source", None)
    name = getattr(source, "name", "the input")
    st.session_state["notice"] = f"Cancelled: {name} was not diagnosed. Choose another log in the sidebar."
    st.query_params.clear()


# -------------------------------------------------------------------- input

@st.cache_data(show_spinner=False)
def available_samples() -> list[Sample]:
    return find_samples()


def _show(source: Source) -> None:
    """A new input replaces the old one at once: its job is cancelled, its results go."""
    old = st.session_state.pop("job", None)
    if old is not None and not old.done():
        analyzer(page_workers()).cancel(old)
    st.session_state["source"] = source
    st.session_state["overrides"] = {}
    st.session_state.pop("override_errors", None)
    st.session_state["log_id"] = st.session_state.get("log_id", 0) + 1
    st.session_state.pop("input_error", None)
    st.session_state.pop("notice", None)
    for spec in OVERRIDES:
        st.session_state.pop(f"ov-{spec.key}", None)


def per_log(key: str) -> str:
    """A widget key that is new for every log shown, so its default follows the new data."""
    return f"{key}@{st.session_state.get('log_id', 0)}"


def _take_sample() -> None:
    key = st.session_state.get("sample")
    sample = next((s for s in available_samples() if s.key == key), None)
    if sample is not None:
        _show(Source(sample.label, sample.read_bytes(), "sample", sample.key))


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 / 10 else f"{n:,} bytes"


def _take_upload() -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    if upload.size > MAX_BYTES:
        st.session_state["input_error"] = (f"{upload.name} is {_size(upload.size)}; the page reads logs up to "
                                           f"{MAX_MB} MB. Run `logsense diagnose {upload.name}` for bigger files.")
        return
    if upload.size == 0:
        st.session_state["input_error"] = f"{upload.name} is empty (0 bytes): there is nothing to diagnose."
        return
    data = upload.getvalue()
    _show(Source(upload.name, data, "log", shared_inputs().put(upload.name, data)))


def _take_paste() -> None:
    text = st.session_state.get("paste", "")
    size = len(text.encode("utf-8"))
    if size > PASTE_MAX_BYTES:
        st.session_state["input_error"] = (f"The pasted text is {_size(size)}; pastes are limited to "
                                           f"{PASTE_MAX_MB} MB. Upload the file instead (up to {MAX_MB} MB).")
    elif not text.strip():
        st.session_state["input_error"] = "Paste some text first: a Keras log or the whole forum post."
    else:
        _show(Source("pasted text", text, "log", shared_inputs().put("pasted text", text)))


def sidebar(samples: list[Sample]) -> None:
    with st.sidebar:
        st.header("Your log")
        st.file_uploader("Upload a log file", key="upload", on_change=_take_upload,
                         help=f"Console output, a CSVLogger file or a history JSON, up to {MAX_MB} MB; "
                              "forum posts work too.")
        st.text_area("…or paste it", key="paste", height=160,
                     placeholder="Epoch 1/10\n10/10 [==============================] - 0s - loss: …")
        st.button("Diagnose pasted text", key="paste_go", on_click=_take_paste, type="primary")
        st.header("Samples")
        labels = {s.key: s.label for s in samples}
        st.selectbox("Load a sample", options=list(labels), format_func=labels.get, index=None, key="sample",
                     placeholder="Choose a forum post or a real capture", on_change=_take_sample)
        st.caption(f"{sum(s.group == 'forum post' for s in samples)} forum posts, "
                   f"{sum(s.group == 'Keras capture' for s in samples)} real Keras captures, "
                   f"{sum(s.group == 'other framework' for s in samples)} of other frameworks (PyTorch Lightning, "
                   f"HF Trainer, fastai, YOLO, a plain loop).")


def source_from_url(samples: list[Sample]) -> Source | None:
    """The input a link names: ``?sample=seed-003`` or ``?log=<hash>`` (a paste or upload kept here)."""
    params = st.query_params
    if "sample" in params:
        sample = next((s for s in samples if s.key == params["sample"]), None)
        if sample is not None:
            return Source(sample.label, sample.read_bytes(), "sample", sample.key)
        st.session_state["input_error"] = f"This link names the sample {params['sample']}, which this page lacks."
    elif "log" in params:
        kept = shared_inputs().get(params["log"])
        if kept is not None:
            name, data = kept
            if isinstance(data, str):
                st.session_state["paste"] = data  # a reload keeps the pasted text in its box
            return Source(name, data, "log", params["log"])
        st.session_state["input_error"] = ("This link's log is no longer kept on this server (it restarted or "
                                           "needed the room): paste or upload it again.")
    return None


def overrides_from_url() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in OVERRIDES:
        if spec.key in st.query_params:
            try:
                out[spec.key] = spec.check(st.query_params[spec.key])
            except (TypeError, ValueError):
                continue
    return out


def sync_url(source: Any, overrides: dict[str, Any]) -> None:
    """Keep the address naming what is shown, so it can be shared and reloaded. (Duck-typed: a
    `Source` kept from an earlier run of this script is an instance of that run's class.)"""
    want: dict[str, str] = {}
    if source is not None and getattr(source, "key", ""):
        want[getattr(source, "kind", "log")] = source.key
        want.update({k: str(v) for k, v in overrides.items()})
    if dict(st.query_params) != want:
        st.query_params.clear()
        st.query_params.update(want)


def initial_source(samples: list[Sample]) -> Source | None:
    default = next((s for s in samples if s.key == DEFAULT_SAMPLE), samples[0] if samples else None)
    return Source(default.label, default.read_bytes(), "sample", default.key) if default else None


def share_link(source: Any, overrides: dict[str, Any]) -> str | None:
    if not getattr(source, "key", ""):
        return None
    base = str(st.context.url or "").split("?")[0]
    query = "&".join([f"{source.kind}={source.key}"] + [f"{k}={v}" for k, v in overrides.items()])
    return f"{base}?{query}" if base else f"?{query}"


# ------------------------------------------------------------------ verdict

def verdict_panel(report: logsense.Report) -> None:
    """One plain sentence per problem, with its number and fix, before anything else."""
    with st.container(border=True, key="verdict"):
        st.markdown("### Verdict")
        for sentence in verdict(report):
            st.markdown(md(sentence))


def summary(report: logsense.Report) -> None:
    log = report.log
    found = problems(report)
    cols = st.columns([1, 1, 1, 3])  # the cause's name gets the room: it must read whole at 800 px
    cols[0].metric("Runs", f"{len(log.runs):,}")
    cols[1].metric("Epochs", f"{sum(len(r.epoch_records) for r in log.runs):,}")
    cols[2].metric("Findings", f"{len(report.findings):,}")
    cols[3].metric("Top cause", found[0].cause if found else "none",
                   help="The most likely explanation of a problem; a healthy run is a status, not a cause.")
    if log.warnings:
        with st.expander(f"{len(log.warnings)} note(s) on how the text was read"):
            for warning in log.warnings:
                st.caption(md(warning))
    if log.encoding and log.encoding.lower() not in ("utf-8", "ascii"):
        st.caption(f"Decoded as {log.encoding}.")


def badge(cause: logsense.Cause) -> None:
    state, reason = replay_badge(cause)
    color = {"confirmed": "green", "consistent": "blue", "contradicted": "red"}.get(state, "gray")
    st.badge(f"replay {state}", color=color)
    st.caption(md(f"Replay {state}: {reason}."))


def cause_card(rank: int, group: Any, report: logsense.Report, names: dict[int, str]) -> None:
    cause = group.lead
    runs = {r.index: r for r in report.log.runs}
    with st.container(border=True, key="top-cause" if rank == 0 else f"cause-{rank}"):
        st.markdown(f"#### {rank + 1}. `{cause.cause}` · replay {replay_badge(cause)[0]}")
        badge(cause)
        where = group.runs
        listed = ", ".join(names.get(r, f"run {r}") for r in where[:8]) + (
            f" and {len(where) - 8} more" if len(where) > 8 else "")
        st.caption(md((f"{'Runs' if len(where) > 1 else 'Run'}: {listed}" if where else "Across the whole text")
                      + (" · explains " + ", ".join(cause.symptoms) if cause.symptoms else "")
                      + f" · confidence {cause.confidence:.0%}"))
        if cause.evidence:
            st.markdown(f"**Evidence.** {md(cause.evidence)}")
        if cause.fix:
            st.markdown(f"**Fix.** {md(cause.fix)}")
        if cause.replay is not None:
            replay_table(cause)
            replay_panel(cause, runs.get(cause.runs[0]) if cause.runs else None, key=f"cause{rank}")
        try_fix_panel(cause, report, key=f"fix{rank}")


def replay_table(cause: logsense.Cause) -> None:
    figures = replay_figures(cause.replay)
    if figures:
        frame = kept(cause, "replay-table", lambda: pd.DataFrame(
            {"replay figure": list(figures), "value": [fmt(v) for v in figures.values()]}))
        st.dataframe(frame, hide_index=True, width="stretch", height=min(36 + 35 * len(figures), 250))


def replay_panel(cause: logsense.Cause, run: logsense.Run | None, *, key: str) -> None:
    replay = cause.replay
    assert replay is not None
    epochs = run.epoch_numbers() if run is not None else None
    bars = plot.replay_is_bars(replay, epochs)
    log_scale = False if bars else st.toggle("Log scale", key=per_log(f"{key}-log"),
                                             value=plot.spans_decades(replay.observed))
    show_chart(cause, ("replay", log_scale), lambda: plot.replay_chart(cause, epochs=epochs, log_scale=log_scale),
               stem=f"replay_{cause.cause}", download_key=key)
    if replay.note:
        st.caption(md(replay.note))


def try_fix_panel(cause: logsense.Cause, report: logsense.Report, *, key: str) -> None:
    """Replay the proposed fix where the cause has a simulator for it."""
    proposal = tryable(cause, report.log)
    if not proposal:
        return
    with st.expander("Try a fix: replay the proposed learning rate", expanded=True):
        st.caption("Not the log's set-up: what the same mechanism does with the value you try.")
        lr = st.number_input("Learning rate to try", value=proposal["lr"], min_value=0.0, step=None, format="%g",
                             key=per_log(f"{key}-lr"))
        trial = try_fix(cause, report.log, float(lr)) if lr else None
        if trial is None:
            st.info("Enter a learning rate above 0 to replay it.")
            return
        (st.error if trial.diverges else st.success)(md(trial.summary))
        show_chart(cause, ("fix", float(lr)), lambda: plot.fix_chart(cause, trial))


def show_chart(owner: Any, key: tuple, build: Any, *, stem: str | None = None, download_key: str = "") -> bool:
    """Draw a chart whose Vega-Lite spec is built once per diagnosis and kept on ``owner`` (a run, a
    cause, a prediction of the shared report): Altair's validation costs seconds per chart on a
    busy server, and twenty sessions opening the same seed need it done once, not twenty times."""
    spec = chart_spec(owner, key, build)
    if spec is None:
        return False
    st.vega_lite_chart(spec=page_spec(owner, key, spec), width="stretch")
    if stem:
        image_downloads(spec, stem, key=download_key or stem)
    return True


def kept(owner: Any, key: Any, build: Any) -> Any:
    """``build()`` once per diagnosis, kept on ``owner`` (a run, a cause, the log of the shared report):
    every session opening the same log reuses the tables and charts instead of re-deriving them per page run."""
    cache = owner.__dict__.setdefault("_page_kept", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def chart_spec(owner: Any, key: tuple, build: Any) -> dict | None:
    """The chart's Vega-Lite spec (None: nothing to draw), built on the first page run that needs it."""
    def spec() -> dict | None:
        chart = build()
        return None if chart is None else chart.to_dict()
    return kept(owner, ("spec", key), spec)


def page_spec(owner: Any, key: tuple, spec: dict) -> dict:
    """The spec with its datasets already as Arrow bytes, kept beside it: Streamlit converts inline
    datasets to Arrow on every page run, a third of a cache-hit seed page's CPU in the server."""
    return kept(owner, ("arrow", key), lambda: _with_arrow(spec))


def _with_arrow(spec: dict) -> dict:
    out = dict(spec)
    if isinstance(spec.get("datasets"), dict):
        try:
            from streamlit.dataframe_util import convert_anything_to_arrow_bytes
            out["datasets"] = {name: convert_anything_to_arrow_bytes(values)
                               for name, values in spec["datasets"].items()}
        except Exception:  # noqa: BLE001 - Streamlit's own (slower) conversion still draws it
            out = dict(spec)
    return out


def image_downloads(chart: Any, stem: str, *, key: str) -> None:
    """PNG and SVG downloads side by side at any width, rendered only when clicked."""
    with st.container(horizontal=True):
        st.download_button("PNG", lambda: plot.to_image(chart, "png"), f"{stem}.png", "image/png",
                           key=f"png-{key}", type="tertiary", icon=":material/download:")
        st.download_button("SVG", lambda: plot.to_image(chart, "svg"), f"{stem}.svg", "image/svg+xml",
                           key=f"svg-{key}", type="tertiary", icon=":material/download:")


def causes_section(report: logsense.Report) -> None:
    groups = group_causes(problems(report))
    st.header("Causes")
    if not groups:
        st.info("No cause to report: no problem was found that logsense can explain.")
        return
    names = run_names(report.log.runs) if len(report.log.runs) <= 200 else {}
    for rank, group in enumerate(groups[: MAX_CARDS]):
        cause_card(rank, group, report, names)
    rest = groups[MAX_CARDS:]
    if rest:
        st.markdown(f"**{len(rest)} more cause(s)**, less likely")
        rows = pd.DataFrame([{"cause": g.cause, "runs": ", ".join(map(str, g.runs[:20]))
                              + (" …" if len(g.runs) > 20 else ""), "n runs": len(g.runs),
                              "confidence": f"{g.confidence:.0%}", "replay": replay_badge(g.lead)[0],
                              "why": replay_badge(g.lead)[1], "fix": g.lead.fix} for g in rest])
        wanted = st.text_input("Filter causes", key=per_log("cause-filter"), placeholder="cause, run or word")
        if wanted:
            rows = rows[rows.apply(lambda r: wanted.lower() in " ".join(map(str, r.values)).lower(), axis=1)]
        st.dataframe(rows, hide_index=True, width="stretch", key=per_log("more-causes"))


# ---------------------------------------------------------------- set-up form

def override_form(report: logsense.Report) -> None:
    """Say what the log ran with (learning rate, batch size, L2 ...) and re-run the diagnosis."""
    current: dict[str, Any] = st.session_state.get("overrides", {})
    context = report.log.context
    with st.form("overrides_form", border=True):
        st.markdown("**The set-up the log ran with.** Fill in what the text does not say (or says wrongly): "
                    "the diagnosis is re-run as if the log had been printed with this set-up. "
                    "Empty fields keep what the text says. To see what a change would do, use *Try a fix*.")
        cols = st.columns(len(OVERRIDES))
        for col, spec in zip(cols, OVERRIDES):
            label, key, typ = spec.label, spec.key, spec.kind
            said = describe_sizes(context.get(key)) if key == "layers" else context.get(key)
            placeholder = f"text: {said}" if said is not None else "not in the text"
            if typ not in (int, float):
                col.text_input(label, value=current.get(key) or "", key=f"ov-{key}", placeholder=placeholder,
                               help="widths of a Dense stack, input first: 64,512,1" if key == "layers" else None)
            elif typ is int:  # no min_value: a 0 gets a message from the check, not a silently dead button
                col.number_input(label, value=current.get(key), step=1, key=f"ov-{key}", placeholder=placeholder)
            else:
                col.number_input(label, value=current.get(key), step=None, format="%g", key=f"ov-{key}",
                                 placeholder=placeholder)
        with st.container(horizontal=True):
            st.form_submit_button("Re-run", type="primary", on_click=_apply_overrides)
            st.form_submit_button("Back to the text's set-up", on_click=_clear_overrides)
    for problem in st.session_state.get("override_errors", []):
        st.warning(md(problem))
    if current:
        st.caption("Diagnosed with: " + md(", ".join(f"{k}={v}" for k, v in current.items())))


def _apply_overrides() -> None:
    """Read the form; a field that does not check out is left out and named, the rest apply."""
    values, problems_ = {}, []
    for spec in OVERRIDES:
        v = st.session_state.get(f"ov-{spec.key}")
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        try:
            values[spec.key] = spec.check(v.strip() if isinstance(v, str) else v)
        except ValueError as exc:  # the check's own message names the field and what it accepts
            problems_.append(f"{spec.label} ignored: {exc}")
    st.session_state["overrides"] = values
    st.session_state["override_errors"] = problems_


def _clear_overrides() -> None:
    st.session_state["overrides"] = {}
    st.session_state["override_errors"] = []
    for spec in OVERRIDES:
        st.session_state.pop(f"ov-{spec.key}", None)


# ---------------------------------------------------------------------- runs

def findings_table(findings: list[logsense.Finding], owner: Any) -> None:
    """Findings as a wrapping table (the message column is read whole at any width)."""
    frame = kept(owner, "findings-table", lambda: _findings_frame(findings))
    if len(frame) <= 40:
        st.table(kept(owner, "findings-by-run", lambda: frame.set_index("run")))
    else:
        st.dataframe(frame, hide_index=True, width="stretch")


def run_panel(run: logsense.Run, findings: list[logsense.Finding], status: str, name: str) -> None:
    meta = run.meta
    facts = [f"**{md(name)}**", f"status **{status}**", f"format **{meta.get('format') or '?'}**",
             f"locale **{meta.get('locale') or '?'}**"]
    if meta.get("verbose") is not None:
        facts.append(f"verbose {meta['verbose']}")
    if meta.get("declared_epochs"):
        facts.append(f"{meta['declared_epochs']} epochs declared")
    facts.append(f"{len(run.epoch_records)} epochs, {len(run.step_records)} progress updates, "
                 f"{len(run.events)} callback events")
    st.markdown(" · ".join(facts))
    if findings:
        findings_table(findings, run)
    else:
        st.success("No symptoms in this run.")

    groups = list(plot.metric_groups(run.metrics))
    if groups:
        cols = st.columns([2, 2, 1])
        log_scale = cols[0].toggle("Log scale", key=per_log(f"log-{run.index}"),
                                   value=plot.spans_decades(run.series(groups[0]).tolist()))
        smoothing = cols[1].slider("Smoothing", 0.0, 0.99, 0.0, 0.01, key=per_log(f"smooth-{run.index}"),
                                   help="TensorBoard's debiased exponential moving average; the raw values "
                                        "stay drawn faintly.")
        x_axis = "epoch"
        if not run.steps.empty:
            x_axis = cols[2].radio("Progress x axis", ["epoch", "step"], horizontal=True,
                                   key=per_log(f"x-{run.index}"), help="Where the progress-bar updates are drawn: "
                                   "at their fraction of the epoch, or at their global step.")
        for group in groups:
            show_chart(run, ("metric", group, log_scale, smoothing),
                       lambda g=group: plot.metric_chart(run, g, findings, log_scale=log_scale, smoothing=smoothing),
                       stem=f"run{run.index}_{group}", download_key=f"run{run.index}-{group}")
        if not run.steps.empty:
            show_chart(run, ("steps", log_scale, smoothing, x_axis),
                       lambda: plot.steps_chart(run, log_scale=log_scale, smoothing=smoothing, x=x_axis),
                       stem=f"run{run.index}_steps", download_key=f"run{run.index}-steps")
    if run.events:
        st.markdown("**Callback events**")
        st.dataframe(kept(run, "events-table", lambda: table_frame(pd.DataFrame([e.to_dict() for e in run.events]))),
                     hide_index=True, width="stretch")
    with st.expander("Epoch table", expanded=len(run.epoch_records) <= 12):
        st.dataframe(kept(run, "epochs-table", lambda: table_frame(run.epochs)), hide_index=True, width="stretch")
    with st.container(horizontal=True):
        st.download_button("Epochs as CSV", lambda: run.epochs.to_csv(index=False), f"run{run.index}_epochs.csv",
                           "text/csv", key=f"csv-epochs-{run.index}")
        st.download_button("Steps as CSV", lambda: run.steps.to_csv(index=False), f"run{run.index}_steps.csv",
                           "text/csv", key=f"csv-steps-{run.index}", disabled=run.steps.empty)


def runs_section(report: logsense.Report) -> None:
    runs = report.log.runs
    frame = kept(report.log, "runs-frame", lambda: runs_frame(report))
    statuses = dict(zip(frame["run"], frame["status"]))
    names = dict(zip(frame["run"], frame["name"]))
    st.header("Runs")
    if len(runs) <= MANY_RUNS:
        tabs = st.tabs([f"Run {r.index}" for r in runs])
        for tab, run in zip(tabs, runs):
            with tab:
                run_panel(run, report.run_findings.get(run.index, []), statuses[run.index], names[run.index])
        if len(runs) > 1:
            compare_runs(report, runs)
        return
    counts = frame["status"].value_counts()
    st.caption(" · ".join(f"{counts.get(s, 0):,} {s.replace('_', ' ')}" for s in RUN_STATES if counts.get(s)))
    cols = st.columns([2, 3])
    present = [s for s in RUN_STATES if counts.get(s)]
    chosen = cols[0].multiselect("Status", present, default=[s for s in present if s != "healthy"] or present,
                                 key=per_log("run-status"))
    wanted = cols[1].text_input("Filter runs", key=per_log("run-filter"), placeholder="a symptom, a format, a name")
    shown = frame[frame["status"].isin(chosen)] if chosen else frame
    if wanted:
        text = shown[["name", "format", "top finding"]].astype(str).agg(" ".join, axis=1).str.lower()
        shown = shown[text.str.contains(wanted.lower(), regex=False)]
    st.dataframe(shown, hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 420),
                 key=per_log("runs-table"))
    st.caption(f"{len(shown):,} of {len(frame):,} runs shown.")
    if shown.empty:
        return
    options = shown["run"].tolist()
    pick = st.selectbox("Run to show", options[:5000], key=per_log("run-pick"), format_func=lambda i: names[i])
    run = next(r for r in runs if r.index == pick)
    with st.container(border=True, key="run-detail"):
        run_panel(run, report.run_findings.get(run.index, []), statuses[run.index], names[run.index])
    picked = [r for r in runs if r.index in set(options[:COMPARE_RUNS])]
    if len(picked) > 1:
        st.subheader(f"The first {len(picked)} runs shown, side by side")
        compare_runs(report, picked)


def compare_runs(report: logsense.Report, runs: list[logsense.Run]) -> None:
    metrics = list(dict.fromkeys(m for r in runs for m in r.metrics))
    shared = [m for m in metrics if sum(m in r.metrics for r in runs) > 1] or metrics
    if not shared:
        st.info("These runs printed no per-epoch metrics to compare.")
        return
    cols = st.columns([2, 1, 1])
    metric = cols[0].selectbox("Metric", shared, key=per_log("compare-metric"))
    log_scale = cols[1].toggle("Log scale", key=per_log("compare-log"), value=any(
        plot.spans_decades(r.series(metric).tolist()) for r in runs if metric in r.metrics))
    smoothing = cols[2].slider("Smoothing", 0.0, 0.99, 0.0, 0.01, key=per_log("compare-smooth"))
    show_chart(report.log, ("compare", tuple(r.index for r in runs), metric, log_scale, smoothing),
               lambda: plot.compare_chart(runs, metric, log_scale=log_scale, smoothing=smoothing,
                                          names=run_names(runs)), stem=f"compare_{metric}", download_key="compare")


# ------------------------------------------------------------------- sharing

def share_panel(report: logsense.Report, source: Any, overrides: dict[str, Any]) -> None:
    link = share_link(source, overrides)
    with st.expander("Share: a link and the answer as Markdown"):
        if link:
            st.markdown("**Link to this diagnosis** (it opens the same log and set-up):")
            st.code(link, language=None)
        st.markdown("**Copy as Markdown** (the copy button is at the top right of the box):")
        st.code(answer_markdown(report, getattr(source, "name", "the log"), link), language="markdown")
        top = problems(report)
        if top and top[0].replay is not None:
            runs = {r.index: r for r in report.log.runs}
            run = runs.get(top[0].runs[0]) if top[0].runs else None
            # the spec the cause card drew (same cause, same epochs, linear axis): not rebuilt per page run
            epochs = run.epoch_numbers() if run is not None else None
            spec = chart_spec(top[0], ("replay", False), lambda: plot.replay_chart(top[0], epochs=epochs))
            if spec is not None:
                st.download_button("PNG of the replay chart for the post", lambda: plot.to_image(spec, "png"),
                                   f"replay_{top[0].cause}.png", "image/png", key="share-png")


def downloads(report: logsense.Report, source: Any) -> None:
    name = getattr(source, "name", "log")
    stem = "".join(c if c.isalnum() else "_" for c in name.split(":")[0])[:40] or "log"
    with st.container(horizontal=True):
        st.download_button("Report as JSON", lambda: json.dumps(report.to_dict(), ensure_ascii=False, indent=1),
                           f"{stem}_report.json", "application/json", key="json-report")
        st.download_button("Parsed log as JSON", lambda: json.dumps(report.log.to_dict(), ensure_ascii=False,
                                                                    indent=1),
                           f"{stem}_parsed.json", "application/json", key="json-log")


# ---------------------------------------------------------------------- page

def nothing_found(report: logsense.Report, source: Any) -> None:
    """One message: no training log, and what was recognised instead."""
    log = report.log
    seen = []
    keys = [k for k, v in (log.context or {}).items() if v is not None and not str(k).startswith("_")]
    if keys:
        seen.append("the set-up (" + ", ".join(map(str, keys[:6])) + (", …" if len(keys) > 6 else "") + ")")
    if log.unparsed:
        seen.append(f"{len(log.unparsed)} line(s) that look like a log but did not parse")
    said = ("It recognised " + " and ".join(seen) + ", but no epochs.") if seen else "It recognised nothing log-like."
    st.warning(f"No training log found in **{md(getattr(source, 'name', 'the input'))}**. {md(said)} logsense "
               "reads `model.fit` console output (any Keras version, verbose 1 or 2), CSVLogger files, history "
               "JSON and the progress of PyTorch Lightning, HF Trainer and fastai.")


def page() -> None:
    st.set_page_config(page_title="logsense", page_icon="📉", layout="wide")
    samples = available_samples()
    if "source" not in st.session_state and "notice" not in st.session_state:
        linked = source_from_url(samples)
        first = linked or initial_source(samples)
        if first is not None:
            st.session_state["source"] = first
            st.session_state["overrides"] = overrides_from_url() if linked is not None else {}
    sidebar(samples)

    st.title("logsense")
    st.caption("What went wrong in a training run, why, and a replay that proves it.")
    if "input_error" in st.session_state:
        st.error(st.session_state["input_error"])
    if "notice" in st.session_state:
        st.info(st.session_state["notice"])
    source: Any = st.session_state.get("source")
    overrides = st.session_state.get("overrides", {})
    sync_url(source, overrides)
    if source is None:
        if "notice" not in st.session_state:
            st.info("Upload or paste a Keras log in the sidebar to begin.")
        return
    st.markdown(f"Showing **{md(source.name)}**")
    report = diagnosis(source, overrides)
    if report is None:
        return
    try:
        show_report(report, source, overrides)
    except Exception as exc:  # noqa: BLE001 - a display bug must not hide what was already shown
        st.error(f"logsense could not display all of this diagnosis ({type(exc).__name__}: {exc}). "
                 "This is a bug in logsense; the JSON downloads below may still have the full report.")
        try:
            downloads(report, source)
        except Exception:  # noqa: BLE001 - the report itself cannot be serialised: the message above stands
            pass


def show_report(report: logsense.Report, source: Any, overrides: dict[str, Any]) -> None:
    log = report.log
    if not log.runs and not log.predictions:
        nothing_found(report, source)
        return
    verdict_panel(report)
    summary(report)
    causes_section(report)
    if log.runs:
        override_form(report)

    if report.log_findings or log.predictions:
        st.header("Across runs and pasted predictions")
        if report.log_findings:
            findings_table(report.log_findings, log)
        for p in log.predictions:
            st.caption(f"Pasted array at line {p.line}: shape {'x'.join(map(str, p.shape))}"
                       + (", rows elided" if p.elided else ""))
            if not show_chart(p, ("predictions",), lambda p=p: plot.predictions_chart(p)) and p.values.size == 1:
                st.caption(f"The pasted prediction is one number: {fmt(float(p.values.ravel()[0]))}.")

    if log.runs:
        runs_section(report)

    if log.unparsed:
        with st.expander(f"{len(log.unparsed)} log-like line(s) were not understood"):
            st.dataframe(pd.DataFrame(log.unparsed[:500], columns=["line", "text"]), hide_index=True, width="stretch")

    st.header("Share and download")
    if getattr(source, "key", ""):
        share_panel(report, source, overrides)
    downloads(report, source)


if __name__ != "__mp_main__":  # a worker process (spawned by logsense.serve) imports this file without a page
    page()
