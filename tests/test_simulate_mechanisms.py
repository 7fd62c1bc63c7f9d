"""Penalty at init, softmax regression on unscaled inputs, collapse and the Adam shock."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from logsense.simulate.collapse import simulate_collapse
from logsense.simulate.instability import simulate_shock
from logsense.simulate.penalty import decayed_epoch_means, expected_sq_norm, layer_penalties, penalty_at_init
from logsense.simulate.softmax import overlapping_classes, train_softmax_regression

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "keras"


def _dense(fan_in: int, units: int, l2: float, **kw) -> dict:
    return {"type": "Dense", "input_dim": fan_in, "units": units, "regularizers": {"kernel": {"l2": l2}}, **kw}


def test_seed000_penalty_at_init():
    layers = [_dense(6000, 512, 1e-3), _dense(6000, 512, 1e-3), _dense(1024, 256, 1e-3), _dense(256, 1, 1e-3)]
    terms = layer_penalties(layers)
    assert [round(t.sum_sq, 1) for t in terms] == [943.5, 943.5, 409.6, 2.0]
    assert penalty_at_init(layers) == pytest.approx(2.30, abs=0.005)
    assert penalty_at_init([_dense(6000, 512, 0.0)]) == 0.0


def test_initialiser_scales():
    assert expected_sq_norm(100, 50, "he_normal") == pytest.approx(100.0)
    assert expected_sq_norm(100, 50, "lecun_uniform") == pytest.approx(50.0)
    assert expected_sq_norm(20, 80, "orthogonal") == 20.0
    with pytest.raises(ValueError):
        expected_sq_norm(3, 3, "my_custom_init")
    # a drawn glorot matrix concentrates on its expectation
    rng = np.random.default_rng(1)
    lim = np.sqrt(6 / (600 + 300))
    drawn = float(np.sum(rng.uniform(-lim, lim, (600, 300)) ** 2))
    assert drawn == pytest.approx(expected_sq_norm(600, 300, "glorot_uniform"), rel=0.01)


def test_lstm_penalty_counts_kernel_recurrent_and_forget_bias():
    reg = {k: {"l2": 0.01} for k in ("kernel", "recurrent", "bias")}
    lstm = {"type": "LSTM", "units": 20, "input_dim": 7, "regularizers": reg}
    terms = {t.tensor: t.sum_sq for t in layer_penalties([lstm])}
    assert terms["kernel"] == pytest.approx(2 * 7 * 80 / 87)
    assert terms["recurrent"] == 20.0 and terms["bias"] == 20.0


@pytest.mark.parametrize("framework", ["keras3", "tfkeras"])
def test_penalty_matches_real_keras_l2_fixture(framework: str):
    meta_path = FIXTURES / framework / "l2_on" / "meta.json"
    meta = json.loads(meta_path.read_text())
    sizes, lam = meta["setup"]["layers"], meta["setup"]["l2"]
    layers = [_dense(a, b, lam) for a, b in zip(sizes, sizes[1:])]
    assert penalty_at_init(layers) == pytest.approx(meta["runs"][0]["penalty_at_init"], rel=0.01)


def test_decayed_epoch_means():
    means = decayed_epoch_means(2.0, 0.5, 3)
    assert means[0] < 2.0 and means[1] == pytest.approx(means[0] / 2)
    assert decayed_epoch_means(2.0, 1.0, 2) == [2.0, 2.0]


def test_softmax_loss_scales_with_lr_only_on_unscaled_inputs():
    x, y = overlapping_classes()
    raw = [train_softmax_regression(x, y, lr, epochs=1) for lr in (0.01, 0.03)]
    norm = [train_softmax_regression(x, y, lr, scale=255.0, epochs=1) for lr in (0.01, 0.03)]
    ratio = raw[1].loss[0] / raw[0].loss[0]
    assert 2.7 < ratio < 3.3
    assert raw[0].loss[0] > 100
    assert abs(raw[0].accuracy[0] - raw[1].accuracy[0]) < 0.03
    assert 0.8 < norm[1].loss[0] / norm[0].loss[0] < 1.2
    assert norm[0].loss[0] < 5


def test_collapse_reaches_target_means_and_variance():
    means = [0.4084, 0.4155, 0.3331, 0.06274, 0.1889]
    sim = simulate_collapse(means)
    assert np.max(np.abs(sim.column_means - sim.target_means)) < 0.01
    assert sim.ratio < 0.15
    assert sim.mse == pytest.approx(float(np.mean(sim.target_var)), rel=0.05)


def test_shock_shifts_the_level_and_clipping_removes_it():
    base = simulate_shock([2.5], shock_at=[0.5], window_epochs=10, shock_epoch=6)
    clipped = simulate_shock([2.5], shock_at=[0.5], window_epochs=10, shock_epoch=6, clipnorm=0.1)
    lower_lr = simulate_shock([2.5], shock_at=[0.5], window_epochs=10, shock_epoch=6, lr=1e-4)
    before, after = base.excess[0, :6].mean(), base.excess[0, 7:].mean()
    assert after > 50 * before
    assert base.excess[0, -1] > 0.5 * base.excess[0, 7]  # no quick recovery
    assert clipped.excess[0, 7:].mean() < 0.1 * after
    assert lower_lr.excess[0, 7:].mean() < 0.1 * after


def test_bce_on_targets_above_one_runs_the_sigmoid_to_the_clip_and_freezes_there():
    import math

    from logsense.simulate.bce_targets import mean_target_at_least, pinned_loss, train_bias_sigmoid

    sim = train_bias_sigmoid(np.arange(10))  # digits 0..9 read as targets, balanced
    assert sim.pinned_from == 1 and sim.loss[-1] == sim.loss[-2]  # no gradient past the clip: frozen
    # float32 1 - 1e-7 is 1 - 1.19e-7: each sample costs -(y - 1) x 15.94, mean target 4.5 -> -55.80
    assert abs(sim.loss[-1] - (-3.5 * -math.log(1 - np.float32(1 - 1e-7)))) < 1e-3
    assert abs(sim.accuracy[-1] - 0.1) < 1e-9  # round(p) = 1 matches only the label 1
    # the closed forms: the least mean target a negative loss allows, and the loss at the clip
    assert abs(mean_target_at_least(pinned_loss(4.5)) - 4.5) < 1e-9
    assert pinned_loss(0.5) > 0 and pinned_loss(4.5) < -50
