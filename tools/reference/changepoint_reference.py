#!/usr/bin/env python3
"""Reference values for threatstat-changepoint, computed independently.

1. Exact switchpoint posteriors with SciPy (scipy.special.gammaln, numerical
   quantiles of the Gamma mixture with scipy.optimize.brentq) -- an
   implementation independent of the Rust one (no prefix sums, direct sums).
2. ArviZ 0.23.4 diagnostics (rhat, ess_bulk, ess_tail, mcse_mean, hdi 94%)
   on fixed pseudo-random chains that are stored with the values.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install arviz==0.23.4 scipy==1.17.1
    /tmp/ref/bin/python tools/reference/changepoint_reference.py

Writes crates/threatstat-changepoint/tests/fixtures/{exact_reference.json,arviz_diagnostics.json}.
"""
import json
import os

import arviz as az
import numpy as np
from scipy import optimize, special, stats

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "crates", "threatstat-changepoint", "tests", "fixtures")


def exact(counts, alpha=None):
    y = np.asarray(counts, dtype=float)
    n = len(y)
    if alpha is None:
        alpha = 1.0 / y.mean()
    logp = np.empty(n)
    for k in range(n):
        s1, s2 = y[:k].sum(), y[k:].sum()
        logp[k] = (np.log(alpha) + special.gammaln(s1 + 1) - (s1 + 1) * np.log(k + alpha)
                   + np.log(alpha) + special.gammaln(s2 + 1) - (s2 + 1) * np.log(n - k + alpha))
    logp -= special.gammaln(y + 1).sum()
    log_m1 = special.logsumexp(logp) - np.log(n)
    post = np.exp(logp - special.logsumexp(logp))
    s = y.sum()
    log_m0 = np.log(alpha) + special.gammaln(s + 1) - (s + 1) * np.log(n + alpha) - special.gammaln(y + 1).sum()
    comp1 = [(post[k], y[:k].sum() + 1, k + alpha) for k in range(n)]
    comp2 = [(post[k], y[k:].sum() + 1, n - k + alpha) for k in range(n)]

    def mean(c):
        return float(sum(w * a / b for w, a, b in c))

    def quantile(c, p):
        cdf = lambda x: sum(w * stats.gamma.cdf(x, a, scale=1 / b) for w, a, b in c) - p
        hi = max(a / b for _, a, b in c) * 4 + 10
        return float(optimize.brentq(cdf, 0.0, hi, xtol=1e-13, rtol=1e-13))

    rate = [sum(post[k] * ((y[:k].sum() + 1) / (k + alpha) if t < k else (y[k:].sum() + 1) / (n - k + alpha))
                for k in range(n)) for t in range(n)]
    return {
        "counts": [int(v) for v in counts],
        "alpha": float(alpha),
        "tau_posterior": post.tolist(),
        "map_tau": int(np.argmax(post)),
        "log_marginal": float(log_m1),
        "log_marginal_no_change": float(log_m0),
        "log_bayes_factor": float(log_m1 - log_m0),
        "lambda_1_mean": mean(comp1),
        "lambda_2_mean": mean(comp2),
        "lambda_1_eti94": [quantile(comp1, 0.03), quantile(comp1, 0.97)],
        "lambda_2_eti94": [quantile(comp2, 0.03), quantile(comp2, 0.97)],
        "expected_rate": [float(r) for r in rate],
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    bmh = [int(float(l)) for l in open(os.path.join(ROOT, "crates", "threatstat-changepoint", "tests", "fixtures", "txtdata.csv")) if l.strip()]
    rng = np.random.default_rng(20261122)
    cases = {"bmh_txtdata": exact(bmh)}
    cases["bmh_txtdata_alpha_0.1"] = exact(bmh, alpha=0.1)
    step = list(rng.poisson(3.0, 60)) + list(rng.poisson(9.0, 40))
    cases["step_3_to_9"] = exact(step)
    flat = list(rng.poisson(5.0, 120))
    cases["no_change"] = exact(flat)
    drop = list(rng.poisson(20.0, 30)) + [0] * 15
    cases["drop_to_zero"] = exact(drop)
    cases["single_day"] = exact([4])
    cases["two_days_custom_alpha"] = exact([0, 7], alpha=0.5)
    json.dump(cases, open(os.path.join(OUT, "exact_reference.json"), "w"), indent=1)

    diag = {}
    def add(name, chains):
        chains = np.asarray(chains, dtype=float)
        rec = {"chains": chains.tolist()}
        rec["ess_bulk"] = float(az.ess(chains, method="bulk"))
        rec["ess_tail"] = float(az.ess(chains, method="tail"))
        rec["ess_mean"] = float(az.ess(chains, method="mean"))
        rec["mcse_mean"] = float(az.mcse(chains, method="mean"))
        rec["rhat"] = float(az.rhat(chains, method="rank")) if chains.shape[0] > 1 else None
        lo, hi = az.hdi(chains.ravel(), hdi_prob=0.94)
        rec["hdi94"] = [float(lo), float(hi)]
        diag[name] = rec
    def ar1(phi, chains, draws, shift=None):
        out = np.zeros((chains, draws))
        for c in range(chains):
            x = rng.normal()
            for i in range(draws):
                x = phi * x + rng.normal()
                out[c, i] = x + (0 if shift is None else shift[c])
        return out
    add("iid_4x500", rng.normal(size=(4, 500)))
    add("ar1_0.9_4x1000", ar1(0.9, 4, 1000))
    add("ar1_0.5_odd_3x301", ar1(0.5, 3, 301))
    add("shifted_chains_4x200", ar1(0.3, 4, 200, shift=[0, 0, 0, 2.5]))
    add("discrete_ties_4x400", rng.poisson(2.0, size=(4, 400)))
    add("one_chain_1x800", ar1(0.7, 1, 800))
    add("heavy_tail_2x600", rng.standard_t(2.0, size=(2, 600)))
    json.dump(diag, open(os.path.join(OUT, "arviz_diagnostics.json"), "w"))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
