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
    assert set(_layers_by_mark(plot.metric_chart(run, "loss", [other]))) == {"line"}


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
