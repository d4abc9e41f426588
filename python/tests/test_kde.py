"""threatstat.stats.gaussian_kde against scipy.stats.gaussian_kde, and the
bandwidth rules against statsmodels, in process.

Tolerances: densities 1e-11 relative (the library's parity bound with SciPy
is 1e-12 on its fixtures; the sums are ordered differently), factor and
covariance 1e-12 relative, statsmodels' bandwidth rules 1e-14 relative."""

import numpy as np
import pytest
import scipy.stats
from statsmodels.nonparametric import bandwidths as smbw

from threatstat import kde as tkde
from threatstat.stats import gaussian_kde


@pytest.mark.parametrize("bw_method", [None, "scott", "silverman", 0.3, 1.5])
@pytest.mark.parametrize("shape", [(1, 200), (2, 300), (3, 150), (200,)])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_scipy(rng, bw_method, shape, weighted):
    data = rng.normal(size=shape) * 2.0 + 1.0
    n = shape[-1]
    w = rng.uniform(0.1, 2.0, size=n) if weighted else None
    ours = gaussian_kde(data, bw_method=bw_method, weights=w)
    ref = scipy.stats.gaussian_kde(data, bw_method=bw_method, weights=w)
    assert ours.d == ref.d and ours.n == ref.n
    np.testing.assert_allclose(ours.factor, ref.factor, rtol=1e-12)
    np.testing.assert_allclose(ours.neff, ref.neff, rtol=1e-12)
    np.testing.assert_allclose(ours.covariance, ref.covariance, rtol=1e-12)
    d = ref.d
    pts = rng.normal(size=(d, 50)) * 3.0
    if len(shape) == 1:
        pts = pts[0]
    np.testing.assert_allclose(ours(pts), ref(pts), rtol=1e-11)
    np.testing.assert_allclose(ours.evaluate(pts), ref.evaluate(pts), rtol=1e-11)
    np.testing.assert_allclose(ours.logpdf(pts), ref.logpdf(pts), rtol=1e-11)


def test_callable_bandwidth(rng):
    data = rng.normal(size=(2, 100))
    f = lambda k: 0.5 * k.neff ** (-1.0 / (k.d + 4))  # noqa: E731
    ours = gaussian_kde(data, bw_method=f)
    ref = scipy.stats.gaussian_kde(data, bw_method=f)
    np.testing.assert_allclose(ours.factor, ref.factor, rtol=1e-12)
    np.testing.assert_allclose(ours(data[:, :5]), ref(data[:, :5]), rtol=1e-11)


def test_single_point_of_d_dims(rng):
    data = rng.normal(size=(3, 80))
    ours = gaussian_kde(data)
    ref = scipy.stats.gaussian_kde(data)
    np.testing.assert_allclose(ours([0.1, 0.2, 0.3]), ref([0.1, 0.2, 0.3]), rtol=1e-11)


def test_logpdf_far_away_does_not_underflow():
    k = gaussian_kde([0.0, 1.0, 2.0, 3.0])
    lp = k.logpdf([1e3])
    assert np.isfinite(lp[0]) and lp[0] < -1e4


def test_bad_input():
    with pytest.raises(ValueError, match="dimension"):
        gaussian_kde(np.ones((2, 10)) + np.arange(10)).evaluate(np.ones((3, 4)))
    with pytest.raises(ValueError):
        gaussian_kde([1.0, 1.0, 1.0])  # singular covariance
    with pytest.raises(ValueError, match="bandwidth"):
        gaussian_kde([1.0, 2.0, 4.0], bw_method=-1.0)


@pytest.mark.parametrize("rule", ["scott", "silverman", "normal_reference"])
def test_statsmodels_rules(rng, rule):
    for n in (10, 100, 1000):
        x = rng.standard_t(3, size=n)
        ref = smbw.select_bandwidth(x, rule, None)
        np.testing.assert_allclose(tkde.select_bandwidth(x, rule), ref, rtol=1e-14)
    ref = smbw.bw_scott(x)
    np.testing.assert_allclose(tkde.bw_scott(x), ref, rtol=1e-14)


def test_kde_rules_reach_gaussian_kde(rng):
    x = rng.normal(size=300)
    h = tkde.bw_normal_reference(x)
    k = gaussian_kde(x, bw_method="normal_reference")
    np.testing.assert_allclose(np.sqrt(k.covariance[0, 0]), h, rtol=1e-12)
    h_isj = tkde.improved_sheather_jones(x)
    k = gaussian_kde(x, bw_method="isj")
    np.testing.assert_allclose(np.sqrt(k.covariance[0, 0]), h_isj, rtol=1e-12)


def test_fft_kde_matches_exact_sum(rng):
    x = rng.normal(size=2000)
    h = 0.3
    grid, y = tkde.fft_kde(x, h, grid_points=512)
    assert grid.shape == y.shape == (512,)
    assert abs(np.trapezoid(y, grid) - 1.0) < 1e-3
    exact = scipy.stats.gaussian_kde(x, bw_method=h / x.std(ddof=1))(grid)
    mid = exact > 1e-3 * exact.max()
    assert np.max(np.abs(y[mid] - exact[mid]) / exact[mid]) < 0.02
    # Refined grid: within its stated bound.
    g = np.linspace(-6, 6, 97)
    e = tkde.fft_kde_grid(x, h, g)
    exact = scipy.stats.gaussian_kde(x, bw_method=h / x.std(ddof=1))(g)
    ok = exact > 1e-3 * exact.max()
    assert np.max(np.abs(e["density"][ok] - exact[ok]) / exact[ok]) < max(e["relative_error_bound"], 1e-3)
    xy = rng.normal(size=(500, 2))
    grid2, y2 = tkde.fft_kde(xy, 0.3, grid_points=(32, 24))
    assert grid2.shape == (32 * 24, 2) and y2.shape == (32 * 24,)
