"""Altair charts of runs, findings and replays: the one chart module the page and notebooks share.

Every function returns an Altair chart object (interactive in a browser or
Jupyter, serialisable with ``.to_dict()``); `to_image` turns one into PNG or
SVG bytes without a browser. Findings are drawn by the shape of what they
claim: a point in time (jump, nan) as a vertical rule, a span (plateau, gap,
overfitting, ...) as a shaded band, a divergence as its fitted geometric line.

Example:
    >>> from logsense import Run, plot
    >>> run = Run(epoch_records=[{"epoch": 1, "loss": 0.9, "val_loss": 1.0}, {"epoch": 2, "loss": 0.5, "val_loss": 0.7}])
    >>> plot.metric_groups(run.metrics)
    {'loss': ['loss', 'val_loss']}
    >>> plot.to_image(plot.run_chart(run), "svg")[:4]
    b'<svg'
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from .findings import DivergenceStats, JumpStats
from .metrics import base_name, is_validation

if TYPE_CHECKING:  # pragma: no cover
    from .causes.base import Cause, Replay
    from .findings import Finding
    from .log import Prediction, Run
    from .report import Report

#: Most points one series contributes to a chart; longer series are thinned
#: evenly (Vega-Lite slows down, and Altair refuses data above 5000 rows).
MAX_POINTS = 2000
#: Colours: train and validation, then what logsense drew on top.
SPLIT_COLORS = {"train": "#1f77b4", "validation": "#ff7f0e"}
FINDING_COLOR = "#d62728"
BAND_COLOR = "#9467bd"
REPLAY_COLOR = "#2ca02c"
#: Controls a replay ran besides the main one (the fix applied, gradient clipping, ...).
CONTROL_COLORS = ["#9467bd", "#8c564b", "#7f7f7f", "#bcbd22"]
#: Runs compared on one axis (Tableau 10: distinct hues, so runs never read as train/validation pairs).
RUN_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
              "#9c755f", "#bab0ac"]
#: Symptoms that happen at one moment (drawn as a rule) or produce a fitted line.
POINT_SYMPTOMS = frozenset({"jump", "nan"})
FIT_SYMPTOMS = frozenset({"divergence"})

ImageFormat = Literal["png", "svg"]


# --------------------------------------------------------------------- data

def metric_groups(metrics: Iterable[str]) -> dict[str, list[str]]:
    """Pair every metric with its validation twin: ``{"loss": ["loss", "val_loss"], ...}``.

    A validation metric whose training twin was never printed forms a group
    of its own, named without the prefix.

    Example:
        >>> metric_groups(["loss", "acc", "val_loss", "val_acc", "val_only"])
        {'loss': ['loss', 'val_loss'], 'acc': ['acc', 'val_acc'], 'only': ['val_only']}
    """
    names = list(metrics)
    groups: dict[str, list[str]] = {}
    for name in names:
        base = base_name(name)
        groups.setdefault(base, []).append(name)
    return {base: sorted(members, key=is_validation) for base, members in groups.items()}


def split_of(metric: str) -> str:
    """``"validation"`` for ``val_*`` metrics, else ``"train"``.

    Example:
        >>> split_of("val_loss"), split_of("loss")
        ('validation', 'train')
    """
    return "validation" if is_validation(metric) else "train"


def epochs_long(run: Run, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """The run's epochs in long form: epoch, metric, group, split, value (finite values only).

    Example:
        >>> from logsense import Run
        >>> run = Run(epoch_records=[{"epoch": e, "loss": 2.0 ** e, "val_loss": 2.5 ** e} for e in range(1, 6)])
        >>> epochs_long(run).loc[[0, 5], ["epoch", "metric", "split", "value"]].values.tolist()
        [[1, 'loss', 'train', 2.0], [1, 'val_loss', 'validation', 2.5]]
    """
    wide = run.epochs
    names = [m for m in (metrics if metrics is not None else run.metrics) if m in wide.columns]
    if wide.empty or not names:
        return pd.DataFrame(columns=["epoch", "metric", "group", "split", "value"])
    long = wide.melt(id_vars=["epoch"], value_vars=names, var_name="metric", value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    long = long[np.isfinite(long["value"].to_numpy(dtype=float))]
    long["split"] = long["metric"].map(split_of)
    long["group"] = long["metric"].map(base_name)
    return _thin(long.reset_index(drop=True), by="metric")


def nonfinite_long(run: Run, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Epochs where a metric printed NaN or inf: epoch, metric, label (``NaN``, ``inf``, ``-inf``).

    Example:
        >>> from logsense import Run
        >>> run = Run(epoch_records=[{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": float("nan")}])
        >>> nonfinite_long(run).values.tolist()
        [[2, 'loss', 'NaN']]
    """
    names = list(metrics if metrics is not None else run.metrics)
    rows = []
    for record in run.epoch_records:  # the records, not the frame: there a metric not printed is NaN too
        for m in names:
            if m not in record:
                continue
            v = pd.to_numeric(pd.Series([record[m]], dtype=object), errors="coerce").iloc[0]
            if pd.isna(v) and record[m] is None:
                continue
            v = float(v)
            if not math.isfinite(v):
                rows.append((record.get("epoch"), m, "NaN" if math.isnan(v) else ("inf" if v > 0 else "-inf")))
    return pd.DataFrame(rows, columns=["epoch", "metric", "label"])


def nonfinite_layer(bad: pd.DataFrame) -> list[alt.Chart]:
    """NaN/inf epochs marked on a chart: a red cross at the top of the plot, labelled.

    Example:
        >>> bad = pd.DataFrame({"epoch": [3], "metric": ["loss"], "label": ["NaN"]})
        >>> [layer.mark.type for layer in nonfinite_layer(bad)], nonfinite_layer(bad.iloc[:0])
        (['point', 'text'], [])
    """
    if bad.empty:
        return []
    base = alt.Chart(bad)
    tooltip = [alt.Tooltip("epoch:Q", format="d"), "metric:N", alt.Tooltip("label:N", title="value")]
    return [base.mark_point(shape="cross", color=FINDING_COLOR, size=90, filled=True).encode(
                x=_epoch_x(), y=alt.value(10), tooltip=tooltip),
            base.mark_text(color=FINDING_COLOR, dy=-12, fontSize=10).encode(x=_epoch_x(), y=alt.value(10),
                                                                             text="label:N")]


def hover_layers(data: pd.DataFrame, by: str, name: str, x: str = "epoch") -> list[alt.Chart]:
    """A vertical rule that follows the pointer and a tooltip with every series at that epoch
    (``name`` keeps the selection apart from other charts' in a stacked report).

    Example:
        >>> data = pd.DataFrame({"epoch": [1, 1, 2, 2], "run": ["a", "b", "a", "b"], "value": [1.0, 2.0, 0.5, 1.5]})
        >>> rule = hover_layers(data, "run", "demo")[0].to_dict()
        >>> [t["title"] for t in rule["encoding"]["tooltip"]]
        ['epoch', 'a', 'b']
    """
    if data.empty:
        return []
    wide = data.pivot_table(index=x, columns=by, values="value", aggfunc="last").reset_index()
    keys = [c for c in wide.columns if c != x]
    fields = {k: f"s{i}" for i, k in enumerate(keys)}
    wide = wide.rename(columns=fields)
    fmt_ = number_format(data["value"])
    tips = [alt.Tooltip(f"{x}:Q", format="d", title=x)] + [
        alt.Tooltip(f"{fields[k]}:Q", title=str(k), format=fmt_) for k in keys[:20]]
    near = alt.selection_point(nearest=True, on="pointerover", fields=[x], empty=False,
                               name=re.sub(r"\W", "_", f"hover_{name}"))
    return [alt.Chart(wide).mark_rule(color="gray", opacity=0.0).encode(
        x=alt.X(f"{x}:Q"), opacity=alt.condition(near, alt.value(0.6), alt.value(0.0)), tooltip=tips,
    ).add_params(near)]


def steps_long(run: Run) -> pd.DataFrame:
    """Step records in long form with a fractional-epoch x position.

    ``position`` is ``epoch - 1 + step / total`` when the bar printed its
    total, so updates from successive epochs line up on one axis; otherwise
    it is the update's index.

    Example:
        >>> from logsense import parse
        >>> text = "Epoch 1/1\\n1/3 [>.] - ETA: 2s - loss: 0.7\\n2/3 [=>] - ETA: 1s - loss: 0.6\\n3/3 [==] - 1s - loss: 0.5\\n"
        >>> steps_long(parse(text).runs[0])[["position", "value"]].round(3).values.tolist()
        [[0.333, 0.7], [0.667, 0.6]]
    """
    steps = run.steps
    metrics = [c for c in steps.columns if c not in ("epoch", "step", "total", "eta_seconds", "seconds")]
    if steps.empty or not metrics:
        return pd.DataFrame(columns=["position", "global_step", "epoch", "step", "metric", "split", "value"])
    step = pd.to_numeric(steps["step"], errors="coerce").to_numpy(dtype=float)
    total = pd.to_numeric(steps["total"], errors="coerce").to_numpy(dtype=float)
    epoch = pd.to_numeric(steps["epoch"], errors="coerce").to_numpy(dtype=float)
    frac = np.divide(step, total, out=np.full_like(step, np.nan), where=np.isfinite(total) & (total > 0))
    position = np.where(np.isfinite(frac) & np.isfinite(epoch), epoch - 1 + frac, np.arange(len(steps), dtype=float))
    per_epoch = np.nanmax(total) if np.isfinite(total).any() else np.nan
    global_step = np.where(np.isfinite(epoch) & np.isfinite(step) & np.isfinite(per_epoch),
                           (epoch - 1) * per_epoch + step, np.arange(1, len(steps) + 1, dtype=float))
    wide = steps.assign(position=position, global_step=global_step)
    long = wide.melt(id_vars=["position", "global_step", "epoch", "step"], value_vars=metrics, var_name="metric",
                     value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    long = long[np.isfinite(long["value"].to_numpy(dtype=float))]
    long["split"] = long["metric"].map(split_of)
    return _thin(long.reset_index(drop=True), by="metric")


def _thin(df: pd.DataFrame, *, by: str, limit: int = MAX_POINTS) -> pd.DataFrame:
    """Keep at most ``limit`` evenly spaced rows per ``by`` value (first and last always kept)."""
    if df.empty or df.groupby(by).size().max() <= limit:
        return df
    parts = []
    for _, part in df.groupby(by, sort=False):
        keep = np.unique(np.linspace(0, len(part) - 1, num=min(limit, len(part))).round().astype(int))
        parts.append(part.iloc[keep])
    return pd.concat(parts, ignore_index=True)


def _positive_only(df: pd.DataFrame, column: str, log_scale: bool) -> pd.DataFrame:
    """A log axis cannot show values <= 0: drop them rather than let Vega-Lite fail silently."""
    return df[df[column] > 0] if log_scale and not df.empty else df


def _zoom(name: str) -> alt.Parameter:
    """Pan and zoom along x; named so charts stacked together keep their own."""
    return alt.selection_interval(bind="scales", encodings=["x"], name=re.sub(r"\W", "_", f"zoom_{name}"))


def _epoch_x(field: str = "epoch", title: str = "epoch") -> alt.X:
    """Epochs as printed: whole-number ticks only (never ``927.0`` or two ``927`` ticks), and no zero
    forced in (seed logs start at epoch 928)."""
    return alt.X(f"{field}:Q", title=title, scale=alt.Scale(zero=False, nice=False),
                 axis=alt.Axis(format="d", tickMinStep=1))


def number_format(values: Any) -> str:
    """One d3 format for every tick of an axis: all in exponent form when the values need it
    (a loss from 1e-5 to 1e+6), else plain digits, so ``1e+6`` never stands beside ``200``.

    Example:
        >>> number_format([0.5, 2.0, 10.0]), number_format([3.0, 2e6]), number_format([1e-5, 0.2])
        (',.4~r', '.2~e', '.2~e')
    """
    xs = np.abs(np.asarray([v for v in _floats(values) if math.isfinite(v) and v != 0], dtype=float))
    if xs.size == 0:
        return ",.4~r"
    return ".2~e" if xs.max() >= 1e5 or xs.min() < 1e-3 else ",.4~r"


def _y(field: str, title: str | None, log_scale: bool, values: Any = (), domain: list[float] | None = None) -> alt.Y:
    """A value axis with one number format for all its ticks (`number_format`)."""
    return alt.Y(f"{field}:Q", title=title, scale=_y_scale(log_scale, domain),
                 axis=alt.Axis(format=number_format(values)))


def _y_scale(log_scale: bool, domain: list[float] | None = None) -> alt.Scale:
    if log_scale:
        return alt.Scale(type="log")
    if domain is not None:
        return alt.Scale(zero=False, domain=domain, clamp=True)
    return alt.Scale(zero=False)


def spans_decades(values: Any) -> bool:
    """Whether a series covers more than two decades (a divergence): the default for a log axis.

    Example:
        >>> spans_decades([1.0, 5.0, 9.0]), spans_decades([1.0, 1e3])
        (False, True)
    """
    xs = [v for v in _floats(values) if math.isfinite(v) and v > 0]
    return bool(xs) and bool(max(xs) / min(xs) > 100)


def robust_domain(values: Any, share: float = 0.02, far: float = 3.0) -> list[float] | None:
    """A y range that ignores outliers (TensorBoard's "ignore outliers in chart scaling"): values
    more than ``far`` times the ``share`` .. ``1 - share`` quantile span beyond it are left out of
    the range (drawn clamped at its edge); None when no value is that far out, so a loss that
    simply starts high keeps its first epochs in view.

    Example:
        >>> robust_domain([1.0] * 50 + [1.1] * 49 + [1e9])
        [0.995, 1.105]
        >>> robust_domain([1.0, 2.0, 3.0]) is None
        True
    """
    xs = np.asarray([v for v in _floats(values) if math.isfinite(v)], dtype=float)
    if xs.size < 10:
        return None
    lo, hi = np.quantile(xs, [share, 1 - share])
    span = hi - lo or abs(hi) * 0.05 or 1.0
    keep = xs[(xs >= lo - far * span) & (xs <= hi + far * span)]
    if keep.size == xs.size:
        return None  # nothing far out: Vega's own range shows everything
    lo, hi = float(keep.min()), float(keep.max())
    pad = (hi - lo) * 0.05 or abs(hi) * 0.05 or 1.0
    return [round(lo - pad, 12), round(hi + pad, 12)]


def smooth(values: Any, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: an exponential moving average, debiased so the first points are not
    pulled towards 0; non-finite values are kept as they are and do not enter the average.

    Example:
        >>> smooth([1.0, 2.0, 3.0], 0.0).tolist(), [round(float(v), 4) for v in smooth([1.0, 1.0, float("nan"), 4.0], 0.5)]
        ([1.0, 2.0, 3.0], [1.0, 1.0, nan, 2.7143])
    """
    y = _floats(values)
    if weight <= 0:
        return y
    out = np.empty_like(y)
    last, n = 0.0, 0
    for i, v in enumerate(y):
        if not math.isfinite(v):
            out[i] = v
            continue
        last = last * weight + (1 - weight) * v
        n += 1
        out[i] = last / (1 - weight ** n)
    return out


# ----------------------------------------------------------------- findings

def _finding_label(f: Finding) -> str:
    return f.message or f"{f.symptom} in {f.metric or f.source}"


def finding_layers(findings: Iterable[Finding], run: Run, metrics: Sequence[str], *,
                   log_scale: bool = False) -> list[alt.Chart]:
    """Chart layers drawing the findings about ``metrics`` on an epoch axis.

    Point-in-time symptoms become rules at their epoch, divergences their
    fitted geometric curve, and every other symptom with an epoch span a band.

    Example:
        >>> from logsense import Finding, Run
        >>> run = Run(epoch_records=[{"epoch": e, "loss": 2.0 ** e, "val_loss": 2.5 ** e} for e in range(1, 6)])
        >>> jump = Finding("jump", 0.9, metric="loss", start_epoch=3)
        >>> [layer.mark.type for layer in finding_layers([jump], run, ["loss", "val_loss"])]  # rule + label
        ['rule', 'text']
    """
    rules, bands, fits = [], [], []
    for f in findings:
        if f.metric is not None and f.metric not in metrics:
            continue
        if f.start_epoch is None:
            continue
        label = _finding_label(f)
        if f.symptom in FIT_SYMPTOMS and f.metric is not None:
            fit = divergence_fit(run, f)
            if not fit.empty:
                fits.append(fit.assign(symptom=f.symptom, finding=label))
                continue
        if f.symptom in POINT_SYMPTOMS or f.end_epoch in (None, f.start_epoch):
            at = JumpStats.of(f).epoch  # a jump's onset can precede the span's start
            epoch = at if at is not None else f.start_epoch
            rules.append({"epoch": epoch, "symptom": f.symptom, "finding": label})
        else:
            bands.append({"start": f.start_epoch, "end": f.end_epoch, "symptom": f.symptom, "finding": label})

    layers: list[alt.Chart] = []
    tooltip = [alt.Tooltip("symptom:N"), alt.Tooltip("finding:N")]
    # Labels in three rows, so findings close together do not print over each other.
    for i, item in enumerate(sorted(bands + rules, key=lambda d: d.get("start", d.get("epoch")))):
        item["ypos"] = 4 + 13 * (i % 3)
    if bands:
        band = alt.Chart(pd.DataFrame(bands))
        layers.append(band.mark_rect(opacity=0.12, color=BAND_COLOR).encode(
            x=_epoch_x("start"), x2="end:Q", tooltip=tooltip))
        layers.append(band.mark_text(align="left", baseline="top", dx=3, color=BAND_COLOR).encode(
            x=_epoch_x("start"), y=alt.Y("ypos:Q", scale=None), text="symptom:N"))
    if rules:
        rule = alt.Chart(pd.DataFrame(rules))
        layers.append(rule.mark_rule(color=FINDING_COLOR, strokeWidth=2).encode(x=_epoch_x(), tooltip=tooltip))
        layers.append(rule.mark_text(align="right", baseline="top", dx=-3, color=FINDING_COLOR).encode(
            x=_epoch_x(), y=alt.Y("ypos:Q", scale=None), text="symptom:N"))
    if fits:
        data = _positive_only(pd.concat(fits, ignore_index=True), "fit", log_scale)
        if not data.empty:
            layers.append(alt.Chart(data).mark_line(color=FINDING_COLOR, strokeDash=[6, 3], strokeWidth=2).encode(
                x=_epoch_x(), y=_y("fit", None, log_scale, data["fit"]), detail="finding:N",
                tooltip=tooltip + [alt.Tooltip("fit:Q", format=".4g")]))
    return layers


def divergence_fit(run: Run, finding: Finding) -> pd.DataFrame:
    """The geometric curve ``y = c * g**epoch`` a divergence finding claims, over its epochs.

    The growth factor ``g`` is the finding's own; the level ``c`` is the
    median that puts the curve through the observed points, so the line shows
    how well the claimed rate explains the series.

    Example:
        >>> from logsense import Finding, Run
        >>> run = Run(epoch_records=[{"epoch": e, "loss": 2.0 ** e, "val_loss": 2.5 ** e} for e in range(1, 6)])
        >>> div = Finding("divergence", 0.99, metric="loss", start_epoch=1, end_epoch=5, stats={"growth_factor": 2.0})
        >>> divergence_fit(run, div)["fit"].round(6).tolist()
        [2.0, 4.0, 8.0, 16.0, 32.0]
    """
    growth = DivergenceStats.of(finding).growth_factor
    if growth is None or growth <= 0 or finding.metric is None:
        return pd.DataFrame(columns=["epoch", "fit"])
    epochs = run.epoch_numbers()
    y = run.series(finding.metric)
    end = finding.end_epoch if finding.end_epoch is not None else epochs.max(initial=np.nan)
    span = (epochs >= finding.start_epoch) & (epochs <= end) & np.isfinite(y) & (y > 0)
    if not span.any():
        return pd.DataFrame(columns=["epoch", "fit"])
    t, logy = epochs[span], np.log(y[span])
    level = float(np.median(logy - math.log(growth) * t))
    return pd.DataFrame({"epoch": t, "fit": np.exp(level + math.log(growth) * t)})


# ------------------------------------------------------------------- charts

def metric_chart(run: Run, group: str, findings: Iterable[Finding] = (), *, log_scale: bool = False,
                 height: int = 260, smoothing: float = 0.0, ignore_outliers: bool = True,
                 interactive: bool = True) -> alt.LayerChart:
    """One metric per epoch, train and validation paired, with the findings about it drawn on top.

    ``smoothing`` (0..1) draws TensorBoard's debiased EMA over the faint raw
    values; ``ignore_outliers`` keeps a few extreme values from flattening the
    rest (linear axis only: a log axis already shows every decade). NaN and inf
    epochs are marked at the top of the plot, and the tooltip follows the
    pointer with every series at that epoch. ``interactive=False`` leaves out
    the zoom and the hover (charts stacked into one report: Vega-Lite cannot
    tell their selections apart).

    Example:
        >>> from logsense import Run
        >>> run = Run(epoch_records=[{"epoch": e, "loss": 2.0 ** e, "val_loss": 2.5 ** e} for e in range(1, 6)])
        >>> metric_chart(run, "loss", log_scale=True).to_dict()["title"]
        'run 0: loss (log scale)'
    """
    members = metric_groups(run.metrics).get(group, [group])
    data = _positive_only(epochs_long(run, members), "value", log_scale)
    if smoothing > 0 and not data.empty:
        data = data.assign(raw=data["value"])
        data["value"] = data.groupby("metric")["raw"].transform(lambda v: smooth(v.to_numpy(), smoothing))
    splits = [s for s in SPLIT_COLORS if s in set(data["split"])] or ["train"]
    domain = robust_domain(data["value"]) if ignore_outliers and not log_scale and not data.empty else None
    zoom = _zoom(f"run{run.index}_{group}")
    color = alt.Color("split:N", title=None, scale=alt.Scale(domain=splits, range=[SPLIT_COLORS[s] for s in splits]))
    fmt_ = number_format(data["value"]) if not data.empty else ",.4~r"
    lines = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=30)).encode(
        x=_epoch_x(),
        y=_y("value", group, log_scale, data["value"], domain),
        color=color,
        tooltip=[alt.Tooltip("epoch:Q", format="d"), "metric:N", alt.Tooltip("value:Q", format=fmt_)],
    )
    if interactive:
        lines = lines.add_params(zoom)
    layers = finding_layers(findings, run, members, log_scale=log_scale)
    if smoothing > 0 and not data.empty:
        layers.append(alt.Chart(data).mark_line(opacity=0.25).encode(
            x=_epoch_x(), y=alt.Y("raw:Q", scale=_y_scale(log_scale, domain)), color=color, detail="metric:N"))
    tail = nonfinite_layer(nonfinite_long(run, members))
    if interactive:
        tail += hover_layers(data, "metric", f"run{run.index}_{group}")
    title = f"run {run.index}: {group}" + (" (log scale)" if log_scale else "") + (
        f" (smoothed {smoothing:g})" if smoothing > 0 else "")
    return alt.layer(*layers, lines, *tail).properties(title=title, height=height, width="container")


def run_chart(run: Run, findings: Iterable[Finding] = (), *, log_scale: bool = False,
              groups: Sequence[str] | None = None) -> alt.VConcatChart:
    """Every metric group of a run stacked vertically, findings drawn on each.

    Example:
        >>> from logsense import Run
        >>> run = Run(epoch_records=[{"epoch": 1, "loss": 0.9, "acc": 0.5}, {"epoch": 2, "loss": 0.5, "acc": 0.7}])
        >>> [chart["title"] for chart in run_chart(run).to_dict()["vconcat"]]
        ['run 0: loss', 'run 0: acc']
    """
    found = list(findings)
    names = list(groups) if groups is not None else list(metric_groups(run.metrics))
    charts = [metric_chart(run, g, found, log_scale=log_scale, interactive=False) for g in names]
    if not charts:
        charts = [alt.Chart(pd.DataFrame({"text": [f"run {run.index}: no metrics printed per epoch"]}))
                  .mark_text().encode(text="text:N")]
    return alt.vconcat(*charts).resolve_scale(color="shared")


def steps_chart(run: Run, *, log_scale: bool = False, height: int = 260, smoothing: float = 0.0,
                x: str = "epoch") -> alt.LayerChart | None:
    """The running averages the progress bar printed inside each epoch, or None without steps.

    ``x="epoch"`` places each update at its fractional epoch; ``x="step"`` at its
    global step (``(epoch - 1) * steps_per_epoch + step``) where the bar printed
    its total.

    Example:
        >>> from logsense import Run, parse
        >>> text = "Epoch 1/1\\n1/3 [>.] - ETA: 2s - loss: 0.7\\n2/3 [=>] - ETA: 1s - loss: 0.6\\n3/3 [==] - 1s - loss: 0.5\\n"
        >>> steps_chart(parse(text).runs[0]).to_dict()["title"]
        'run 0: progress-bar updates'
        >>> steps_chart(Run(epoch_records=[{"epoch": 1, "loss": 0.5}])) is None
        True
    """
    data = _positive_only(steps_long(run), "value", log_scale)
    if data.empty:
        return None
    if smoothing > 0:
        data = data.assign(value=data.groupby("metric")["value"].transform(lambda v: smooth(v.to_numpy(), smoothing)))
    field, title = "position", "epoch (fraction of the epoch's steps)"
    if x == "step":
        field, title = "global_step", "step"
    zoom = _zoom(f"steps{run.index}")
    lines = alt.Chart(data).mark_line().encode(
        x=alt.X(f"{field}:Q", title=title, axis=alt.Axis(format="d" if x == "step" else ",.4~r")),
        y=_y("value", "running mean", log_scale, data["value"]),
        color=alt.Color("metric:N", title=None),
        tooltip=[alt.Tooltip("epoch:Q", format="d"), alt.Tooltip("step:Q", format="d"), "metric:N",
                 alt.Tooltip("value:Q", format=number_format(data["value"]))],
    ).add_params(zoom)
    return alt.layer(lines).properties(title=f"run {run.index}: progress-bar updates", height=height, width="container")


def replay_frame(replay: Replay, epochs: Sequence[float] | None = None) -> pd.DataFrame:
    """Observed and replayed values side by side: epoch, series, value.

    Series are ``observed``, ``replay`` and any alternative replay the cause
    ran as a control: ``extra["under_fix"]["predicted"]`` (the run with the
    fix applied) and ``extra["with_<change>"]`` lists (e.g. ``with_clipnorm``).
    Epochs come from ``replay.extra["epochs"]`` when the replay recorded them,
    else from ``epochs`` when the lengths agree, else 1..n.

    Example:
        >>> from logsense import Replay
        >>> replay = Replay("loss", predicted=[1.0, 2.0], observed=[1.0, 2.1], max_rel_error=0.05, tolerance=0.1)
        >>> replay_frame(replay).values.tolist()
        [[1.0, 'observed', 1.0], [2.0, 'observed', 2.1], [1.0, 'replay', 1.0], [2.0, 'replay', 2.0]]
    """
    extra = replay.extra if isinstance(replay.extra, dict) else {}
    series = {"observed": _floats(replay.observed), "replay": _floats(replay.predicted)}
    fix = extra.get("under_fix")
    if isinstance(fix, dict) and isinstance(fix.get("predicted"), list):
        settings = ", ".join(f"{k}={_fmt(v)}" for k, v in fix.items() if k not in ("predicted",) and
                             isinstance(v, (int, float)) and k != "final_weight")
        series[f"fixed: {settings}" if settings else "fixed"] = _floats(fix["predicted"])
    for key, value in extra.items():
        if key.startswith("with_") and isinstance(value, list):
            series[key.replace("_", " ")] = _floats(value)
    n = max(len(v) for v in series.values())
    x, _ = _replay_axis(extra, n, epochs)
    rows = [pd.DataFrame({"epoch": x[: v.size], "series": name, "value": v[: x.size]}) for name, v in series.items()]
    out = pd.concat(rows, ignore_index=True)
    return out[np.isfinite(out["value"].to_numpy(dtype=float))].reset_index(drop=True)


def _replay_axis(extra: dict[str, Any], n: int, epochs: Sequence[float] | None) -> tuple[np.ndarray, bool]:
    """The replay's x values and whether they are epochs (else 1..n: points of a non-epoch series)."""
    axis = extra.get("epochs")
    if isinstance(axis, list) and len(axis) == n:
        return np.asarray(axis, dtype=float), True
    if epochs is not None and len(epochs) == n:
        return np.asarray(list(epochs), dtype=float), True
    return np.arange(1, n + 1, dtype=float), False


def _floats(values: Any) -> np.ndarray:
    """A list from a replay as floats: None and "nan" strings become NaN."""
    return pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)


def replay_subtitle(replay: Replay) -> str:
    """The replay's numbers and its state, worded so the state never contradicts them.

    Example:
        >>> from logsense import Replay
        >>> replay_subtitle(Replay("loss", [1.0], [1.0], 0.011, 0.05, status="consistent"))
        'max relative error 0.011 (tolerance 0.05), consistent: the shape, not the printed numbers'
    """
    numbers = f"max relative error {_fmt(replay.max_rel_error)} (tolerance {_fmt(replay.tolerance)})"
    status = replay.status or ("confirmed" if replay.confirmed else "contradicted")
    if status == "consistent":
        return f"{numbers}, consistent: the shape, not the printed numbers"
    if status == "contradicted" and replay.max_rel_error <= replay.tolerance:
        return f"{numbers}, contradicted: the mechanism does not apply (see the note)"
    return f"{numbers}, {status}"


def replay_is_bars(replay: Replay, epochs: Sequence[float] | None = None) -> bool:
    """Whether the replay is a few figures (drawn as bars, no log toggle), not a series over epochs.

    Example:
        >>> from logsense import Replay
        >>> replay_is_bars(Replay("loss_ratio", [3.07], [2.95], 0.04, 0.1)), replay_is_bars(Replay("loss", [1.0, 2.0], [1.0, 2.0], 0, 0.1), [1, 2])
        (True, False)
    """
    extra = replay.extra if isinstance(replay.extra, dict) else {}
    return not _replay_axis(extra, max(len(replay.observed), len(replay.predicted)), epochs)[1]


def replay_chart(cause: Cause, *, epochs: Sequence[float] | None = None, log_scale: bool = False,
                 height: int = 260) -> alt.LayerChart | alt.Chart | None:
    """The cause's replay drawn over the observed series, titled with its error; None without a replay.

    Controls the replay also ran (the fix applied, gradient clipping, ...)
    are drawn as fainter dashed lines. A replay of a few figures is bars, on a
    linear axis.

    Example:
        >>> from logsense import Cause, Replay
        >>> replay = Replay("loss", [1.0, 2.0], [1.0, 2.1], max_rel_error=0.05, tolerance=0.1, confirmed=True)
        >>> replay_chart(Cause("lr_too_high", 0.9, runs=[0], replay=replay), epochs=[1, 2]).to_dict()["title"]
        {'text': 'lr_too_high: replay of loss', 'subtitle': 'max relative error 0.05 (tolerance 0.1), confirmed'}
    """
    replay = cause.replay
    if replay is None:
        return None
    bars = replay_is_bars(replay, epochs)
    log_scale = log_scale and not bars
    data = _positive_only(replay_frame(replay, epochs), "value", log_scale)
    if data.empty:
        return None
    title = alt.TitleParams(f"{cause.cause}: replay of {replay.metric}", subtitle=replay_subtitle(replay))
    names = list(dict.fromkeys(data["series"]))
    palette = {"observed": SPLIT_COLORS["train"], "replay": REPLAY_COLOR}
    others = iter(CONTROL_COLORS)
    color = alt.Color("series:N", title=None, sort=names, legend=alt.Legend(labelLimit=240, orient="bottom"),
                      scale=alt.Scale(domain=names, range=[palette.get(n) or next(others, "#7f7f7f") for n in names]))
    fmt_ = number_format(data["value"])
    if bars:  # a few figures, not a series over epochs (a loss ratio, a penalty)
        return alt.Chart(data).mark_bar().encode(
            x=alt.X("epoch:O", title=None, axis=alt.Axis(labels=data["epoch"].nunique() > 1)),
            xOffset=alt.XOffset("series:N", sort=names),
            y=_y("value", replay.metric, False, data["value"]),
            color=color,
            tooltip=["series:N", alt.Tooltip("value:Q", format=fmt_)],
        ).properties(title=title, height=height, width="container")

    def part(rows: pd.DataFrame) -> alt.Chart:
        return alt.Chart(rows).encode(
            x=_epoch_x(), y=_y("value", replay.metric, log_scale, data["value"]), color=color,
            tooltip=[alt.Tooltip("epoch:Q", format="d"), "series:N", alt.Tooltip("value:Q", format=fmt_)])

    layers = []
    controls = data[~data["series"].isin(["observed", "replay"])]
    if not controls.empty:  # no empty layer: Vega warns of an infinite extent for it
        layers.append(part(controls).mark_line(strokeDash=[2, 2], strokeWidth=1.5, opacity=0.8))
    replayed = data[data["series"] == "replay"]
    if not replayed.empty:
        layers.append(part(replayed).mark_line(strokeDash=[6, 3], strokeWidth=2))
    observed = data[data["series"] == "observed"]
    if not observed.empty:
        layers.append(part(observed).mark_point(size=60, filled=True))
    return alt.layer(*layers).properties(title=title, height=height, width="container")


def fix_chart(cause: Cause, trial: Any, *, height: int = 220) -> alt.LayerChart | None:
    """The log's own series beside the loss the tried fix replays to (`logsense.tryfix`).

    Example:
        >>> from logsense import Cause, Replay
        >>> from logsense.tryfix import FixTrial
        >>> cause = Cause("lr_too_high", 0.9, runs=[0], replay=Replay("loss", [1.0, 2.0], [1.0, 2.0], 0.0, 0.1))
        >>> fix_chart(cause, FixTrial("lr_too_high", "lr", 0.004, [1.0, 0.1, 0.01], 3)).to_dict()["title"]["text"]
        'lr_too_high: the fix replayed'
    """
    replay = cause.replay
    if replay is None or not trial.losses:
        return None
    observed = _floats(replay.observed)
    tried = _floats(trial.losses)
    rows = pd.concat([pd.DataFrame({"epoch": np.arange(1, observed.size + 1), "series": "the log",
                                    "value": observed}),
                      pd.DataFrame({"epoch": np.arange(1, tried.size + 1),
                                    "series": f"tried {trial.setting}={_fmt(trial.value)}", "value": tried})],
                     ignore_index=True)
    rows = rows[np.isfinite(rows["value"].to_numpy(dtype=float)) & (rows["value"] > 0)]
    if rows.empty:
        return None
    return alt.Chart(rows).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=_epoch_x(title="epoch of the replay"),
        y=alt.Y("value:Q", title=replay.metric, scale=alt.Scale(type="log"),
                axis=alt.Axis(format=number_format(rows["value"]))),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("epoch:Q", format="d"), "series:N",
                 alt.Tooltip("value:Q", format=number_format(rows["value"]))],
    ).properties(title=alt.TitleParams(f"{cause.cause}: the fix replayed", subtitle=trial.summary[:120]),
                 height=height, width="container")


def compare_chart(runs: Sequence[Run], metric: str, *, log_scale: bool = False, height: int = 260,
                  smoothing: float = 0.0, names: dict[int, str] | None = None,
                  ignore_outliers: bool = True) -> alt.LayerChart:
    """One metric across several runs on one axis, one colour per run; hovering shows every run
    at that epoch.

    Example:
        >>> from logsense import Run
        >>> runs = [Run(index=i, epoch_records=[{"epoch": 1, "loss": 1.0 + i}, {"epoch": 2, "loss": 0.5 + i}]) for i in range(2)]
        >>> compare_chart(runs, "loss").to_dict()["title"]
        'loss across runs'
    """
    frames = []
    for run in runs:
        if metric in run.metrics:
            part = epochs_long(run, [metric])
            if smoothing > 0 and not part.empty:
                part = part.assign(value=smooth(part["value"].to_numpy(), smoothing))
            frames.append(part.assign(run=(names or {}).get(run.index, f"run {run.index}")))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["epoch", "value", "run"])
    data = _positive_only(data, "value", log_scale)
    domain = robust_domain(data["value"]) if ignore_outliers and not log_scale and not data.empty else None
    zoom = _zoom(f"compare_{metric}")
    pick = alt.selection_point(fields=["run"], bind="legend", name="pick_run")
    fmt_ = number_format(data["value"]) if not data.empty else ",.4~r"
    lines = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=30)).encode(
        x=_epoch_x(),
        y=_y("value", metric, log_scale, data["value"], domain),
        color=alt.Color("run:N", title=None, scale=alt.Scale(range=RUN_COLORS),
                        legend=alt.Legend(orient="bottom", labelLimit=200)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
        tooltip=["run:N", alt.Tooltip("epoch:Q", format="d"), alt.Tooltip("value:Q", format=fmt_)],
    ).add_params(zoom, pick)
    title = f"{metric} across runs" + (" (log scale)" if log_scale else "") + (
        f" (smoothed {smoothing:g})" if smoothing > 0 else "")
    return alt.layer(lines, *hover_layers(data, "run", f"compare_{metric}"), data=data).properties(
        title=title, height=height, width="container")


def predictions_chart(prediction: Prediction, *, height: int = 220) -> alt.Chart | None:
    """A pasted ``model.predict`` array, one line per row across the output dimensions.

    Rows that lie on top of each other are what a collapse to the mean looks like.

    Example:
        >>> import numpy as np
        >>> from logsense import Prediction
        >>> predictions_chart(Prediction(line=3, values=np.array([[0.1, 0.4], [0.1, 0.4]]))).to_dict()["title"]["text"]
        'pasted predictions (line 3): 2 rows x 2'
    """
    values = np.atleast_2d(np.asarray(prediction.values, dtype=float))
    if values.size < 2 or values.ndim != 2:  # one number is a sentence, not a full-width chart
        return None
    rows, dims = np.indices(values.shape)
    data = pd.DataFrame({"row": rows.ravel(), "dimension": dims.ravel(), "value": values.ravel()})
    data = data[np.isfinite(data["value"].to_numpy())]
    title = alt.TitleParams(f"pasted predictions (line {prediction.line}): {values.shape[0]} rows x {values.shape[1]}",
                            subtitle="one line per row" + ("; rows elided in the paste" if prediction.elided else ""))
    return alt.Chart(data).mark_line(point=True, opacity=0.7).encode(
        x=alt.X("dimension:O", title="output dimension"),
        y=alt.Y("value:Q", title="predicted value", scale=alt.Scale(zero=False)),
        color=alt.Color("row:N", title="row", legend=None),
        tooltip=["row:N", "dimension:O", alt.Tooltip("value:Q", format=".6g")],
    ).properties(title=title, height=height, width="container")


def report_chart(report: Report, run: int | Run | None = None, *, log_scale: bool = False) -> alt.VConcatChart:
    """A whole diagnosis: every run with its findings, then the replay of each cause that has one.

    With ``run`` (its index or the `Run`): that run's metrics with its findings (`run_chart`).

    Example:
        >>> import logsense
        >>> report = logsense.diagnose({"loss": [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375]})
        >>> [chart["title"] for chart in report_chart(report).to_dict()["vconcat"]][1]["text"]
        'lr_too_high: replay of loss'
        >>> [c["title"] for c in report_chart(report, run=0).to_dict()["vconcat"]]
        ['run 0: loss']
    """
    if run is not None:
        index = run if isinstance(run, int) else run.index
        chosen = next((r for r in report.log.runs if r.index == index), None)
        if chosen is None:
            raise ValueError(f"no run {index} in this report (runs: {[r.index for r in report.log.runs]})")
        return run_chart(chosen, report.run_findings.get(index, []), log_scale=log_scale)
    charts: list[alt.TopLevelMixin] = []
    for run in report.log.runs:
        found = report.run_findings.get(run.index, [])
        charts.extend(metric_chart(run, g, found, log_scale=log_scale, interactive=False)
                      for g in metric_groups(run.metrics))
    runs = {r.index: r for r in report.log.runs}
    for cause in report.causes:
        run = runs.get(cause.runs[0]) if cause.runs else None
        chart = replay_chart(cause, epochs=run.epoch_numbers() if run is not None else None, log_scale=log_scale)
        if chart is not None:
            charts.append(chart)
    if not charts:
        charts = [alt.Chart(pd.DataFrame({"text": ["nothing to plot: no runs were recognised"]}))
                  .mark_text().encode(text="text:N")]
    return alt.vconcat(*charts).resolve_scale(color="independent")


# ------------------------------------------------------------------- export

def to_image(chart: alt.TopLevelMixin | dict, fmt: ImageFormat = "png", *, width: int = 720,
             scale: float = 2.0) -> bytes:
    """Render a chart to PNG or SVG bytes, offline, through vl-convert (no browser).

    ``width="container"`` has no container to fill outside a page, so such
    charts get a fixed ``width`` first.

    Example:
        >>> from logsense import Run
        >>> chart = run_chart(Run(epoch_records=[{"epoch": 1, "loss": 0.9}, {"epoch": 2, "loss": 0.5}]))
        >>> to_image(chart, "png")[:4], to_image(chart, "svg")[:4]
        (b'\\x89PNG', b'<svg')
    """
    try:
        import vl_convert as vlc
    except ImportError as exc:  # pragma: no cover - vl-convert-python is a dependency
        raise RuntimeError("saving charts as images needs the vl-convert-python package") from exc
    import copy

    spec = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict()  # a chart or its spec
    _replace_container_width(spec, width)
    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, scale=scale))
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec).encode("utf-8")
    raise ValueError(f"unknown image format {fmt!r}: use 'png' or 'svg'")


def _replace_container_width(node: Any, width: int) -> None:
    if isinstance(node, dict):
        if node.get("width") == "container":
            node["width"] = width
        for v in node.values():
            _replace_container_width(v, width)
    elif isinstance(node, list):
        for v in node:
            _replace_container_width(v, width)


def _fmt(x: Any) -> str:
    try:
        return f"{float(x):.3g}"
    except (TypeError, ValueError):
        return str(x)
