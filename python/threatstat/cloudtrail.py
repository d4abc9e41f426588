"""Automated-role detection in CloudTrail-style logs: which (principal, API)
pairs call on a schedule? The analysis of ``threatstat cloudtrail
automation`` (Rust crate ``threatstat-acf``, module ``automation``) on a
DataFrame of events.

Rules: 'notebook' -- the published CloudTrail notebook's rule (flagged when
max |pandas ``Series.autocorr(k)``| over lags 1..``lags`` is at least
``threshold``); 'ljung-box' (default) -- statsmodels' Ljung--Box test at
``lags`` with permutation p-values (or 'chi2', statsmodels' p-values) and
Benjamini--Hochberg q-values over all pairs, flagged when q <= ``fdr``.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import _threatstat as _ext

__all__ = ["pair_counts", "automation"]


def pair_counts(events, principal_col: str = "principal", api_col: str = "api",
                time_col: str = "time", freq: str = "D"):
    """Calls per (principal, API) pair per period (``freq``, UTC), zero-filled
    over the whole log's window: a DataFrame, pairs (MultiIndex) x periods."""
    import pandas as pd

    t = pd.to_datetime(events[time_col], utc=True).dt.floor(freq)
    table = pd.crosstab([events[principal_col], events[api_col]], t)
    periods = pd.date_range(t.min(), t.max(), freq=freq)
    return table.reindex(columns=periods, fill_value=0)


def automation(events, principal_col: str = "principal", api_col: str = "api",
               time_col: str = "time", freq: str = "D", rule: str = "ljung-box",
               lags: int = 7, fdr: float = 0.05, threshold: float = 0.5,
               p_values: str = "permutation", seed: Optional[int] = None):
    """Scores every (principal, API) pair of ``events`` (one row per call)
    and returns one row per pair, flagged pairs first, then by ``score``
    (larger is more automated: max |autocorrelation| for 'notebook',
    -log10 of the Ljung--Box p-value for 'ljung-box'). Columns:
    ``principal``, ``api``, ``flagged``, ``score``, ``max_abs_acf``,
    ``best_lag``, ``ljung_box_q``, ``ljung_box_p`` (statsmodels'
    ``acorr_ljungbox(x, lags)`` at ``lags``), ``p_value`` (the rule's),
    ``q_value``, ``permutations``, ``dominant_period``, ``n``, ``total``."""
    import pandas as pd

    table = pair_counts(events, principal_col, api_col, time_col, freq)
    counts = np.ascontiguousarray(table.to_numpy(dtype=np.float64))
    names = [(str(p), str(a)) for p, a in table.index]
    cols = _ext.automation_detect(names, counts, rule, int(lags), float(threshold), float(fdr),
                                  p_values, None if seed is None else int(seed))
    df = pd.DataFrame(cols)
    order = np.lexsort((-np.nan_to_num(df["score"].to_numpy(), nan=-np.inf),
                        ~df["flagged"].to_numpy()))
    return df.iloc[order].reset_index(drop=True)
