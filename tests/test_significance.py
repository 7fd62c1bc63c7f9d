"""The closed-form statistics of detect/significance.py give what numpy and scipy.stats give.

The detectors use these instead of scipy.stats (its import alone is most of a cold start), so
each must agree with the reference on the shapes detectors feed it: short series, ties,
constant runs, NaN.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from logsense.detect import significance as sig

values = st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=60)
# Few distinct values, so ties are common (losses printed to four decimals repeat).
tied = st.lists(st.integers(0, 6).map(float), min_size=3, max_size=50)


@given(values)
@settings(max_examples=300, deadline=None)
def test_median_equals_numpy_median(v):
    assert sig.median(v) == float(np.median(v))


def test_median_is_nan_with_a_nan_and_on_empty_input():
    assert math.isnan(sig.median([1.0, math.nan, 2.0]))
    assert math.isnan(sig.median([]))


@given(values)
@settings(max_examples=200, deadline=None)
def test_median_abs_deviation_equals_scipy(v):
    assert sig.median_abs_deviation(v) == pytest.approx(float(scipy_stats.median_abs_deviation(v)), rel=1e-12,
                                                        abs=1e-12)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@given(y=st.one_of(values.filter(lambda v: len(v) >= 3), tied))
@settings(max_examples=150, deadline=None)
def test_kendalltau_equals_scipy(y, alternative):
    t = np.arange(len(y), dtype=float)
    ours = sig.kendalltau(t, y, alternative=alternative)
    ref = scipy_stats.kendalltau(t, y, alternative=alternative)
    if math.isnan(ref.statistic):
        assert math.isnan(ours.statistic)
        return
    assert ours.statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)


@given(x=tied, data=st.data())
@settings(max_examples=100, deadline=None)
def test_kendalltau_with_ties_in_both_series_equals_scipy(x, data):
    y = data.draw(st.lists(st.integers(0, 4).map(float), min_size=len(x), max_size=len(x)))
    ours, ref = sig.kendalltau(x, y), scipy_stats.kendalltau(x, y)
    if math.isnan(ref.statistic):
        assert math.isnan(ours.statistic)
    else:
        assert ours.statistic == pytest.approx(ref.statistic, abs=1e-12)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)


@given(st.one_of(values.filter(lambda v: len(v) >= 3), tied))
@settings(max_examples=150, deadline=None)
def test_kendall_sides_are_the_two_one_sided_tests(y):
    t = np.arange(len(y), dtype=float)
    up, down = sig.kendall_sides(t, y)
    want_up = sig.kendalltau(t, y, alternative="greater").pvalue
    want_down = sig.kendalltau(t, y, alternative="less").pvalue
    for got, want in ((up, want_up), (down, want_down)):
        assert (math.isnan(got) and math.isnan(want)) or got == want


@given(values.filter(lambda v: len(v) >= 2))
@settings(max_examples=150, deadline=None)
def test_theilslopes_equals_scipy(y):
    t = np.arange(len(y), dtype=float)
    ours, ref = sig.theilslopes(y, t), scipy_stats.theilslopes(y, t)
    assert ours.slope == pytest.approx(ref.slope, rel=1e-9, abs=1e-9)
    assert ours.intercept == pytest.approx(ref.intercept, rel=1e-9, abs=1e-6)
    assert ours.low_slope == pytest.approx(ref.low_slope, rel=1e-9, abs=1e-9)
    assert ours.high_slope == pytest.approx(ref.high_slope, rel=1e-9, abs=1e-9)


@given(st.lists(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan)), min_size=5,
                         max_size=5), min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_nanmedian_rows_equals_numpy_nanmedian(rows):
    a = np.array(rows, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN row
        want = np.nanmedian(a, axis=1)
    got = sig.nanmedian_rows(a)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=0)
