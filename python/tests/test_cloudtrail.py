"""threatstat.cloudtrail.automation on a generated event log: its
measurements against pandas (``Series.autocorr``, the notebook's rule) and
statsmodels (``acorr_ljungbox``), and the flags.

Tolerances: autocorrelations 1e-12 absolute, Ljung-Box Q 1e-10 relative
and its chi2 p-value 1e-9 relative."""

import numpy as np
import pandas as pd
from statsmodels.stats.diagnostic import acorr_ljungbox

from threatstat import cloudtrail


def _log(rng):
    start = pd.Timestamp("2024-01-01", tz="UTC")
    rows = []
    for d in range(60):  # a job every third day, 24 calls
        if d % 3 == 0:
            rows += [("role/cron", "PutObject", start + pd.Timedelta(days=d, minutes=m))
                     for m in range(24)]
    for who in ("alice", "bob", "carol"):
        for d in range(60):
            for _ in range(rng.poisson(2)):
                rows.append((who, "GetObject", start + pd.Timedelta(days=d, hours=9)))
    return pd.DataFrame(rows, columns=["principal", "api", "time"])


def test_measurements_match_pandas_and_statsmodels(rng):
    events = _log(rng)
    table = cloudtrail.pair_counts(events)
    for rule in ("notebook", "ljung-box"):
        out = cloudtrail.automation(events, rule=rule, p_values="chi2")
        assert len(out) == len(table) == 4
        for _, row in out.iterrows():
            x = table.loc[(row["principal"], row["api"])].to_numpy(dtype=float)
            s = pd.Series(x)
            acfs = np.array([s.autocorr(k) for k in range(1, 8)])
            np.testing.assert_allclose(row["max_abs_acf"], np.nanmax(np.abs(acfs)), atol=1e-12)
            lb = acorr_ljungbox(x, lags=7)
            np.testing.assert_allclose(row["ljung_box_q"], lb["lb_stat"].iloc[-1], rtol=1e-10)
            np.testing.assert_allclose(row["ljung_box_p"], lb["lb_pvalue"].iloc[-1], rtol=1e-9)
            assert row["n"] == 60 and row["total"] == x.sum()
        assert out["principal"].iloc[0] == "role/cron" and out["flagged"].iloc[0]
        assert out["best_lag"].iloc[0] == 3
        assert not out["flagged"].iloc[1:].any()


def test_permutation_p_values_are_seeded(rng):
    events = _log(rng)
    a = cloudtrail.automation(events, seed=5)
    b = cloudtrail.automation(events, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert a["flagged"].iloc[0] and a["principal"].iloc[0] == "role/cron"


def test_bad_parameters(rng):
    events = _log(rng)
    import pytest

    with pytest.raises(ValueError, match="fdr"):
        cloudtrail.automation(events, fdr=2.0)
    with pytest.raises(ValueError, match="lags"):
        cloudtrail.automation(events, lags=100)
    with pytest.raises(ValueError, match="rule"):
        cloudtrail.automation(events, rule="magic")
