"""statsmodels-shaped time-series statistics: ``acf``, ``pacf``, ``q_stat``
and ``acorr_ljungbox``, mirroring ``statsmodels.tsa.stattools`` and
``statsmodels.stats.diagnostic`` (statsmodels 0.15), computed in the Rust
crate ``threatstat-acf``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from . import _threatstat as _ext
from ._arrays import vector

__all__ = ["acf", "pacf", "q_stat", "acorr_ljungbox"]


def acf(
    x,
    adjusted: bool = False,
    nlags=None,
    qstat: bool = False,
    fft: bool = True,
    alpha=None,
    bartlett_confint: bool = True,
    missing: str = "none",
):
    """``statsmodels.tsa.stattools.acf``: autocorrelations at lags 0..nlags.

    ``nlags`` defaults to ``min(int(10*log10(n)), n-1)``. ``missing``:
    'none' (a NaN makes every value NaN), 'raise', 'conservative', 'drop'
    (as statsmodels). ``qstat=True`` returns ``(acf, qstat, pvalues)``.
    ``alpha`` (confidence intervals) is not supported. Unlike statsmodels
    an explicit ``nlags`` above the number of usable values minus one raises
    ``ValueError`` (statsmodels silently returns fewer lags).
    """
    if alpha is not None:
        raise NotImplementedError("acf(alpha=...) confidence intervals are not implemented")
    r, nobs = _ext.acf(vector(x, "x"), None if nlags is None else int(nlags),
                       bool(adjusted), bool(fft), missing)
    if qstat:
        q, p = _ext.q_stat(np.ascontiguousarray(r[1:]), nobs)
        return r, q, p
    return r


def q_stat(x, nobs):
    """``statsmodels.tsa.stattools.q_stat(x, nobs)``: Ljung--Box Q and
    p-values from autocorrelations ``x`` (lags 1..L, without lag 0)."""
    return _ext.q_stat(vector(x, "x"), int(nobs))


def pacf(x, nlags=None, method: str = "ywadjusted", alpha=None):
    """``statsmodels.tsa.stattools.pacf``: partial autocorrelations at lags
    0..nlags. ``method``: 'yw'/'ywadjusted' (default), 'ywm'/'ywmle',
    'ld'/'ldadjusted', 'ldb'/'ldbiased' (statsmodels' aliases accepted).
    ``nlags`` defaults to ``max(min(int(10*log10(n)), n//2 - 1), 1)`` and
    must be at most n/2. ``alpha`` is not supported."""
    if alpha is not None:
        raise NotImplementedError("pacf(alpha=...) confidence intervals are not implemented")
    return _ext.pacf(vector(x, "x"), None if nlags is None else int(nlags), method)


def acorr_ljungbox(x, lags=None, boxpierce: bool = False, model_df: int = 0,
                   period=None, return_df: bool = True, auto_lag: bool = False):
    """``statsmodels.stats.diagnostic.acorr_ljungbox``: a pandas DataFrame
    indexed by lag with ``lb_stat``, ``lb_pvalue`` (and ``bp_stat``,
    ``bp_pvalue`` with ``boxpierce=True``).

    ``lags``: an int L (lags 1..L), a list of lags, or None
    (``min(n//5, 10)``, or ``min(n//5, 2*period)`` with ``period``).
    ``model_df`` is subtracted from each lag's degrees of freedom (p-value
    NaN where that leaves none). A NaN in ``x`` makes every value NaN, as in
    statsmodels. ``auto_lag`` is not supported.
    """
    import pandas as pd

    if auto_lag:
        raise NotImplementedError("acorr_ljungbox(auto_lag=True) is not implemented")
    x = vector(x, "x")
    nobs = x.shape[0]
    if model_df < 0:
        raise ValueError("model_df must be >= 0")
    if period is not None:
        if period <= 1:
            raise ValueError("period must be >= 2")
        lags = np.arange(1, min(nobs // 5, 2 * int(period)) + 1)
    elif lags is None:
        lags = np.arange(1, min(nobs // 5, 10) + 1)
    elif not isinstance(lags, Iterable):
        lags = np.arange(1, int(lags) + 1)
    lags = np.asarray(lags, dtype=np.int64)
    if lags.size == 0:
        raise ValueError(f"no lags to test (n = {nobs}: give lags explicitly)")
    if lags.min() < 1:
        raise ValueError("lags must be >= 1")
    r = _ext.ljungbox(x, int(lags.max()))
    idx = lags - 1
    df_lags = np.ascontiguousarray(lags - int(model_df))
    lb = np.ascontiguousarray(r["lb_stat"][idx])
    out = {"lb_stat": lb, "lb_pvalue": _ext.chi2_sf(lb, df_lags)}
    if boxpierce:
        bp = np.ascontiguousarray(r["bp_stat"][idx])
        out["bp_stat"] = bp
        out["bp_pvalue"] = _ext.chi2_sf(bp, df_lags)
    df = pd.DataFrame(out, index=lags)
    if return_df:
        return df
    return tuple(out.values())
