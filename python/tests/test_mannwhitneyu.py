"""threatstat.stats.mannwhitneyu against scipy.stats.mannwhitneyu, in process.

Tolerances: statistic exact (U is a half-integer); p-values 1e-12 relative
plus 1e-300 absolute (the exact method: SciPy's own values drift by ~1e-13
at a few hundred values, so 1e-10 relative there)."""

import numpy as np
import pytest
import scipy.stats

import threatstat
from threatstat.stats import mannwhitneyu

ALTS = ["two-sided", "less", "greater"]


def _cases(rng):
    yield rng.normal(size=30), rng.normal(0.5, 1, size=40)            # continuous
    yield rng.poisson(2, size=50).astype(float), rng.poisson(3, size=35).astype(float)  # ties
    yield rng.normal(size=5), rng.normal(size=7)                      # exact by auto
    yield rng.exponential(size=8), rng.exponential(2, size=20)        # exact by auto
    yield rng.lognormal(8, 2, size=1000), rng.lognormal(8.1, 2, size=700)
    yield np.array([1.0]), np.array([2.0, 3.0])


@pytest.mark.parametrize("alternative", ALTS)
@pytest.mark.parametrize("method", ["auto", "asymptotic", "exact"])
@pytest.mark.parametrize("use_continuity", [True, False])
def test_matches_scipy(rng, alternative, method, use_continuity):
    for x, y in _cases(rng):
        if method == "exact" and len(x) * len(y) > 5000:
            continue  # SciPy's exact distribution is slow at this size
        ours = mannwhitneyu(x, y, use_continuity, alternative, 0, method)
        ref = scipy.stats.mannwhitneyu(x, y, use_continuity, alternative, 0, method)
        assert ours.statistic == ref.statistic
        rtol = 1e-10 if method == "exact" else 1e-12
        np.testing.assert_allclose(ours.pvalue, ref.pvalue, rtol=rtol, atol=1e-300)
        stat, p = ours  # unpacks as SciPy's result
        assert stat == ours.statistic and p == ours.pvalue


def test_scipy_docstring_example():
    males = [19, 22, 16, 29, 24]
    females = [20, 11, 17, 12]
    r = mannwhitneyu(males, females, method="exact")
    assert r.statistic == 17.0
    assert abs(r.pvalue - 0.1111111111111111) < 1e-15
    assert r.method == "exact"


def test_effect_sizes_and_hodges_lehmann(rng):
    x = rng.normal(1.0, 1, size=60)
    y = rng.normal(0.0, 1, size=50)
    r = mannwhitneyu(x, y)
    n = len(x) * len(y)
    assert abs(r.cles - r.statistic / n) < 1e-15
    assert abs(r.rank_biserial - (2 * r.statistic / n - 1)) < 1e-12
    # The Hodges-Lehmann shift is the median of the pairwise differences.
    diffs = np.subtract.outer(x, y).ravel()
    assert abs(r.hodges_lehmann - np.median(diffs)) < 1e-12
    lo, hi = r.confidence_interval
    assert lo < r.hodges_lehmann < hi and r.ci_level == 0.95


def test_nan_policies(rng):
    x = rng.normal(size=20)
    y = rng.normal(size=20)
    x[3] = np.nan
    ref = scipy.stats.mannwhitneyu(x, y)
    ours = mannwhitneyu(x, y)
    assert np.isnan(ref.pvalue) and np.isnan(ours.pvalue) and np.isnan(ours.statistic)
    ref = scipy.stats.mannwhitneyu(x, y, nan_policy="omit")
    ours = mannwhitneyu(x, y, nan_policy="omit")
    assert ours.statistic == ref.statistic
    np.testing.assert_allclose(ours.pvalue, ref.pvalue, rtol=1e-12)
    assert ours.nan_dropped_x == 1
    with pytest.raises(ValueError, match=r"x\[3\] is NaN"):
        mannwhitneyu(x, y, nan_policy="raise")


def test_errors_are_value_errors():
    with pytest.raises(ValueError, match="alternative"):
        mannwhitneyu([1.0, 2.0], [3.0], alternative="sideways")
    with pytest.raises(ValueError, match="empty"):
        mannwhitneyu([], [3.0])
    with pytest.raises(ValueError, match="1-D"):
        mannwhitneyu(np.ones((2, 2)), [3.0])


def test_permutation_is_seeded(rng):
    x = rng.normal(size=15)
    y = rng.normal(0.8, 1, size=12)
    a = mannwhitneyu(x, y, method="permutation", n_resamples=2000, seed=7)
    b = mannwhitneyu(x, y, method="permutation", n_resamples=2000, seed=7)
    assert a.pvalue == b.pvalue and a.method == "permutation"
    ref = scipy.stats.mannwhitneyu(x, y).pvalue
    assert abs(a.pvalue - ref) < 0.03


def test_float64_input_is_not_copied():
    # The boundary converts only what is not float64 C-contiguous already;
    # the extension then borrows the buffer (rust-numpy read-only view).
    from threatstat._arrays import vector

    x = np.arange(10, dtype=np.float64)
    assert vector(x, "x") is x
    assert vector(x[::2], "x") is not x  # strided: one contiguous copy
    assert vector([1, 2], "x").dtype == np.float64
