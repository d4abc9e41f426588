"""threatstat.tsa against statsmodels 0.15, in process.

Tolerances: acf 1e-12 absolute (values in [-1, 1]; the library's FFT and
direct paths agree to ~1e-13 of gamma_0), pacf 1e-10 absolute (Yule-Walker
solves), Ljung-Box statistics 1e-10 relative and p-values 1e-9 relative
plus 1e-300 absolute."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.diagnostic import acorr_ljungbox as sm_ljungbox
from statsmodels.tsa import stattools as sm

from threatstat import tsa


def _series(rng):
    e = rng.normal(size=500)
    ar = np.empty_like(e)
    ar[0] = e[0]
    for t in range(1, len(e)):
        ar[t] = 0.6 * ar[t - 1] + e[t]
    yield ar
    yield rng.poisson(3, size=120).astype(float)
    yield rng.normal(size=37)
    yield np.sin(np.arange(300) * 0.3) + rng.normal(0, 0.2, size=300)


@pytest.mark.parametrize("adjusted", [False, True])
@pytest.mark.parametrize("fft", [False, True])
def test_acf(rng, adjusted, fft):
    for x in _series(rng):
        for nlags in (None, 5, 20):
            ours = tsa.acf(x, adjusted=adjusted, nlags=nlags, fft=fft)
            ref = sm.acf(x, adjusted=adjusted, nlags=nlags, fft=fft)
            assert ours.shape == ref.shape
            np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # statsmodels' AcfResult notice
def test_acf_qstat(rng):
    x = next(_series(rng))
    r, q, p = tsa.acf(x, nlags=10, qstat=True)
    rr, qq, pp = sm.acf(x, nlags=10, qstat=True)
    np.testing.assert_allclose(q, qq, rtol=1e-10)
    np.testing.assert_allclose(p, pp, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("missing", ["none", "conservative", "drop"])
@pytest.mark.parametrize("adjusted", [False, True])
def test_acf_missing(rng, missing, adjusted):
    x = rng.normal(size=200)
    x[[3, 50, 51, 120]] = np.nan
    ours = tsa.acf(x, nlags=10, missing=missing, adjusted=adjusted)
    ref = sm.acf(x, nlags=10, missing=missing, adjusted=adjusted)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)  # NaN == NaN here
    if missing == "none":
        assert np.isnan(ours[1:]).all()


def test_acf_missing_raise(rng):
    x = rng.normal(size=50)
    x[7] = np.nan
    with pytest.raises(ValueError, match="missing"):
        tsa.acf(x, missing="raise")


@pytest.mark.parametrize("method", ["ywadjusted", "yw", "ywm", "ywmle", "ld", "ldb"])
def test_pacf(rng, method):
    for x in _series(rng):
        for nlags in (None, 3, 12):
            ours = tsa.pacf(x, nlags=nlags, method=method)
            ref = sm.pacf(x, nlags=nlags, method=method)
            np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize("lags", [None, 1, 7, [1, 5, 10], [3]])
@pytest.mark.parametrize("boxpierce", [False, True])
def test_ljungbox(rng, lags, boxpierce):
    for x in _series(rng):
        ours = tsa.acorr_ljungbox(x, lags=lags, boxpierce=boxpierce)
        ref = sm_ljungbox(x, lags=lags, boxpierce=boxpierce)
        assert isinstance(ours, pd.DataFrame)
        assert list(ours.columns) == list(ref.columns)
        assert list(ours.index) == list(ref.index)
        for c in ref.columns:
            tol = dict(rtol=1e-10) if c.endswith("stat") else dict(rtol=1e-9, atol=1e-300)
            np.testing.assert_allclose(ours[c].to_numpy(), ref[c].to_numpy(), **tol)


def test_ljungbox_model_df_and_period(rng):
    x = rng.normal(size=200)
    ours = tsa.acorr_ljungbox(x, lags=6, model_df=2)
    ref = sm_ljungbox(x, lags=6, model_df=2)
    np.testing.assert_allclose(ours["lb_pvalue"], ref["lb_pvalue"], rtol=1e-9)
    assert np.isnan(ours["lb_pvalue"].iloc[:2]).all()
    ours = tsa.acorr_ljungbox(x, period=7)
    ref = sm_ljungbox(x, period=7)
    assert list(ours.index) == list(ref.index)
    np.testing.assert_allclose(ours["lb_stat"], ref["lb_stat"], rtol=1e-10)


def test_ljungbox_nan_propagates(rng):
    x = rng.normal(size=100)
    x[10] = np.nan
    ours = tsa.acorr_ljungbox(x, lags=3)
    ref = sm_ljungbox(x, lags=3)
    assert ours["lb_stat"].isna().all() and ref["lb_stat"].isna().all()
