#!/usr/bin/env python3
"""Reference values for threatstat-acf, from pandas, statsmodels and SciPy.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install \
        statsmodels==0.15.0 pandas==3.1.1 scipy==1.17.1
    /tmp/ref/bin/python tools/reference/acf_reference.py            # writes the fixtures
    /tmp/ref/bin/python tools/reference/acf_reference.py --bench    # times the Python peers

Writes crates/threatstat-acf/tests/fixtures/acf_reference.json:

* ``cases``: series (random, AR(1), weekly seasonal, Poisson and sparse
  counts, constants, n = 1, 2, 3, NaN-containing, long, offset, trend,
  alternating) with
  - ``pandas_autocorr``: ``pd.Series(x).autocorr(k)`` for k = 0..L;
  - ``acf``: ``statsmodels.tsa.stattools.acf`` for every combination of
    ``adjusted``, ``fft`` and ``missing`` (none, conservative, drop), with
    ``qstat=True`` (the Ljung-Box of ``q_stat``) where it is defined;
  - ``acf_default``: ``acf(x)`` with the default ``nlags``;
  - ``pacf``: ``pacf(x, nlags, method)`` for yw, ywm, ld, ldb;
  - ``ljung_box``: ``acorr_ljungbox(x, lags=L, boxpierce=True)``;
  - ``periodogram``: ``scipy.signal.periodogram(x)`` and 1/f at the
    arg-max of the power over non-zero frequencies.
* ``chi2``: ``scipy.stats.chi2.sf`` and ``logsf`` on a grid.
* ``bh``: ``multipletests(p, method="fdr_bh")`` q-values.
* ``automation``: 240 (principal, API) series of 90 days with the
  notebook's rule (pandas autocorr, lags 1-7, |r| >= 0.5) and the
  Ljung-Box rule (lags 7, Benjamini-Hochberg q <= 0.05), computed here with
  pandas, statsmodels and SciPy.

NaN (and the -inf of an underflowed logsf) is written as null. Nothing here is random at run time: every series
comes from a seeded NumPy generator and is stored with its values.
"""
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import signal, stats
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.multitest import multipletests
from statsmodels.tsa.stattools import acf, pacf

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "crates", "threatstat-acf", "tests", "fixtures")

warnings.simplefilter("ignore")


def clean(v):
    """JSON-safe: NaN and infinities -> None, numpy scalars -> Python floats."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return [clean(u) for u in v]
    if v is None:
        return None
    f = float(v)
    return None if not math.isfinite(f) else f


def series_cases():
    rng = np.random.default_rng(20240611)
    cases = {}
    cases["random_normal_200"] = rng.standard_normal(200)
    e = rng.standard_normal(500)
    ar = np.empty(500)
    ar[0] = e[0]
    for t in range(1, 500):
        ar[t] = 0.7 * ar[t - 1] + e[t]
    cases["ar1_0.7_500"] = ar
    week = np.array([10.0, 12.0, 11.0, 13.0, 12.0, 2.0, 1.0])
    cases["seasonal7_91"] = week[np.arange(91) % 7] + rng.standard_normal(91)
    cases["poisson_counts_90"] = rng.poisson(3.0, 90).astype(float)
    sparse = np.zeros(90)
    sparse[rng.choice(90, 6, replace=False)] = rng.integers(1, 40, 6)
    cases["sparse_counts_90"] = sparse
    cases["constant_3_30"] = np.full(30, 3.0)
    cases["constant_tenth_90"] = np.full(90, 0.1)
    cases["n1"] = np.array([4.2])
    cases["n2"] = np.array([1.0, 3.0])
    cases["n3"] = np.array([0.0, 1.0, 4.0])
    x = rng.standard_normal(60) + 5.0
    x[[0, 7, 8, 21, 33, 34, 35, 59]] = np.nan
    cases["nan_60"] = x
    x = rng.poisson(2.0, 40).astype(float)
    x[[3, 17]] = np.nan
    cases["nan_counts_40"] = x
    cases["all_nan_5"] = np.full(5, np.nan)
    cases["long_2000_offset"] = 1000.0 + rng.standard_normal(2000)
    cases["offset_1e9_120"] = 1e9 + rng.standard_normal(120)
    cases["trend_100"] = np.arange(100) * 0.5 + rng.standard_normal(100)
    cases["alternating_40"] = np.where(np.arange(40) % 2 == 0, 1.0, -1.0)
    return cases


def safe(f):
    try:
        return f()
    except Exception as ex:  # recorded so that Rust checks it fails too
        return {"error": f"{type(ex).__name__}: {ex}"}


def one_case(x):
    n = len(x)
    out = {"x": clean(x)}
    L = min(30, n + 1)
    s = pd.Series(x)
    out["pandas_autocorr"] = clean([s.autocorr(k) for k in range(0, L + 1)])
    nan = int(np.isnan(x).sum())
    runs = []
    for missing in ["none", "conservative", "drop"]:
        neff = n - nan if missing != "none" else n
        nl = max(min(30, neff - 1), 0)
        for adjusted in [False, True]:
            for fft in [True, False]:
                def run():
                    r = acf(x, adjusted=adjusted, nlags=nl, fft=fft, missing=missing,
                            qstat=nl >= 1, result_object=True)
                    d = {"acf": clean(r.acf)}
                    if nl >= 1:
                        d["qstat"] = clean(r.qstat)
                        d["qstat_p"] = clean(r.pvalues)
                    return d
                runs.append({"missing": missing, "adjusted": adjusted, "fft": fft,
                             "nlags": nl, "result": safe(run)})
    out["acf"] = runs
    out["acf_default"] = safe(lambda: clean(acf(x)))
    if n >= 2:
        nl = min(20, n // 2)
        out["pacf"] = {"nlags": nl}
        for m in ["yw", "ywm", "ld", "ldb"]:
            out["pacf"][m] = safe(lambda: clean(pacf(x, nlags=nl, method=m)))
        if n >= 4:
            out["pacf"]["default_yw"] = safe(lambda: clean(pacf(x)))
        lags = min(30, n - 1)
        lb = acorr_ljungbox(x, lags=lags, boxpierce=True)
        out["ljung_box"] = {
            "lags": lags,
            "lb_stat": clean(lb["lb_stat"].to_numpy()),
            "lb_pvalue": clean(lb["lb_pvalue"].to_numpy()),
            "bp_stat": clean(lb["bp_stat"].to_numpy()),
            "bp_pvalue": clean(lb["bp_pvalue"].to_numpy()),
        }
    f, p = signal.periodogram(x)
    dom = None
    if len(p) > 1 and not np.isnan(p).any():
        dom = float(1.0 / f[1 + int(np.argmax(p[1:]))])
    out["periodogram"] = {"freqs": clean(f), "power": clean(p), "dominant_period": dom}
    return out


def chi2_grid():
    xs = [0.0, 1e-3, 0.5, 1.0, 2.0, 5.0, 7.3, 10.0, 20.0, 50.0, 100.0, 300.0, 1000.0,
          1399.0, 1401.0, 2000.0, 5000.0]
    dfs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 29, 30, 31, 50, 100, 101, 500, 1000]
    # SciPy's logsf is log(sf): -inf where sf underflows (written as null).
    grid = [(x, df) for x in xs for df in dfs]
    # Dense where Ljung-Box p-values of 7 to 30 lags live (odd df: erfc).
    grid += [(float(x), df) for x in np.linspace(0.05, 80.0, 161) for df in (1, 3, 7, 8, 30)]
    return [[x, df, float(stats.chi2.sf(x, df)), clean(stats.chi2.logsf(x, df))]
            for x, df in grid]


def bh_case():
    rng = np.random.default_rng(7)
    p = np.concatenate([rng.uniform(0, 1, 60), rng.uniform(0, 0.001, 15),
                        [0.01, 0.01, 0.01, 0.2, 0.2, 1.0, 0.0]])
    rng.shuffle(p)
    q = multipletests(p, method="fdr_bh")[1]
    return {"p": clean(p), "q": clean(q)}


def automation_series():
    """240 pairs: humans (Poisson), weekly jobs, daily jobs, bursts,
    constants, short series."""
    rng = np.random.default_rng(99)
    out = []
    for i in range(240):
        kind = i % 8
        if kind in (0, 1, 2):
            x = rng.poisson(rng.uniform(0.5, 20.0), 90)
            name = "human"
        elif kind == 3:
            x = np.where(np.arange(90) % 7 == rng.integers(0, 7), rng.integers(5, 50), 0)
            x = x + rng.poisson(0.3, 90)
            name = "weekly-job"
        elif kind == 4:
            base = np.array([30, 30, 30, 30, 30, 2, 2])
            x = rng.poisson(base[(np.arange(90) + rng.integers(0, 7)) % 7])
            name = "weekday-job"
        elif kind == 5:
            x = np.zeros(90, dtype=int)
            start = rng.integers(0, 80)
            x[start:start + 8] = rng.poisson(20, 8)
            name = "burst"
        elif kind == 6:
            x = np.full(90, int(rng.integers(0, 3)))
            name = "constant"
        else:
            x = rng.poisson(3.0, int(rng.integers(1, 12)))
            name = "short"
        out.append((f"role-{i % 37:02d}", f"{name}:Api{i:03d}", x.astype(float)))
    return out


def automation_case():
    pairs = automation_series()
    rows = []
    for principal, api, x in pairs:
        s = pd.Series(x)
        n = len(x)
        r = np.array([s.autocorr(k) for k in range(1, 8)])
        ok = ~np.isnan(r)
        if ok.any():
            a = np.abs(r)
            a[~ok] = -1.0
            best = int(np.argmax(a)) + 1
            mx = float(a[best - 1])
        else:
            best, mx = 0, float("nan")
        constant = bool((x == x[0]).all()) if n else True
        if n > 7 and not constant:
            lb = acorr_ljungbox(x, lags=7)
            q, p = float(lb["lb_stat"].iloc[-1]), float(lb["lb_pvalue"].iloc[-1])
        else:
            q, p = float("nan"), float("nan")
        dom = None
        if n >= 2 and not constant:
            f, pw = signal.periodogram(x)
            dom = float(1.0 / f[1 + int(np.argmax(pw[1:]))])
        rows.append({"principal": principal, "api": api, "counts": clean(x),
                     "acf_1_7": clean(r), "max_abs_acf": mx, "best_lag": best, "ljung_box_q": q,
                     "ljung_box_p": p, "dominant_period": dom, "n": n,
                     "total": float(np.nansum(x))})
    pv = np.array([r["ljung_box_p"] for r in rows])
    ok = ~np.isnan(pv)
    qv = np.full(len(pv), np.nan)
    qv[ok] = multipletests(pv[ok], method="fdr_bh")[1]
    for r, q in zip(rows, qv):
        r["q_value"] = float(q)

    def rank(rule):
        def key(i):
            r = rows[i]
            if rule == "notebook":
                flagged = (not math.isnan(r["max_abs_acf"])) and r["max_abs_acf"] >= 0.5
                score = r["max_abs_acf"]
            else:
                flagged = (not math.isnan(r["q_value"])) and r["q_value"] <= 0.05
                score = (-stats.chi2.logsf(r["ljung_box_q"], 7) / math.log(10)
                         if not math.isnan(r["ljung_box_q"]) else float("nan"))
            nan_s, nan_q = math.isnan(score), math.isnan(r["ljung_box_q"])
            return (not flagged, nan_s, 0.0 if nan_s else -score, nan_q,
                    0.0 if nan_q else -r["ljung_box_q"], r["principal"], r["api"], i)
        order = sorted(range(len(rows)), key=key)
        flagged = [not key(i)[0] for i in order]
        return {"order": order, "flagged": flagged}

    out = {"rows": rows, "notebook": rank("notebook"), "ljung_box": rank("ljung_box")}
    for r in out["rows"]:
        for k in ("max_abs_acf", "ljung_box_q", "ljung_box_p", "q_value"):
            r[k] = clean(r[k])
    return out


def write_fixtures():
    os.makedirs(OUT, exist_ok=True)
    data = {
        "versions": {"pandas": pd.__version__, "statsmodels": statsmodels.__version__,
                     "scipy": scipy.__version__, "numpy": np.__version__},
        "cases": {name: one_case(x) for name, x in series_cases().items()},
        "chi2": chi2_grid(),
        "bh": bh_case(),
        "automation": automation_case(),
    }
    path = os.path.join(OUT, "acf_reference.json")
    with open(path, "w") as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path}")


def timeit(label, f, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    print(f"{label}: {best:.4f} s (best of {repeat})")
    return best


def bench():
    """The Python side of benches/benches/acf.rs, same sizes, same machine."""
    rng = np.random.default_rng(1)
    x6 = rng.standard_normal(1_000_000)
    timeit("statsmodels acf(10^6, nlags=30, fft=True)", lambda: acf(x6, nlags=30, fft=True))
    # acf(fft=False) correlates the whole series (O(n^2)): not timed at 10^6.
    s6 = pd.Series(x6)
    timeit("pandas autocorr(10^6) at lags 1..30", lambda: [s6.autocorr(k) for k in range(1, 31)])
    x5 = rng.standard_normal(100_000)
    timeit("statsmodels acorr_ljungbox(10^5, lags=30, boxpierce=True)",
           lambda: acorr_ljungbox(x5, lags=30, boxpierce=True), repeat=1)
    # Detection: 90-day Poisson counts; pandas autocorr lags 1-7 and
    # acorr_ljungbox(lags=7) per series, timed on 2,000 series.
    m = 2000
    series = [rng.poisson(3.0, 90).astype(float) for _ in range(m)]

    def notebook():
        for x in series:
            s = pd.Series(x)
            max(abs(s.autocorr(k)) for k in range(1, 8))

    def ljung():
        ps = [acorr_ljungbox(x, lags=7)["lb_pvalue"].iloc[-1] for x in series]
        multipletests(ps, method="fdr_bh")

    t = timeit(f"pandas notebook rule on {m} series of 90 days", notebook, repeat=1)
    print(f"  -> {t * 100_000 / m:.1f} s for 10^5 series (linear extrapolation)")
    t = timeit(f"statsmodels Ljung-Box + BH on {m} series of 90 days", ljung, repeat=1)
    print(f"  -> {t * 100_000 / m:.1f} s for 10^5 series (linear extrapolation)")


if __name__ == "__main__":
    if "--bench" in sys.argv:
        bench()
    else:
        write_fixtures()
