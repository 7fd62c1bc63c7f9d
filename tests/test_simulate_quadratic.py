"""The one-weight GD simulator: curvature, loss factors and inferred initial weights."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logsense.simulate.quadratic import Quadratic, gd_losses, lr_h_from_growth

RUN1 = [278.2014, 601.1653, 1299.0583, 2807.1353, 6065.9375, 13107.8828, 28324.8320, 61207.1250,
        132262.4375, 285805.9688]


def test_seed003_curvature_and_stability_limit():
    q = Quadratic.from_data(np.arange(20), 2 * np.arange(20))
    assert q.h == pytest.approx(247.0)
    assert q.max_stable_lr == pytest.approx(0.0081, abs=5e-5)
    assert q.best_lr == pytest.approx(0.00405, abs=5e-5)
    assert (1 - 0.01 * q.h) ** 2 == pytest.approx(2.1609)
    assert (1 - 0.01 * Quadratic.from_data(np.arange(10), 2 * np.arange(10)).h) ** 2 == pytest.approx(0.1849)


def test_seed003_run1_replayed_from_first_loss():
    x = np.arange(20)
    q = Quadratic.from_data(x, 2 * x)
    low, high = q.initial_weights(RUN1[0])
    assert abs(low - 2) == pytest.approx(np.sqrt(278.2014 / 123.5))
    sim = gd_losses(x, 2 * x, low, 0.01, 10)
    assert np.max(np.abs(sim.losses - RUN1) / RUN1) < 1e-5
    assert sim.final_weight == pytest.approx(-68.71629333, rel=1e-5)
    # the other sign prints the same losses but ends at +72.7: only the weight tells them apart
    other = gd_losses(x, 2 * x, high, 0.01, 10)
    assert np.max(np.abs(other.losses - RUN1) / RUN1) < 1e-5
    assert other.final_weight == pytest.approx(72.716, rel=1e-4)


def test_growth_factor_gives_lr_h():
    assert lr_h_from_growth(2.1609) == pytest.approx((2.47,))
    assert lr_h_from_growth(0.1849) == pytest.approx((0.57, 1.43))
    with pytest.raises(ValueError):
        lr_h_from_growth(0.0)


@settings(max_examples=60, deadline=None)
@given(lr_h=st.floats(0.05, 3.5), w0=st.floats(-5, 5), n=st.integers(2, 30))
def test_loss_factor_is_one_minus_lr_h_squared(lr_h: float, w0: float, n: int):
    x = np.arange(1, n + 1, dtype=float)
    q = Quadratic.from_data(x, 3 * x)
    if abs(w0 - 3) < 1e-3 or abs(1 - lr_h) < 0.05:
        return  # at the optimum, or lr = 1/h: the loss hits 0 and ratios are undefined
    sim = gd_losses(x, 3 * x, w0, lr_h / q.h, 6, dtype=np.float64)
    ratios = sim.losses[1:] / sim.losses[:-1]
    assert np.allclose(ratios, (1 - lr_h) ** 2, rtol=1e-6, atol=1e-12)
    lo, hi = q.initial_weights(float(sim.losses[0]))
    assert min(abs(lo - w0), abs(hi - w0)) < 1e-6 * max(1.0, abs(w0))
