"""The shared chart module: data shaping, findings drawn on charts, replays, export."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synthetic import RUN1_LOSS, synthetic_report

import logsense
from logsense import Finding, Run, plot

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


def _mark(layer) -> str:
    mark = layer.mark
    return mark if isinstance(mark, str) else mark.type


def _layers_by_mark(chart) -> dict[str, list]:
    out: dict[str, list] = {}
    for layer in chart.layer:
        out.setdefault(_mark(layer), []).append(layer)
    return out


def test_metric_groups_pair_train_with_validation():
    groups = plot.metric_groups(["loss", "acc", "val_loss", "val_acc", "val_output", "output", "val_only"])
    assert groups == {"loss": ["loss", "val_loss"], "acc": ["acc", "val_acc"], "output": ["output", "val_output"],
                      "only": ["val_only"]}


def test_epochs_long_drops_non_finite_values_and_labels_splits():
    run = Run(epoch_records=[{"epoch": 1, "loss": 1.0, "val_loss": 2.0}, {"epoch": 2, "loss": float("nan")},
                             {"epoch": 3, "loss": float("inf"), "val_loss": 1.5}])
    long = plot.epochs_long(run)
    assert sorted(zip(long["epoch"], long["split"], long["value"])) == [
        (1, "train", 1.0), (1, "validation", 2.0), (3, "validation", 1.5)]
    assert set(long["group"]) == {"loss"}


def test_long_series_are_thinned_but_keep_their_ends():
    run = Run(epoch_records=[{"epoch": i, "loss": float(i)} for i in range(1, 10_001)])
    long = plot.epochs_long(run)
    assert len(long) == plot.MAX_POINTS
    assert long["epoch"].min() == 1 and long["epoch"].max() == 10_000
    # An unthinned chart this long would make Altair refuse the data (5000-row limit).
    plot.metric_chart(run, "loss").to_dict()


def test_findings_are_drawn_as_fit_line_rule_and_band():
    report = synthetic_report()
    run1 = report.log.runs[1]
    chart = plot.metric_chart(run1, "loss", report.run_findings[1] + report.run_findings[0])
    layers = _layers_by_mark(chart)
    # Divergence on loss -> its fitted line; jump on val_loss -> a rule at epoch 6.
    assert layers["rule"][0].data["epoch"].tolist() == [6]
    fit_lines = [l for l in layers["line"] if "fit" in l.data.columns]
    assert len(fit_lines) == 1
    # Plateau belongs to run 0's loss, but metric_chart draws what it is given: a band 7..10.
    assert layers["rect"][0].data[["start", "end"]].values.tolist() == [[7, 10]]


def test_divergence_fit_follows_a_geometric_series():
    report = synthetic_report()
    run1 = report.log.runs[1]
    divergence = report.run_findings[1][0]
    fit = plot.divergence_fit(run1, divergence)
    rel = np.abs(fit["fit"].to_numpy() - np.array(RUN1_LOSS)) / np.array(RUN1_LOSS)
    assert fit["epoch"].tolist() == list(range(1, 11))
    assert rel.max() < 1e-3  # seed 003's run 1 is geometric with factor 2.1609 to four digits


def test_findings_on_other_metrics_are_not_drawn():
    run = Run(epoch_records=[{"epoch": i, "loss": 1.0 / i, "acc": 0.5} for i in range(1, 6)])
    other = Finding(symptom="jump", metric="acc", start_epoch=3, end_epoch=5, confidence=0.9, stats={"epoch": 3})
    chart = plot.metric_chart(run, "loss", [other])
    # Only the values and the hover rule: no layer carries a finding (a symptom) for another metric.
    assert not [layer for layer in chart.layer
                if isinstance(layer.data, pd.DataFrame) and "symptom" in layer.data.columns]
    assert set(_layers_by_mark(plot.metric_chart(run, "loss", [other], interactive=False))) == {"line"}


def test_log_scale_drops_values_a_log_axis_cannot_show():
    run = Run(epoch_records=[{"epoch": 1, "loss": 0.0}, {"epoch": 2, "loss": 1.0}, {"epoch": 3, "loss": 10.0}])
    chart = plot.metric_chart(run, "loss", log_scale=True)
    line = _layers_by_mark(chart)["line"][0]
    data = line.data if isinstance(line.data, pd.DataFrame) else chart.data  # Altair hoists a lone layer's data
    assert data["value"].tolist() == [1.0, 10.0]
    assert chart.to_dict()["layer"][0]["encoding"]["y"]["scale"]["type"] == "log"


def test_steps_chart_places_updates_at_fractional_epochs():
    run = synthetic_report().log.runs[0]
    chart = plot.steps_chart(run)
    assert chart is not None
    positions = chart.data["position"].to_numpy()  # a lone layer's data sits on the layer chart
    assert positions.min() == pytest.approx(0.1) and positions.max() == pytest.approx(10.0)
    assert plot.steps_chart(synthetic_report().log.runs[1]) is None


def test_replay_chart_overlays_replay_on_observed_with_its_error():
    report = synthetic_report()
    cause = report.causes[0]
    chart = plot.replay_chart(cause, epochs=report.log.runs[1].epoch_numbers())
    frame = plot.replay_frame(cause.replay)
    assert set(frame["series"]) == {"observed", "replay"}
    assert len(frame) == 20
    title = chart.to_dict()["title"]
    assert "lr_too_high" in title["text"] and "confirmed" in title["subtitle"]
    assert f"{cause.replay.max_rel_error:.3g}" in title["subtitle"]
    assert plot.replay_chart(report.causes[1]) is None  # no replay, no chart


def test_compare_chart_overlays_runs():
    report = synthetic_report()
    chart = plot.compare_chart(report.log.runs, "loss", log_scale=True)
    assert set(chart.data["run"]) == {"run 0", "run 1"}
    assert len(chart.data) == 20


def test_report_chart_serialises_and_exports():
    chart = plot.report_chart(synthetic_report(), log_scale=True)
    spec = chart.to_dict()
    assert len(spec["vconcat"]) == 3  # run 0 loss, run 1 loss (+val), the replay
    png = plot.to_image(chart, "png")
    svg = plot.to_image(chart, "svg")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.lstrip().startswith(b"<svg") and b"lr_too_high" in svg
    with pytest.raises(ValueError):
        plot.to_image(chart, "gif")  # type: ignore[arg-type]


def test_empty_inputs_still_give_a_chart():
    empty = logsense.Report(log=logsense.Log())
    plot.report_chart(empty).to_dict()
    plot.run_chart(Run()).to_dict()
    assert plot.compare_chart([], "loss").data.empty


def test_seed_003_runs_chart_with_their_printed_values():
    """The real parse of seed 003 feeds the same charts (needs the parser)."""
    log = logsense.parse(SEEDS / "003_9c859962b7b1f775.txt")
    assert len(log.runs) == 2
    long = plot.epochs_long(log.runs[1])
    assert long.loc[long["metric"] == "loss", "value"].tolist() == pytest.approx(RUN1_LOSS)
    report = logsense.diagnose(log)
    pd.testing.assert_series_equal(plot.epochs_long(report.log.runs[0])["value"],
                                   plot.epochs_long(log.runs[0])["value"])
    assert plot.to_image(plot.report_chart(report), "svg").lstrip().startswith(b"<svg")


def test_predictions_chart_draws_one_line_per_pasted_row():
    values = np.array([[0.061, 0.42, 0.20], [0.062, 0.419, 0.201], [0.060, 0.421, 0.199]])
    chart = plot.predictions_chart(logsense.Prediction(line=40, values=values, elided=True))
    assert chart is not None
    assert sorted(chart.data["row"].unique()) == [0, 1, 2] and len(chart.data) == 9
    assert "3 rows x 3" in chart.to_dict()["title"]["text"]
    assert plot.predictions_chart(logsense.Prediction(line=1, values=np.empty((0, 0)))) is None


def test_replay_controls_are_drawn_beside_the_replay():
    report = synthetic_report()
    replay = report.causes[0].replay
    replay.extra["under_fix"] = {"lr": 0.004, "predicted": [278.2 * 0.01 ** k for k in range(10)], "final_weight": 2.0}
    replay.extra["with_clipnorm"] = [300.0] * 10
    replay.extra["epochs"] = list(range(928, 938))
    frame = plot.replay_frame(replay)
    assert list(dict.fromkeys(frame["series"])) == [
        "observed", "replay", "fixed: lr=0.004", "with clipnorm"]
    assert frame["epoch"].min() == 928 and frame["epoch"].max() == 937
    spec = plot.replay_chart(report.causes[0], log_scale=True).to_dict()
    assert len(spec["layer"]) == 3


def test_a_replay_of_a_few_figures_is_drawn_as_bars():
    report = synthetic_report()
    cause = report.causes[0]
    cause.replay = logsense.Replay(metric="loss_ratio", predicted=[3.07], observed=[2.95], max_rel_error=0.04,
                                   tolerance=0.1, confirmed=True)
    spec = plot.replay_chart(cause, epochs=report.log.runs[1].epoch_numbers()).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert plot.replay_frame(cause.replay)["value"].tolist() == [2.95, 3.07]


# ------------------------------------------------------------ issue 15: charts at TensorBoard's level

def test_smoothing_is_tensorboards_debiased_ema():
    y = [10.0, 0.0, 0.0, 0.0]
    w = 0.6
    # TensorBoard: last = last*w + (1-w)*v, divided by 1 - w**n (so the first point is the value itself).
    expected, last = [], 0.0
    for n, v in enumerate(y, 1):
        last = last * w + (1 - w) * v
        expected.append(last / (1 - w ** n))
    assert plot.smooth(y, w).tolist() == pytest.approx(expected)
    assert plot.smooth(y, w)[0] == 10.0
    assert plot.smooth(y, 0.0).tolist() == y
    # A NaN stays where it is and does not poison what follows.
    out = plot.smooth([1.0, float("nan"), 1.0], 0.9)
    assert np.isnan(out[1]) and out[2] == pytest.approx(1.0)


def test_smoothed_chart_keeps_the_raw_values_faintly():
    run = Run(epoch_records=[{"epoch": e, "loss": 1.0 / e + (0.3 if e % 2 else 0.0)} for e in range(1, 21)])
    spec = plot.metric_chart(run, "loss", smoothing=0.8).to_dict()
    fields = [layer.get("encoding", {}).get("y", {}).get("field") for layer in spec["layer"]]
    assert "raw" in fields and "value" in fields
    assert "smoothed 0.8" in spec["title"]


def test_outliers_do_not_set_the_y_range():
    values = [0.5 + 0.01 * np.sin(e) for e in range(1, 60)]
    values[30] = 1e6  # one glitched epoch
    run = Run(epoch_records=[{"epoch": e, "loss": v} for e, v in enumerate(values, 1)])
    y = next(layer for layer in plot.metric_chart(run, "loss").to_dict()["layer"]
             if layer.get("encoding", {}).get("y", {}).get("field") == "value")["encoding"]["y"]
    lo, hi = y["scale"]["domain"]
    assert lo < 0.49 and 0.51 < hi < 1.0 and y["scale"]["clamp"] is True
    # Without an outlier the range is Vega's own.
    clean = Run(epoch_records=[{"epoch": e, "loss": 1.0 / e} for e in range(1, 60)])
    y = plot.metric_chart(clean, "loss").to_dict()["layer"][0]["encoding"]["y"]
    assert "domain" not in y["scale"]


def test_ticks_are_whole_epochs_and_one_number_format_per_axis():
    run = Run(epoch_records=[{"epoch": e, "loss": v} for e, v in zip(range(927, 930), [200.0, 1e6, 5e6])])
    spec = plot.metric_chart(run, "loss").to_dict()
    line = next(layer for layer in spec["layer"] if layer.get("encoding", {}).get("y", {}).get("field") == "value")
    assert line["encoding"]["x"]["axis"] == {"format": "d", "tickMinStep": 1}
    assert plot.number_format([200.0, 1e6]) == ".2~e"  # never 1e+6 beside 200
    assert plot.number_format([0.2, 0.5, 12.0]) == ",.4~r"


def test_nan_and_inf_epochs_are_marked_on_the_chart():
    run = Run(epoch_records=[{"epoch": 1, "loss": 1.0}, {"epoch": 2, "loss": float("nan")},
                             {"epoch": 3, "loss": float("inf")}, {"epoch": 4, "loss": 0.5}])
    bad = plot.nonfinite_long(run)
    assert bad[["epoch", "label"]].values.tolist() == [[2, "NaN"], [3, "inf"]]
    spec = plot.metric_chart(run, "loss").to_dict()
    marks = [layer.get("mark", {}).get("shape") for layer in spec["layer"] if isinstance(layer.get("mark"), dict)]
    assert "cross" in marks
    texts = [layer for layer in spec["layer"] if layer.get("encoding", {}).get("text", {}).get("field") == "label"]
    assert len(texts) == 1


def test_hover_shows_every_run_at_the_epoch():
    runs = [Run(index=i, epoch_records=[{"epoch": e, "loss": (1.0 + i) / e} for e in range(1, 6)]) for i in range(3)]
    spec = plot.compare_chart(runs, "loss", names={0: "lr=0.1", 1: "lr=0.01", 2: "lr=0.001"}).to_dict()
    rule = next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule")
    titles = [t["title"] for t in rule["encoding"]["tooltip"]]
    assert titles == ["epoch", "lr=0.001", "lr=0.01", "lr=0.1"]
    assert any(p.get("select", {}).get("nearest") for p in spec.get("params", []))


def test_replay_subtitle_never_contradicts_its_numbers():
    within = logsense.Replay("loss", [1.0], [1.0], 0.011, 0.05, status="confirmed")
    assert plot.replay_subtitle(within) == "max relative error 0.011 (tolerance 0.05), confirmed"
    shape = logsense.Replay("loss", [1.0], [1.0], 0.011, 0.05, status="consistent")
    assert "consistent: the shape, not the printed numbers" in plot.replay_subtitle(shape)
    off = logsense.Replay("loss", [1.0], [1.0], 2.44, 0.05, status="contradicted")
    assert plot.replay_subtitle(off).endswith("contradicted")
    odd = logsense.Replay("loss", [1.0], [1.0], 0.01, 0.05, status="contradicted")
    assert "does not apply" in plot.replay_subtitle(odd)


def test_no_layer_without_data_so_vega_never_warns_of_an_infinite_extent():
    report = synthetic_report()
    cause = report.causes[0]
    spec = plot.replay_chart(cause, epochs=report.log.runs[1].epoch_numbers()).to_dict()
    assert len(spec["layer"]) == 2  # replay and observed: no empty controls layer
    for layer in spec["layer"]:
        assert "transform" not in layer
    datasets = spec["datasets"]
    assert all(len(rows) > 0 for rows in datasets.values())


def test_bar_replays_have_no_log_axis_and_one_number_is_no_chart():
    cause = logsense.Cause("saturated_logits", 0.9, runs=[0], replay=logsense.Replay(
        metric="loss_ratio", predicted=[3.07], observed=[2.95], max_rel_error=0.04, tolerance=0.1, confirmed=True))
    assert plot.replay_is_bars(cause.replay)
    spec = plot.replay_chart(cause, log_scale=True).to_dict()
    assert spec["encoding"]["y"]["scale"].get("type") is None
    assert plot.predictions_chart(logsense.Prediction(line=3, values=np.array([[0.5]]))) is None


def test_the_steps_chart_has_a_step_axis():
    run = synthetic_report().log.runs[0]
    spec = plot.steps_chart(run, x="step").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["field"] == "global_step"
    steps = plot.steps_long(run)
    assert steps["global_step"].is_monotonic_increasing or steps.groupby("metric")["global_step"].apply(
        lambda s: s.is_monotonic_increasing).all()
