"""Each detector on hand-built runs: what it must find, what it must leave alone, bad input."""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from logsense.detect import (
    CollapseDetector,
    DivergenceDetector,
    JumpDetector,
    LossRangeDetector,
    LrScaledLossDetector,
    NanDetector,
    OscillationDetector,
    OverfittingDetector,
    PlateauDetector,
    TrainValGapDetector,
    detect_log,
    detect_run,
)
from logsense.detect.plateau import chance_level
from logsense.log import Log, Prediction, Run, jsonable


def run_of(index: int = 0, context: dict | None = None, first: int = 1, **series) -> Run:
    n = len(next(iter(series.values())))
    return Run(index=index, epoch_records=[{"epoch": first + i, **{k: v[i] for k, v in series.items()}}
                                           for i in range(n)], context=dict(context or {}))


def decay(n: int, start: float = 2.0, floor: float = 0.2, tau: float = 5.0, noise: float = 0.01,
          seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (floor + (start - floor) * np.exp(-t / tau)) * np.exp(rng.normal(0, noise, n))


# --- divergence -------------------------------------------------------------------------------

def test_divergence_after_convergence_is_fitted_from_the_minimum():
    y = np.r_[decay(15, noise=0.0), 0.25 * 1.5 ** np.arange(1, 12)]
    (f,) = DivergenceDetector().fit(y).findings()
    assert f.start_epoch == 16 - 1 or f.start_epoch == 15
    assert f.stats["growth_factor"] == pytest.approx(1.5, rel=0.02)
    assert f.stats["growth_ci"][0] <= 1.5 <= f.stats["growth_ci"][1] or f.stats["r2"] > 0.99


def test_overflow_to_inf_is_explosive_divergence():
    y = [1.0, 10.0, 100.0, 1e4, 1e8, math.inf, math.inf]
    (f,) = DivergenceDetector().fit(y).findings()
    assert f.stats["explosive"] is True and f.stats["inf_epoch"] == 6 and f.end_epoch == 7


def test_slow_drift_and_decay_are_not_divergence():
    assert DivergenceDetector().fit(decay(40)).findings() == []
    assert DivergenceDetector().fit(1.0 + 0.002 * np.arange(50)).findings() == []  # +10% overall


# --- nan ---------------------------------------------------------------------------------------

def test_nan_located_to_epoch_and_step_from_the_bar():
    run = run_of(loss=[0.5, 0.4, math.nan, math.nan])
    run.step_records = [{"epoch": 3, "step": 10, "total": 40, "loss": 0.39},
                        {"epoch": 3, "step": 20, "total": 40, "loss": 0.41},
                        {"epoch": 3, "step": 30, "total": 40, "loss": math.nan}]
    (f,) = NanDetector().fit(run).findings()
    assert f.stats["epoch"] == 3 and f.stats["step"] == 30 and f.stats["after_step"] == 20
    assert f.stats["deaveraged"] is True
    assert f.stats["last_finite_batch_mean"] == pytest.approx((20 * 0.41 - 10 * 0.39) / 10)
    assert f.confidence > 0.9


def test_no_nan_no_finding():
    assert NanDetector().fit(run_of(loss=[1.0, 0.5])).findings() == []


# --- jump --------------------------------------------------------------------------------------

@pytest.mark.parametrize("at", [8, 20, 33])
def test_planted_step_is_found_at_its_epoch(at):
    y = decay(40, seed=at)
    y[at - 1:] *= 1.6
    (f,) = JumpDetector().fit(y).findings()
    assert f.start_epoch == at and f.stats["direction"] == "up" and f.stats["p_value"] < 0.01
    # Early on the curve is still falling fast enough to get back below its pre-jump level.
    assert f.stats["recovered"] is (at < 20)


def test_jump_that_decays_back_is_recovered():
    y = np.full(40, 0.5) * np.exp(np.random.default_rng(1).normal(0, 0.005, 40))
    y[20:] *= np.exp(0.5 * np.exp(-np.arange(20) / 2.0))
    (f,) = JumpDetector().fit(y).findings()
    assert f.start_epoch == 21 and f.stats["recovered"] is True and f.stats["recovery_epoch"] > 21


def test_downward_shift_only_when_asked():
    y = np.r_[np.full(15, 1.0), np.full(15, 0.5)] * np.exp(np.random.default_rng(2).normal(0, 0.01, 30))
    assert JumpDetector().fit(y).findings() == []
    (f,) = JumpDetector(directions=("up", "down")).fit(y).findings()
    assert f.stats["direction"] == "down" and f.start_epoch == 16


def test_within_epoch_deaveraging_is_reported_for_jumps():
    loss = [0.35, 0.351, 0.349, 0.352, 0.35, 0.351, 0.42, 0.43, 0.425, 0.428]
    run = run_of(loss=loss)
    run.step_records = [{"epoch": 7, "step": 80, "total": 100, "loss": 0.40}]
    (f,) = [f for f in detect_run(run) if f.symptom == "jump"]
    assert f.stats["deaveraged"] is True
    last = f.stats["onset_epoch_segments"][-1]
    assert last["mean"] == pytest.approx((100 * 0.42 - 80 * 0.40) / 20, abs=1e-9)


# --- plateau -----------------------------------------------------------------------------------

def test_stuck_at_ln2_inferred_from_accuracy():
    rng = np.random.default_rng(3)
    run = run_of(loss=list(0.6932 + rng.normal(0, 0.0005, 12)), acc=list(0.5 + rng.normal(0, 0.004, 12)))
    assert chance_level(run, "loss")[0] == pytest.approx(math.log(2))
    (f,) = [f for f in detect_run(run) if f.symptom == "plateau"]
    assert f.stats["stuck"] is True and f.stats["chance_level"] == pytest.approx(0.693147, abs=1e-6)


def test_converged_run_is_not_a_plateau():
    assert PlateauDetector().fit(decay(60, tau=3)).findings() == []


def test_no_progress_at_all_is_a_plateau_but_not_stuck_without_a_chance_level():
    (f,) = PlateauDetector().fit(np.full(20, 1.3) * np.exp(np.random.default_rng(4).normal(0, 0.002, 20))).findings()
    assert f.stats["stuck"] is False and f.stats["rel_change"] < 0.03


# --- oscillation ------------------------------------------------------------------------------

def test_zigzag_oscillates_and_smooth_decay_does_not():
    base = decay(30, noise=0.0)
    y = base * np.exp(0.3 * (-1.0) ** np.arange(30))
    (f,) = OscillationDetector().fit(y).findings()
    assert f.stats["sign_change_rate"] == 1.0 and f.stats["amplitude"] == pytest.approx(0.3, rel=0.1)
    assert OscillationDetector().fit(decay(30, noise=0.02)).findings() == []


def test_independent_noise_reverses_at_two_thirds_and_is_not_oscillation_unless_it_doubles_the_loss():
    rng = np.random.default_rng(7)
    base = decay(200, noise=0.0)
    noisy = base * np.exp(rng.normal(0, 0.4, 200))  # i.i.d. noise: swings ~20 %, reversals ~2/3
    assert OscillationDetector().fit(noisy).findings() == []
    # the same noise level as a regular bounce: reversals far above 2/3
    bounce = base * np.exp(0.2 * (-1.0) ** np.arange(200) * rng.uniform(0.6, 1.0, 200))
    (f,) = OscillationDetector().fit(bounce).findings()
    assert f.stats["p_vs_noise"] < 1e-6
    # noise whose typical step more than doubles or halves the loss is flagged whatever its rhythm
    wild = base * np.exp(rng.normal(0, 1.2, 200))
    (g,) = OscillationDetector().fit(wild).findings()
    assert g.stats["amplitude"] >= 0.5 * np.log(2) and g.stats["p_vs_noise"] > 0.3


# --- overfitting and gap ------------------------------------------------------------------------

def test_overfitting_parts_where_validation_turns():
    train = decay(40, noise=0.005)
    val = decay(40, noise=0.005, seed=1) * 1.1
    val[15:] = val[15] * (1 + 0.03 * np.arange(25))
    (f,) = OverfittingDetector().fit(run_of(loss=train, val_loss=val)).findings()
    assert abs(f.stats["part_epoch"] - 16) <= 1
    assert f.stats["val_slope"] > 0 > f.stats["train_slope"]


def test_early_stopped_run_overfits_over_its_last_epochs_only_if_stopped_early():
    loss, val = [0.4447, 0.1698, 0.0837, 0.0511], [0.3504, 0.3155, 0.3593, 0.3908]
    assert OverfittingDetector().fit(run_of(loss=loss, val_loss=val)).findings() == []
    run = run_of(loss=loss, val_loss=val)
    run.meta["declared_epochs"] = 30
    (f,) = OverfittingDetector().fit(run).findings()
    assert f.stats["part_epoch"] == 2 and 0.5 < f.confidence < 0.7


def test_both_curves_jumping_is_not_overfitting():
    train, val = decay(40, noise=0.005), decay(40, noise=0.005, seed=1) * 1.1
    train[25:] *= 1.5
    val[25:] *= 1.5
    assert OverfittingDetector().fit(run_of(loss=train, val_loss=val)).findings() == []


def test_gap_needs_train_above_val():
    assert TrainValGapDetector().fit(run_of(loss=decay(20), val_loss=decay(20) * 1.1)).findings() == []
    (f,) = TrainValGapDetector().fit(run_of(loss=decay(20) * 1.5, val_loss=decay(20, seed=1))).findings()
    assert f.stats["raw_ratio"] == pytest.approx(1.5, rel=0.05)
    assert f.stats["ratio"] < f.stats["raw_ratio"]  # against mid-epoch validation, which is higher


def test_epoch_average_lag_alone_is_not_a_gap():
    # The printed training loss averages a falling loss over the epoch; validation is
    # measured at the end. Simulate exactly that: no generalisation gap at all.
    t = np.arange(0, 20, 0.01)
    loss = 0.1 + 2.0 * np.exp(-t / 2.0)
    train = loss.reshape(20, 100).mean(axis=1)
    val = loss.reshape(20, 100)[:, -1]
    assert np.mean(train > val) == 1.0
    assert TrainValGapDetector().fit(run_of(loss=train, val_loss=val)).findings() == []


# --- loss range --------------------------------------------------------------------------------

def test_sigmoid_mse_above_one_and_negative_ce():
    mse = run_of(context={"loss": "mse", "output_activation": "sigmoid"}, loss=[1.4, 1.2, 1.1])
    (f,) = LossRangeDetector().fit(mse).findings()
    assert f.stats["bound"] == 1.0 and f.stats["value"] == 1.4 and f.stats["n_epochs_out"] == 3
    neg = run_of(context={"loss": "binary_crossentropy"}, loss=[0.3, -0.2, -0.4])
    (g,) = LossRangeDetector().fit(neg).findings()
    assert g.stats["bound"] == 0.0 and g.stats["value"] == -0.4 and g.start_epoch == 2


@pytest.mark.parametrize("classes", [{"num_classes": 10}, {"dataset": {"name": "mnist", "classes": 10}},
                                     {"layers": [{"type": "Flatten"}, {"type": "Dense", "units": 10}]}])
def test_accuracy_and_class_count_tighten_the_ce_bound(classes):
    run = run_of(context={"loss": "categorical_crossentropy", **classes}, loss=[6.0, 5.0], accuracy=[0.9, 0.92])
    (f,) = LossRangeDetector().fit(run).findings()
    assert f.stats["bound"] == pytest.approx(0.9 * math.log(10) + 0.1 * 16.118, abs=1e-3)


def test_no_bound_for_logits_or_unknown_losses():
    assert LossRangeDetector().fit(run_of(context={"loss": "categorical_crossentropy", "from_logits": True},
                                          loss=[300.0, 200.0])).findings() == []
    assert LossRangeDetector().fit(run_of(loss=[300.0, 200.0])).findings() == []  # no accuracy: unknown loss
    assert LossRangeDetector().fit(run_of(context={"loss": "cosine_similarity"}, loss=[-0.9, -0.95])).findings() == []


# --- across runs and predictions ------------------------------------------------------------------

def test_constant_multiple_with_matching_accuracy_without_lrs():
    base, acc = decay(10), np.linspace(0.8, 0.9, 10)
    log = Log(runs=[run_of(0, loss=base, accuracy=acc), run_of(1, loss=base * 4.0, accuracy=acc + 0.001)])
    (f,) = LrScaledLossDetector().fit(log).findings()
    assert f.runs == [0, 1] and f.stats["loss_ratio"] == pytest.approx(4.0) and f.stats["lr_ratio"] is None


def test_different_accuracy_or_similar_losses_are_not_lr_scaled():
    base = decay(10)
    acc = np.linspace(0.5, 0.9, 10)
    log = Log(runs=[run_of(0, loss=base, accuracy=acc), run_of(1, loss=base * 4.0, accuracy=acc - 0.2)])
    assert LrScaledLossDetector().fit(log).findings() == []
    log = Log(runs=[run_of(0, loss=base, accuracy=acc), run_of(1, loss=base * 1.1, accuracy=acc)])
    assert LrScaledLossDetector().fit(log).findings() == []


def test_one_stray_epoch_does_not_hide_a_constant_multiple_but_a_drifting_ratio_is_not_one():
    base, acc = decay(6), np.linspace(0.1, 0.7, 6)
    steady = np.array([2.90, 3.04, 2.96, 3.08, 3.34, 4.69])  # tf.keras, unscaled images, lr 0.03 vs 0.01
    log = Log(runs=[run_of(0, loss=base, accuracy=acc), run_of(1, loss=base * steady, accuracy=acc + 0.01)])
    (f,) = LrScaledLossDetector().fit(log).findings()
    assert f.stats["loss_ratio"] == pytest.approx(3.06, abs=0.01) and f.stats["log_ratio_spread"] < 0.15
    drifting = np.geomspace(1.6, 6.0, 6)  # the multiple grows epoch by epoch: not a constant one
    log = Log(runs=[run_of(0, loss=base, accuracy=acc), run_of(1, loss=base * drifting, accuracy=acc)])
    assert LrScaledLossDetector().fit(log).findings() == []


def test_collapse_only_for_near_identical_rows():
    rng = np.random.default_rng(5)
    varied = Log(predictions=[Prediction(line=1, values=rng.uniform(0, 1, (8, 4)))])
    assert CollapseDetector().fit(varied).findings() == []
    # One output per sample (a regression): the same value for every row is the plainest collapse there
    # is; a spread of a few percent of the value is a model that uses its inputs.
    single = Log(predictions=[Prediction(line=1, values=np.full((8, 1), 0.5))])
    (found,) = CollapseDetector().fit(single).findings()
    assert found.stats["relative_spread"] == 0 and found.stats["shape"] == [8, 1]
    spread = Log(predictions=[Prediction(line=1, values=rng.uniform(0.45, 0.55, (8, 1)))])
    assert CollapseDetector().fit(spread).findings() == []


# --- interface and bad input ------------------------------------------------------------------------

def test_findings_before_fit_is_an_error():
    with pytest.raises(RuntimeError):
        JumpDetector().findings()


@pytest.mark.parametrize("records", [
    [],
    [{"epoch": 1}],
    [{"epoch": 1, "loss": None}, {"epoch": 2, "loss": "abc"}],
    [{"epoch": 1, "loss": math.nan}] * 5,
    [{"epoch": i, "loss": 0.0, "val_loss": 0.0} for i in range(10)],
    [{"epoch": i, "loss": -1.0 * i, "accuracy": 2.0} for i in range(10)],
    [{"epoch": 1, "loss": 1.0}, {"epoch": 1, "loss": 1.0}, {"epoch": 1, "loss": 2.0}],
])
def test_odd_runs_give_a_result_not_a_traceback(records):
    run = Run(index=0, epoch_records=records)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no detector may even fail quietly on these
        found = detect_run(run) + detect_log(Log(runs=[run, run]), {})
    json.dumps(jsonable([f.to_dict() for f in found]), allow_nan=False)


def test_every_finding_is_json_with_confidence_in_unit_interval():
    from logsense.datasets import KINDS, make
    for kind in KINDS:
        for seed in range(5):
            for f in detect_run(make(kind, seed).run):
                assert 0.0 <= f.confidence <= 1.0 and f.message and f.metric
                json.dumps(jsonable(f.to_dict()), allow_nan=False)


def test_frozen_loss_is_a_plateau():
    run = run_of(loss=[7.0452, 6.1031, 6.1031, 6.1031, 6.1031, 6.1031], accuracy=[0.099] * 6)
    (f,) = [f for f in detect_run(run) if f.symptom == "plateau"]
    assert f.stats["frozen"] is True and f.start_epoch == 2 and f.stats["n_epochs"] == 5
    assert f.stats["stuck"] is False  # 6.1 is not ln 10


def test_a_two_epoch_paste_of_one_printed_loss_is_frozen_and_two_values_are_not():
    (f,) = PlateauDetector().fit(np.array([7.6561, 7.6561])).findings()
    assert f.stats["frozen"] is True and f.stats["n_epochs"] == 2 and f.confidence == pytest.approx(0.5)
    assert PlateauDetector().fit(np.array([7.6561, 7.6012])).findings() == []
    assert PlateauDetector().fit(np.array([0.0004, 0.0004])).findings() == []  # converged to ~0, not frozen
    # a value carried forward over unlogged epochs (HF "No log") is not a two-epoch paste
    assert PlateauDetector().fit(np.array([np.nan, np.nan, np.nan, 1.4118, 1.4118])).findings() == []


def test_a_loss_that_rises_epoch_after_epoch_is_a_sustained_divergence():
    """Training reverses (1.09 -> 1.24 over five rises): too slow for the geometric test, still a symptom."""
    y = np.array([1.587, 1.302, 1.151, 1.0933, 1.1043, 1.1402, 1.1855, 1.2136, 1.2371])
    (f,) = DivergenceDetector().fit(y, np.arange(1, 10, dtype=float), metric="loss").findings()
    assert f.stats["sustained_rise"] and (f.start_epoch, f.end_epoch) == (4, 9)
    assert f.stats["p_value"] == pytest.approx(1 / 720, rel=1e-2) and f.confidence < 0.8


@pytest.mark.parametrize("y", [
    [1.0, 0.8, 0.7, 0.71, 0.72, 0.73, 0.74],   # five rises but only 4 % in all: noise at a floor
    [1.0, 0.8, 0.9, 0.85, 1.0, 0.95, 1.1],     # up and down
])
def test_small_or_broken_rises_are_no_divergence(y):
    assert DivergenceDetector().fit(np.array(y), np.arange(1, len(y) + 1, dtype=float), metric="loss").findings() == []
