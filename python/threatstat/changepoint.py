"""Bayesian switchpoint ("did this user's behaviour change?") models of
daily counts, computed in the Rust crate ``threatstat-changepoint``.

The model of the CERT logon analysis (after *Bayesian Methods for Hackers*,
ch. 1, a PyMC model): ``lambda_1, lambda_2 ~ Exponential(alpha)``,
``tau ~ DiscreteUniform(0, n-1)``, ``y_t ~ Poisson(lambda_1 if t < tau else
lambda_2)``. :func:`fit` gives the exact posterior (the rates integrate
out) or MCMC draws (Gibbs, or PyMC-like Metropolis) with ArviZ's diagnostics;
:func:`rank_users` fits every user of a logon table and ranks them by the
Bayes factor of a change.
"""

from __future__ import annotations

import functools
from typing import Optional

import numpy as np

from . import _threatstat as _ext

__all__ = ["fit", "SwitchpointFit", "daily_counts", "rank_users"]

_SUMMARY_COLUMNS = ["mean", "sd", "hdi_3%", "hdi_97%", "mcse_mean", "mcse_sd", "ess_bulk",
                    "ess_tail", "r_hat"]


def _counts(counts) -> np.ndarray:
    a = np.asarray(counts)
    if a.ndim != 1:
        raise ValueError(f"counts must be 1-D, got shape {a.shape}")
    if a.size and (np.any(a < 0) or np.any(a != np.floor(a))):
        raise ValueError("counts must be non-negative integers")
    return np.ascontiguousarray(a, dtype=np.uint32)


class SwitchpointFit:
    """A fitted switchpoint model (:func:`fit`).

    Exact fits: ``tau_posterior`` (P(tau = k)), ``map_tau``,
    ``map_probability``, ``lambda_1_mean``, ``lambda_2_mean``,
    ``lambda_1_interval`` and ``lambda_2_interval`` (the ``prob`` highest
    density intervals of the exact posterior, as the CLI and the summary
    report them), ``log_bayes_factor``, ``expected_rate``. The intervals,
    ``expected_rate`` and :meth:`summary` are computed when first read
    (at 10^5 days they cost as much as the posterior). MCMC fits also carry
    ``posterior`` (dict of arrays, chains x draws, for ``lambda_1``,
    ``lambda_2``, ``tau``), ``acceptance`` and ``warnings``.
    """

    def __init__(self, method: str, fields: dict, exact, prob: float):
        self.method = method
        self._mcmc = fields if method != "exact" else None
        # The Rust posterior: the intervals, the exact summary and the
        # expected rate are computed from it when first read.
        self._exact = exact
        self._prob = prob
        self.__dict__.update(exact.fields())
        if self._mcmc is not None:
            self.posterior = self._mcmc["posterior"]
            self.acceptance = self._mcmc["acceptance"]
            self.warnings = self._mcmc["warnings"]
            self.mcmc_map_tau = self._mcmc["map_tau"]

    @functools.cached_property
    def _hdis(self):
        return self._exact.hdis(self._prob)

    @property
    def lambda_1_interval(self):
        """The ``prob`` highest density interval of lambda_1 (computed when
        first read)."""
        return self._hdis[0]

    @property
    def lambda_2_interval(self):
        """The ``prob`` highest density interval of lambda_2."""
        return self._hdis[1]

    @functools.cached_property
    def expected_rate(self):
        """E[lambda_t | y] for every day (computed when first read)."""
        return self._exact.expected_rate()

    @functools.cached_property
    def _exact_summary(self):
        return self._exact.summary()

    def summary(self):
        """An ``az.summary``-style DataFrame (rows ``lambda_1``,
        ``lambda_2``, ``tau``; columns mean, sd, hdi_3%, hdi_97%, mcse_mean,
        mcse_sd, ess_bulk, ess_tail, r_hat), computed by the library: from
        the draws as ArviZ computes it for MCMC fits; exact mean, sd and 94%
        HDI for exact fits (Monte Carlo columns NaN)."""
        import pandas as pd

        s = self._mcmc["summary"] if self._mcmc is not None else self._exact_summary
        rows = ["lambda_1", "lambda_2", "tau"]
        return pd.DataFrame([s[v] for v in rows], index=rows)[_SUMMARY_COLUMNS]

    def draws(self):
        """The tidy draws table of an MCMC fit, as ``threatstat changepoint
        fit --draws-out`` writes it: columns chain, draw, lambda_1,
        lambda_2, tau."""
        import pandas as pd

        if self._mcmc is None:
            raise ValueError("draws needs an MCMC fit (method='gibbs' or 'metropolis')")
        c, d = self.posterior["tau"].shape
        return pd.DataFrame({
            "chain": np.repeat(np.arange(c), d),
            "draw": np.tile(np.arange(d), c),
            "lambda_1": self.posterior["lambda_1"].ravel(),
            "lambda_2": self.posterior["lambda_2"].ravel(),
            "tau": self.posterior["tau"].ravel().astype(np.int64),
        })

    def to_arviz(self):
        """An ``arviz.InferenceData`` with the posterior draws (MCMC fits;
        needs arviz installed)."""
        if self._mcmc is None:
            raise ValueError("to_arviz needs an MCMC fit (method='gibbs' or 'metropolis')")
        try:
            import arviz as az
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("to_arviz needs arviz: pip install arviz") from e
        post = dict(self.posterior)
        post["tau"] = post["tau"].astype(np.int64)
        return az.from_dict(posterior=post)

    def __repr__(self) -> str:
        return (f"<SwitchpointFit method={self.method} map_tau={self.map_tau} "
                f"log_bayes_factor={self.log_bayes_factor:.4g}>")


def fit(counts, method: str = "exact", alpha: Optional[float] = None, direction: str = "any",
        chains: int = 4, draws: int = 2000, tune: int = 1000, seed: int = 0,
        prob: float = 0.94) -> SwitchpointFit:
    """Fits the switchpoint model to daily ``counts``.

    ``method``: 'exact' (the exact posterior), 'gibbs' or 'metropolis' (MCMC
    with ``chains`` x ``draws`` after ``tune`` warm-up steps, seeded; the
    exact posterior is attached too). ``alpha`` defaults to
    ``1/mean(counts)`` as in the PyMC model; ``direction`` 'any', 'up' or
    'down' (exact only). Mirrors the PyMC model of *Bayesian Methods for
    Hackers* ch. 1 (``pm.sample`` + ``az.summary``).
    """
    c = _counts(counts)
    exact = _ext.switchpoint_exact(c, None if alpha is None else float(alpha), direction,
                                   float(prob))
    if method == "exact":
        return SwitchpointFit("exact", {}, exact, float(prob))
    if method not in ("gibbs", "metropolis"):
        raise ValueError(f"method = {method!r}: expected 'exact', 'gibbs' or 'metropolis'")
    fields = _ext.switchpoint_mcmc(c, None if alpha is None else float(alpha), method,
                                   int(chains), int(draws), int(tune), int(seed))
    return SwitchpointFit(method, fields, exact, float(prob))


def daily_counts(logons, user_col: str = "user", time_col: str = "date"):
    """Events per user per calendar day (UTC), zeros filled between the
    table's first and last day: a DataFrame, users x days."""
    import pandas as pd

    t = pd.to_datetime(logons[time_col], utc=True)
    day = t.dt.floor("D")
    table = pd.crosstab(logons[user_col], day)
    days = pd.date_range(day.min(), day.max(), freq="D")
    return table.reindex(columns=days, fill_value=0)


def rank_users(logons, user_col: str = "user", time_col: str = "date",
               method: str = "exact", alpha: Optional[float] = None, chains: int = 4,
               draws: int = 2000, tune: int = 1000, seed: int = 0):
    """Fits every user's daily logon counts (CERT ``logon.csv`` style:
    one row per event with a user and a timestamp) and returns the users
    ranked by the log Bayes factor of a change, strongest first: columns
    ``user``, ``n_days``, ``map_tau``, ``change_date``, ``map_probability``,
    ``lambda_1_mean``, ``lambda_2_mean``, ``log_bayes_factor`` (plus ``r_hat``,
    ``ess_bulk``, ``ess_tail``, ``mcmc_map_tau`` with an MCMC ``method``)."""
    import pandas as pd

    table = daily_counts(logons, user_col, time_col)
    series = [np.asarray(r, dtype=np.uint32).tolist() for r in table.to_numpy()]
    sampler = None if method == "exact" else method
    cols = _ext.switchpoint_batch(series, None if alpha is None else float(alpha), sampler,
                                  int(chains), int(draws), int(tune), int(seed))
    df = pd.DataFrame(cols)
    df.insert(0, "user", table.index.to_numpy())
    df.insert(3, "change_date", table.columns[df["map_tau"].to_numpy()])
    return df.sort_values("log_bayes_factor", ascending=False, kind="stable").reset_index(drop=True)
