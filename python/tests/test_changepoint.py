"""threatstat.changepoint: the exact posterior against a direct computation
from the model's formula, MCMC against the exact posterior, the batch
ranking on a generated CERT-style logon table.

Tolerances: the exact tau posterior 1e-10 absolute (log-space sums);
Gibbs posterior means within 5 Monte Carlo standard errors of the exact
ones; tau's MAP identical."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from threatstat import changepoint


def _exact_tau(counts, alpha):
    n = len(counts)
    s = np.concatenate([[0], np.cumsum(counts)])
    lp = np.array([
        gammaln(s[k] + 1) - (s[k] + 1) * math.log(k + alpha)
        + gammaln(s[n] - s[k] + 1) - (s[n] - s[k] + 1) * math.log(n - k + alpha)
        for k in range(n)
    ])
    p = np.exp(lp - lp.max())
    return p / p.sum()


@pytest.fixture
def series(rng):
    return np.concatenate([rng.poisson(3, 40), rng.poisson(9, 30)])


def test_exact_matches_formula(series):
    f = changepoint.fit(series)
    alpha = 1.0 / series.mean()
    assert abs(f.alpha - alpha) < 1e-15
    np.testing.assert_allclose(f.tau_posterior, _exact_tau(series, alpha), atol=1e-10)
    assert f.map_tau == int(np.argmax(f.tau_posterior))
    assert 35 <= f.map_tau <= 45 and f.log_bayes_factor > 10
    s = f.summary()
    assert list(s.index) == ["lambda_1", "lambda_2", "tau"]
    assert list(s.columns) == ["mean", "sd", "hdi_3%", "hdi_97%", "mcse_mean", "mcse_sd",
                               "ess_bulk", "ess_tail", "r_hat"]
    assert s.loc["lambda_1", "hdi_3%"] < f.lambda_1_mean < s.loc["lambda_1", "hdi_97%"]
    # The library's exact summary: sd of the Gamma mixture; the fit's
    # intervals are the same 94% HDIs (one interval convention), and a
    # smaller mass gives a narrower interval inside it.
    assert abs(s.loc["lambda_1", "mean"] - f.lambda_1_mean) < 1e-12
    assert s.loc["lambda_1", "sd"] > 0
    for v in ("lambda_1", "lambda_2"):
        lo, hi = getattr(f, f"{v}_interval")
        assert abs(lo - s.loc[v, "hdi_3%"]) < 1e-9 * hi and abs(hi - s.loc[v, "hdi_97%"]) < 1e-9 * hi
    lo50, hi50 = changepoint.fit(series, prob=0.5).lambda_2_interval
    assert f.lambda_2_interval[0] < lo50 < hi50 < f.lambda_2_interval[1]


def test_intervals_are_computed_when_read_and_prob_is_checked_at_fit(series):
    f = changepoint.fit(series)
    assert "_hdis" not in f.__dict__ and "_exact_summary" not in f.__dict__
    lo, hi = f.lambda_1_interval
    assert "_hdis" in f.__dict__ and lo < f.lambda_1_mean < hi
    assert len(f.expected_rate) == len(series)
    for bad in (0.0, 1.0, float("nan")):
        with pytest.raises(ValueError, match="prob"):
            changepoint.fit(series, prob=bad)


@pytest.mark.parametrize("method", ["gibbs", "metropolis"])
def test_mcmc_agrees_with_exact(series, method):
    f = changepoint.fit(series, method=method, chains=4, draws=1000, tune=500, seed=3)
    s = f.summary()
    for v, exact in (("lambda_1", f.lambda_1_mean), ("lambda_2", f.lambda_2_mean)):
        assert abs(s.loc[v, "mean"] - exact) < 5 * s.loc[v, "mcse_mean"] + 1e-3
        assert s.loc[v, "r_hat"] < 1.05
    assert f.posterior["lambda_1"].shape == (4, 1000)
    assert f.mcmc_map_tau == f.map_tau
    # Seeded: the same draws again.
    g = changepoint.fit(series, method=method, chains=4, draws=1000, tune=500, seed=3)
    np.testing.assert_array_equal(g.posterior["tau"], f.posterior["tau"])


def test_to_arviz(series):
    az = pytest.importorskip("arviz")
    f = changepoint.fit(series, method="gibbs", draws=300, tune=200)
    idata = f.to_arviz()
    assert isinstance(idata, az.InferenceData)
    assert idata.posterior["lambda_1"].shape == (4, 300)
    # The tidy table, loaded as README documents, gives the same summary.
    d = f.draws()
    assert list(d.columns) == ["chain", "draw", "lambda_1", "lambda_2", "tau"]
    back = az.from_dict(posterior={
        v: d.pivot(index="chain", columns="draw", values=v).to_numpy()
        for v in ["lambda_1", "lambda_2", "tau"]})
    want = az.summary(back, round_to="none")
    got = f.summary()
    np.testing.assert_allclose(got.to_numpy(), want[got.columns].to_numpy(), rtol=1e-9)


def test_rank_users(rng):
    days = pd.date_range("2010-01-01", periods=60, freq="D", tz="UTC")
    rows = []
    for u, (r1, r2) in {"ACM0001": (5, 5), "BCM0002": (2, 12), "CCM0003": (6, 6)}.items():
        for i, d in enumerate(days):
            for _ in range(rng.poisson(r1 if i < 35 else r2)):
                rows.append((u, d + pd.Timedelta(hours=9)))
    logons = pd.DataFrame(rows, columns=["user", "date"])
    ranked = changepoint.rank_users(logons)
    assert ranked["user"].iloc[0] == "BCM0002"
    assert ranked["log_bayes_factor"].is_monotonic_decreasing
    assert abs(ranked["map_tau"].iloc[0] - 35) <= 2
    assert ranked["change_date"].iloc[0] == days[ranked["map_tau"].iloc[0]]
    # Each row equals a single fit of that user's series.
    table = changepoint.daily_counts(logons)
    one = changepoint.fit(table.loc["BCM0002"].to_numpy())
    assert ranked["log_bayes_factor"].iloc[0] == one.log_bayes_factor


def test_bad_counts():
    with pytest.raises(ValueError, match="non-negative integers"):
        changepoint.fit([1, -2, 3])
    with pytest.raises(ValueError):
        changepoint.fit([1, 2, 3], method="nuts")
