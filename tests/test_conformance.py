"""One battery of checks over every registered detector and cause, as scikit-learn's
``parametrize_with_checks`` holds every estimator to the same rules.

A new detector or cause added to `logsense.detect.DETECTORS` or
`logsense.causes.REGISTRY` is checked here without anyone writing new tests: it
must not raise on empty, tiny, NaN-only, huge-valued or very long runs; its
stats must be strict JSON; confidences must lie in [0, 1]; a cause must give
evidence and a fix; a replay must carry one of the contract's states.
"""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import seeds

import logsense
from logsense import detect
from logsense.causes import REGISTRY, REPLAY_STATES, LogCause, RunCause
from logsense.causes.base import CONFIRMED, run_context
from logsense.detect.base import LogDetector, RunDetector, SeriesDetector
from logsense.findings import VIEWS, Finding
from logsense.log import Log, Prediction, Run, jsonable


def _run(series: dict[str, list[float]], index: int = 0, **meta) -> Run:
    n = max((len(v) for v in series.values()), default=0)
    records = [{"epoch": i + 1, **{k: v[i] for k, v in series.items() if i < len(v)}} for i in range(n)]
    return Run(index=index, epoch_records=records, meta=dict(meta))


_rng = np.random.default_rng(7)
REAL_POSTS = Path(__file__).resolve().parent.parent / "fixtures" / "real_posts" / "posts"
#: Runs no detector or cause may stumble over.
AWKWARD = {
    "empty": _run({}),
    "one_epoch": _run({"loss": [0.7], "val_loss": [0.8]}),
    "two_epochs": _run({"loss": [0.7, 0.6], "accuracy": [0.5, 0.6]}),
    "nan_only": _run({"loss": [math.nan] * 6, "val_loss": [math.nan] * 6}),
    "inf_only": _run({"loss": [math.inf] * 5, "val_loss": [-math.inf] * 5}),
    "huge_values": _run({"loss": [1e300, 1e305, 1e308, 1.7e308], "val_loss": [1e300] * 4}),
    "tiny_values": _run({"loss": [1e-300, 5e-324, 0.0, 1e-310], "val_loss": [0.0] * 4}),
    "constant": _run({"loss": [0.6931] * 40, "accuracy": [0.5] * 40, "val_loss": [0.6931] * 40}),
    "negative": _run({"loss": [-1.5, -2.5, -3.0, -7.0], "val_loss": [-1.0, -1.0, -2.0, -3.0]}),
    "long": _run({"loss": list(np.exp(-np.arange(5000) / 800) + _rng.normal(0, 1e-3, 5000)),
                  "val_loss": list(np.exp(-np.arange(5000) / 700) + 0.01)}),
    "steps_only": Run(index=0, step_records=[{"epoch": 1, "step": s, "total": 10, "eta_seconds": 1.0, "loss": 0.5}
                                            for s in range(1, 10)]),
}
AWKWARD_LOGS = {
    **{name: Log(runs=[run]) for name, run in AWKWARD.items()},
    "two_runs_one_empty": Log(runs=[AWKWARD["empty"], _run({"loss": [3.0, 2.0, 1.0]}, index=1)],
                              context={"lr": 0.01}),
    "predictions_only": Log(predictions=[Prediction(line=1, values=np.full((4, 3), 0.5))]),
    "predictions_nan": Log(predictions=[Prediction(line=1, values=np.array([[np.nan, 1.0], [np.inf, 2.0]]))]),
}
HOSTILE_CONTEXT = {"lr": 1e308, "batch_size": 10**12, "loss": "categorical_crossentropy", "l2": 1e300,
                   "output_activation": "sigmoid", "layers": [{"type": "Dense", "units": 10**9, "params": 10**18}],
                   "data": {"x_values": [1e308, -1e308], "n_samples": 10**15}, "dataset": {"input_max": 1e308}}


def _check_finding(f: Finding) -> None:
    assert isinstance(f.symptom, str) and f.symptom
    assert 0.0 <= f.confidence <= 1.0, f
    json.dumps(jsonable(f.to_dict()), allow_nan=False)


def _fit(cls, log: Log) -> list[Finding]:
    found: list[Finding] = []
    if issubclass(cls, SeriesDetector):
        for run in log.runs:
            for metric in run.metrics:
                found += cls().fit(run.series(metric), run.epoch_numbers(), metric=metric, run=run.index).findings()
    elif issubclass(cls, RunDetector):
        for run in log.runs:
            found += cls().fit(run).findings()
    elif issubclass(cls, LogDetector):
        found += cls().fit(log).findings()
    else:  # pragma: no cover - a detector of a fourth kind would need its own input here
        raise AssertionError(f"{cls.__name__} is no Series-, Run- or LogDetector")
    return found


@pytest.mark.parametrize("cls", detect.DETECTORS + detect.FALLBACKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", sorted(AWKWARD_LOGS))
def test_detector_holds_on_awkward_input(cls, name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # numpy's overflow/invalid warnings count as sloppiness
        found = _fit(cls, AWKWARD_LOGS[name])
    for f in found:
        _check_finding(f)
        assert f.symptom == cls.symptom


def test_every_symptom_has_one_detector() -> None:
    assert sorted(cls.symptom for cls in detect.DETECTORS) == sorted(
        ["nan", "divergence", "jump", "oscillation", "plateau", "overfitting", "train_val_gap",
         "loss_out_of_range", "lr_scaled_loss", "collapse"])


def _findings_for(cls, log: Log) -> list[Finding]:
    """What the detectors see, plus one finding with no stats for every symptom the cause explains
    (a finding's stats are read, never trusted)."""
    rf = {r.index: detect.detect_run(r, []) for r in log.runs}
    found = [f for fs in rf.values() for f in fs] + detect.detect_log(log, rf)
    runs = [r.index for r in log.runs] or [0]
    found += [Finding(symptom, 0.9, metric="loss", start_epoch=1, end_epoch=2, run=runs[0], runs=runs)
              for symptom in cls.explains]
    return found


def _check_cause(cause, cls) -> None:
    assert cause.cause == cls.id
    assert 0.0 <= cause.confidence <= 1.0
    assert cause.evidence.strip() and cause.fix.strip(), cause
    assert cause.replay_status in REPLAY_STATES
    json.dumps(jsonable(cause.to_dict()), allow_nan=False)
    if cause.replay is not None:
        assert cause.replay.status != "not_run" and cause.replay.note.strip()
        assert cause.replay.confirmed == (cause.replay.status == CONFIRMED)


def _assess(cls, log: Log, context: dict | None):
    model = cls(log)
    found = _findings_for(cls, log)
    if issubclass(cls, LogCause):
        return [model.assess(log, found, dict(context if context is not None else log.context))]
    assert issubclass(cls, RunCause), f"{cls.__name__} must be a RunCause or a LogCause"
    return [model.assess(run, [f for f in found if f.run == run.index or run.index in f.runs],
                         dict(context) if context is not None else run_context(log, run)) for run in log.runs]


@pytest.mark.parametrize("cls", REGISTRY, ids=lambda c: c.id)
@pytest.mark.parametrize("name", sorted(AWKWARD_LOGS))
@pytest.mark.parametrize("hostile", [False, True], ids=["plain", "hostile_setup"])
def test_cause_holds_on_awkward_input(cls, name: str, hostile: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for cause in _assess(cls, AWKWARD_LOGS[name], HOSTILE_CONTEXT if hostile else None):
            if cause is not None:
                _check_cause(cause, cls)


def _real_logs() -> list[Log]:
    logs = [logsense.parse(seeds.path(p)) for p in seeds.PREFIXES]
    import keras_catalog

    for folder in keras_catalog.scenario_dirs():
        logs.append(logsense.parse(folder / "pasted.txt"))
    # Real forum posts (fixtures/real_posts): the causes people hit, the unexplained fallback among them.
    logs += [logsense.parse(p) for p in sorted(REAL_POSTS.glob("*.txt"))]
    # A single-output regression collapsed to one value (the seeds only paste multi-output arrays).
    same = 0.3125 + _rng.normal(0, 1e-4, (8, 1))
    logs.append(Log(predictions=[Prediction(line=1, values=same)], context={"loss": "mse"}))
    return logs


@pytest.fixture(scope="module")
def real_reports() -> list[logsense.Report]:
    return [logsense.diagnose(log) for log in _real_logs()]


def test_every_cause_on_real_logs_keeps_the_rules(real_reports) -> None:
    by_id = {cls.id: cls for cls in REGISTRY}
    seen = set()
    for report in real_reports:
        for f in report.findings:
            _check_finding(f)
        for cause in report.causes:
            _check_cause(cause, by_id[cause.cause])
            seen.add(cause.cause)
    assert seen == set(by_id) - {"loss_activation_mismatch"} or seen == set(by_id), sorted(set(by_id) - seen)


def test_the_stats_views_read_keys_the_detectors_write(real_reports) -> None:
    written: dict[str, set[str]] = {}
    for report in real_reports:
        for f in report.findings:
            written.setdefault(f.symptom, set()).update(f.stats)
    for symptom, view in VIEWS.items():
        if symptom in written:
            missing = set(view.keys()) - written[symptom]
            assert not missing, f"{view.__name__} reads {sorted(missing)}, which no {symptom} finding writes"
