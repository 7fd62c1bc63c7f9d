"""The few significance tests the detectors use, without importing ``scipy.stats``.

``scipy.stats`` costs about a second of imports (its distributions, ``scipy.optimize``,
``scipy.spatial`` ...) for five tests whose p-values are closed forms: a Student t tail
(the incomplete beta function's continued fraction), a normal tail and quantile
(``math.erfc``, Newton-refined), Kendall's exact null
distribution (counts of permutations by inversions) or its normal approximation with
ties, and a binomial tail. Each function takes the arguments of its ``scipy.stats``
namesake that the detectors pass and returns an object with the same fields, so a
detector writes ``from . import significance as stats`` and nothing else changes;
`tests/test_import_cost.py` checks the p-values against scipy's to 1e-12.
``median_filter`` is ``scipy.ndimage.median_filter(y, size, mode="nearest")`` in 1-D.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["binomtest", "kendalltau", "median", "median_abs_deviation", "median_filter", "nanmedian_rows", "norm", "theilslopes", "ttest_1samp", "ttest_ind"]


@dataclass(frozen=True)
class TestResult:
    statistic: float
    pvalue: float


@dataclass(frozen=True)
class TheilSlopes:
    slope: float
    intercept: float
    low_slope: float
    high_slope: float

    def __iter__(self):  # unpacks as scipy's result does: slope, intercept, low, high
        return iter((self.slope, self.intercept, self.low_slope, self.high_slope))


_SQRT2 = math.sqrt(2.0)


def _ndtr(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-x / _SQRT2)


def _ndtri(q: float) -> float:
    """Standard normal quantile: a rational first guess (Acklam's), then Newton steps on erfc."""
    if not 0.0 < q < 1.0:
        return -math.inf if q == 0.0 else math.inf if q == 1.0 else math.nan
    if q > 0.5:
        return -_ndtri(1.0 - q) if 1.0 - q > 0.0 else math.inf
    if q < 0.02425:  # lower tail
        r = math.sqrt(-2.0 * math.log(q))
        x = (((((-7.784894002430293e-03 * r - 3.223964580411365e-01) * r - 2.400758277161838) * r
               - 2.549732539343734) * r + 4.374664141464968) * r + 2.938163982698783) / \
            ((((7.784695709041462e-03 * r + 3.224671290700398e-01) * r + 2.445134137142996) * r
              + 3.754408661907416) * r + 1.0)
    else:
        r = q - 0.5
        u = r * r
        x = (((((-3.969683028665376e+01 * u + 2.209460984245205e+02) * u - 2.759285104469687e+02) * u
               + 1.383577518672690e+02) * u - 3.066479806614716e+01) * u + 2.506628277459239) * r / \
            (((((-5.447609879822406e+01 * u + 1.615858368580409e+02) * u - 1.556989798598866e+02) * u
               + 6.680131188771972e+01) * u - 1.328068155288572e+01) * u + 1.0)
    for _ in range(3):  # Newton on the CDF: each step squares the error
        density = math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        if density == 0.0:
            break
        x -= (_ndtr(x) - q) / density
    return x


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 2000):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
                    -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + num / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
            last = d * c
        if abs(last - 1.0) < 1e-16:
            break
    return h


def _lgamma_step(a: float, b: float) -> float:
    """log Gamma(a + b) - log Gamma(a) for a >= b > 0, without the cancellation of two large
    lgammas (at a = 5,000 they are 37,000 each: 1e-12 lost), by Stirling's series for large a."""
    if a < 10.0:
        return math.lgamma(a + b) - math.lgamma(a)
    c = a + b
    series = sum(k * (c ** -n - a ** -n) for k, n in ((1 / 12, 1), (-1 / 360, 3), (1 / 1260, 5), (-1 / 1680, 7)))
    return (a - 0.5) * math.log1p(b / a) + b * math.log(c) - b + series


def _betainc(a: float, b: float, x: float, y: float | None = None) -> float:
    """Regularised incomplete beta I_x(a, b). ``y`` is 1 - x when the caller knows it more exactly
    (x = 1 - 1e-16 rounds to 1; a rounding of x, times a large a, would show in the result)."""
    y = 1.0 - x if y is None else y
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    big, small = (a, b) if a >= b else (b, a)
    log_x = math.log(x) if x < 0.5 else math.log1p(-y)
    log_y = math.log(y) if y < 0.5 else math.log1p(-x)
    log_front = _lgamma_step(big, small) - math.lgamma(small) + a * log_x + b * log_y
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, y) / b


def _stdtr(df: float, t: float) -> float:
    """Student t CDF with ``df`` degrees of freedom (any df > 0), by the incomplete beta."""
    if math.isnan(t) or math.isnan(df) or df <= 0:
        return math.nan
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    if t == 0.0:
        return 0.5
    t2 = t * t
    tail = 0.5 * _betainc(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2))  # I_x(df/2, 1/2) / 2
    return 1.0 - tail if t > 0 else tail


class _Normal:
    """The standard normal's tail and quantile (what ``stats.norm.sf``/``ppf`` give)."""

    @staticmethod
    def sf(x: float) -> float:
        return _ndtr(-float(x))

    @staticmethod
    def cdf(x: float) -> float:
        return _ndtr(float(x))

    @staticmethod
    def ppf(q: float) -> float:
        return _ndtri(float(q))


norm = _Normal()


def _tail(stat: float, cdf, alternative: str) -> float:
    """p-value of a symmetric statistic from its CDF."""
    if alternative == "less":
        return float(cdf(stat))
    if alternative == "greater":
        return float(cdf(-stat))
    if alternative == "two-sided":
        return float(2.0 * cdf(-abs(stat)))
    raise ValueError("alternative must be 'less', 'greater' or 'two-sided'")


def _student_cdf(df: float):
    return lambda t: _stdtr(float(df), t)


def _sample_var(x: np.ndarray) -> float:
    dev = x - x.mean()
    return float(np.mean(dev * dev) * x.size / (x.size - 1))


def ttest_1samp(a, popmean: float, alternative: str = "two-sided") -> TestResult:
    """Student's one-sample t-test of mean(a) = popmean."""
    x = np.asarray(a, dtype=float).ravel()
    n = x.size
    if n < 2 or not np.isfinite(x).all():
        return TestResult(math.nan, math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = float(np.divide(x.mean() - popmean, np.sqrt(_sample_var(x) / n)))
    return TestResult(t, _tail(t, _student_cdf(n - 1), alternative))


def ttest_ind(a, b, equal_var: bool = True, alternative: str = "two-sided") -> TestResult:
    """Two-sample t-test of mean(a) = mean(b); Welch's (unequal variances) with ``equal_var=False``."""
    x, y = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    n1, n2 = x.size, y.size
    if n1 < 1 or n2 < 1 or n1 + n2 < 3 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        return TestResult(math.nan, math.nan)
    v1 = _sample_var(x) if n1 > 1 else math.nan
    v2 = _sample_var(y) if n2 > 1 else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        if equal_var:  # a one-value sample adds nothing to the pooled spread
            df = n1 + n2 - 2.0
            pooled = ((n1 - 1) * v1 if n1 > 1 else 0.0) + ((n2 - 1) * v2 if n2 > 1 else 0.0)
            pooled /= df
            denom = float(np.sqrt(pooled * (1.0 / n1 + 1.0 / n2)))
        else:
            w1, w2 = v1 / n1, v2 / n2
            df = float(np.divide((w1 + w2) ** 2, np.divide(w1 * w1, n1 - 1) + np.divide(w2 * w2, n2 - 1)))
            if math.isnan(df):  # both variances 0: any df will do, the statistic decides
                df = 1.0
            denom = float(np.sqrt(w1 + w2))
        t = float(np.divide(x.mean() - y.mean(), denom))
    return TestResult(t, _tail(t, _student_cdf(df), alternative))


def binomtest(k: int, n: int, p: float = 0.5, alternative: str = "two-sided") -> TestResult:
    """Exact binomial test of ``k`` successes in ``n``; one-sided alternatives only."""
    from scipy.special import bdtr, bdtrc

    if p == 0.5 and 0 <= k <= n <= 2000 and alternative in ("greater", "less"):  # a fair coin: exact sums
        tail = range(k, n + 1) if alternative == "greater" else range(k + 1)
        return TestResult(k / n if n else math.nan, sum(math.comb(n, i) for i in tail) / 2 ** n)
    if alternative == "greater":  # P(X >= k)
        pvalue = 1.0 if k <= 0 else float(bdtrc(k - 1, n, p))
    elif alternative == "less":  # P(X <= k)
        pvalue = float(bdtr(k, n, p))
    else:
        raise ValueError("only the one-sided binomial test is provided")
    return TestResult(k / n if n else math.nan, min(max(pvalue, 0.0), 1.0))


# -- medians -----------------------------------------------------------------------------------

def median(a) -> float:
    """``np.median`` of a 1-D array, without its generic machinery.

    The detectors take medians of short series tens of thousands of times on a log of many
    runs, where ``np.median``'s axis handling costs ten times the sort itself. Same value
    (the mean of the two middle values for an even count), NaN when any value is NaN.
    """
    return _sorted_median(np.sort(np.asarray(a, dtype=float).ravel()))


def _sorted_median(v: np.ndarray) -> float:
    """The median of an already sorted array (NaN sorts last, and then is the answer)."""
    if v.size == 0 or v[-1] != v[-1]:
        return math.nan
    h = v.size // 2
    return float(v[h]) if v.size % 2 else float((v[h - 1] + v[h]) / 2.0)


def nanmedian_rows(a) -> np.ndarray:
    """``np.nanmedian(a, axis=1)`` of a 2-D array (NaN for an all-NaN row), without importing
    ``numpy.ma`` (which ``np.nanmedian`` loads: a tenth of a cold start)."""
    v = np.asarray(a, dtype=float)
    ordered = np.sort(v, axis=1)  # NaN sorts last
    n = np.sum(~np.isnan(v), axis=1)
    rows = np.arange(v.shape[0])
    lo, hi = ordered[rows, np.maximum((n - 1) // 2, 0)], ordered[rows, np.maximum(n // 2, 0)]
    with np.errstate(all="ignore"):
        mid = np.where(lo == hi, lo, (lo + hi) / 2.0)
    return np.where(n > 0, mid, np.nan)


def median_abs_deviation(a) -> float:
    """Median of the absolute deviations from the median (unscaled MAD), NaN as `median` says."""
    v = np.asarray(a, dtype=float).ravel()
    return median(np.abs(v - median(v)))


# -- Kendall's tau ------------------------------------------------------------------------------

def _dense_ranks(v: np.ndarray) -> np.ndarray:
    """1, 2, ... by value, equal values sharing a rank."""
    if v.size and bool(np.all(v[1:] > v[:-1])):  # already strictly increasing (epoch numbers)
        return np.arange(1, v.size + 1)
    _, inverse = np.unique(v, return_inverse=True)
    return inverse.ravel() + 1


def _tie_sums(ranks: np.ndarray) -> tuple[int, int, int]:
    """Over groups of k tied values: sum k(k-1)/2, sum k(k-1)(k-2), sum k(k-1)(2k+5)."""
    counts = np.bincount(ranks).astype(np.int64)
    counts = counts[counts > 1]
    k = [int(c) for c in counts]
    return (sum(c * (c - 1) // 2 for c in k), sum(c * (c - 1) * (c - 2) for c in k),
            sum(c * (c - 1) * (2 * c + 5) for c in k))


def _inversions(seq: np.ndarray) -> int:
    """Pairs i < j with seq[i] > seq[j] (strictly)."""
    n = seq.size
    if n <= 2048:  # all pairs at once: a few million comparisons
        return int(np.triu(seq[:, None] > seq[None, :], k=1).sum())
    tree = [0] * (int(seq.max()) + 1)  # a Fenwick tree over ranks seen so far
    inv = 0
    for seen, value in enumerate(seq.tolist()):
        i, below = value, 0
        while i > 0:
            below += tree[i]
            i -= i & -i
        inv += seen - below  # earlier values strictly greater than this one
        i = value
        while i < len(tree):
            tree[i] += 1
            i += i & -i
    return inv


@lru_cache(maxsize=4096)
def _mahonian_cdf(n: int, d: int) -> tuple[float, float]:
    """P(D <= d) and P(D == d) for D the inversions of a random permutation of n (exact integers)."""
    row = [1]  # counts of permutations of 1 element by inversions
    for m in range(2, n + 1):
        width = min(len(row) + m - 1, d + 1)
        prefix = [0]
        for c in row:
            prefix.append(prefix[-1] + c)
        row = [prefix[min(j + 1, len(row))] - prefix[max(j - m + 1, 0)] for j in range(width)]
    total = math.factorial(n)
    return sum(row[: d + 1]) / total, (row[d] if d < len(row) else 0) / total


def kendalltau(x, y, alternative: str = "two-sided") -> TestResult:
    """Kendall's tau-b and its p-value: exact without ties for n <= 33 (or 0/1 discordant
    pairs), else the normal approximation with the tie-corrected variance."""
    counts = _kendall_counts(x, y)
    if counts is None:
        return TestResult(math.nan, math.nan)
    return TestResult(counts.tau, counts.p_value(alternative))


def kendall_sides(x, y) -> tuple[float, float]:
    """The one-sided Kendall p-values (rising, falling) from one count of the pairs: a trend
    test asks both questions of the same series. NaN, NaN where tau is undefined."""
    counts = _kendall_counts(x, y)
    if counts is None:
        return math.nan, math.nan
    return counts.p_value("greater"), counts.p_value("less")


@dataclass(frozen=True)
class _KendallCounts:
    n: int
    discordant: int
    score: int
    tau: float
    ties: tuple[int, int, int, int, int, int]  # x: k(k-1)/2, k(k-1)(k-2), k(k-1)(2k+5); then y's

    def p_value(self, alternative: str) -> float:
        n, total = self.n, self.n * (self.n - 1) // 2
        x_ties, x2, x3, y_ties, y2, y3 = self.ties
        if x_ties == 0 and y_ties == 0 and (n <= 33 or min(self.discordant, total - self.discordant) <= 1):
            return _kendall_exact(n, self.discordant, alternative)
        m = n * (n - 1.0)
        var = (m * (2 * n + 5) - x3 - y3) / 18 + 2.0 * x_ties * y_ties / m + x2 * y2 / (9 * m * (n - 2))
        return _tail(self.score / math.sqrt(var), _ndtr, alternative)


def _kendall_counts(x, y) -> _KendallCounts | None:
    xa, ya = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    n = xa.size
    if n != ya.size:
        raise ValueError("x and y must have the same length")
    if n == 0 or np.isnan(xa).any() or np.isnan(ya).any():
        return None
    rx, ry = _dense_ranks(xa), _dense_ranks(ya)
    order = np.lexsort((ry, rx))  # by x, then by y within tied x
    rx, ry = rx[order], ry[order]
    total = n * (n - 1) // 2
    x_ties, x2, x3 = _tie_sums(rx)
    y_ties, y2, y3 = _tie_sums(ry)
    if x_ties == total or y_ties == total:
        return None
    discordant = _inversions(ry)
    both_ties = 0
    if x_ties and y_ties:  # pairs tied in both: only possible when each has ties
        _, joint = np.unique(np.stack([rx, ry], axis=1), axis=0, return_counts=True)
        both_ties = int(sum(int(c) * (int(c) - 1) // 2 for c in joint))
    score = total - x_ties - y_ties + both_ties - 2 * discordant  # concordant minus discordant
    tau = score / math.sqrt(total - x_ties) / math.sqrt(total - y_ties)
    return _KendallCounts(n, discordant, score, min(1.0, max(-1.0, tau)), (x_ties, x2, x3, y_ties, y2, y3))


def _kendall_exact(n: int, discordant: int, alternative: str) -> float:
    """P-value from the exact null distribution of the discordant count D (symmetric about total/2)."""
    total = n * (n - 1) // 2
    low = min(discordant, total - discordant)
    p_low, mass = _mahonian_cdf(n, low)  # P(D <= low), P(D == low)
    if alternative == "two-sided":
        return min(1.0, 2.0 * p_low)
    few = discordant <= total - discordant  # few discordant pairs: the positive side
    if (alternative == "greater") == few:
        return min(1.0, p_low)
    return min(1.0, max(0.0, 1.0 - p_low + mass))


# -- Theil-Sen ----------------------------------------------------------------------------------

def _tie_term(v: np.ndarray) -> float:
    s = np.sort(v)
    if not bool(np.any(s[1:] == s[:-1])):
        return 0.0  # no ties (epoch numbers, most losses): nothing to count
    _, counts = np.unique(s, return_counts=True)
    return float(sum(int(k) * (int(k) - 1) * (2 * int(k) + 5) for k in counts if k > 1))


def theilslopes(y, x=None, alpha: float = 0.95) -> TheilSlopes:
    """Theil-Sen slope (median of pairwise slopes), intercept median(y) - slope * median(x),
    and the slope's confidence interval by Sen's (1968) rank bounds."""
    ya = np.asarray(y, dtype=float).ravel()
    xa = np.arange(ya.size, dtype=float) if x is None else np.asarray(x, dtype=float).ravel()
    if xa.size != ya.size or xa.size < 2:
        raise ValueError("x and y need the same length, at least 2")
    dx = xa[:, None] - xa
    dy = ya[:, None] - ya
    keep = dx > 0
    slopes = np.sort(dy[keep] / dx[keep])
    slope = _sorted_median(slopes)
    intercept = float(median(ya) - slope * median(xa))
    level = 1.0 - alpha if alpha > 0.5 else alpha
    z = norm.ppf(level / 2.0)
    n = ya.size
    sigma = math.sqrt((n * (n - 1) * (2 * n + 5) - _tie_term(xa) - _tie_term(ya)) / 18.0)
    count = slopes.size
    try:
        upper = min(int(np.round((count - z * sigma) / 2.0)), count - 1)
        lower = max(int(np.round((count + z * sigma) / 2.0)) - 1, 0)
        lo, hi = float(slopes[lower]), float(slopes[upper])
    except (ValueError, IndexError):
        lo = hi = math.nan
    return TheilSlopes(slope, intercept, lo, hi)


# -- running median -----------------------------------------------------------------------------

def median_filter(y, size: int, mode: str = "nearest") -> np.ndarray:
    """1-D running median over ``size`` points, edges padded with the end values: what
    ``scipy.ndimage.median_filter(y, size=size, mode="nearest")`` gives (for an even size the
    upper of the two middle values, as ndimage's rank filter takes)."""
    if mode != "nearest":
        raise ValueError("only mode='nearest' is provided")
    v = np.asarray(y, dtype=float).ravel()
    if v.size == 0 or size <= 1:
        return v.copy()
    before = size // 2
    padded = np.concatenate([np.full(before, v[0]), v, np.full(size - 1 - before, v[-1])])
    windows = np.lib.stride_tricks.sliding_window_view(padded, size)
    return np.partition(windows, size // 2, axis=1)[:, size // 2]
