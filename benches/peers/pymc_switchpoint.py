#!/usr/bin/env python3
"""Time PyMC 5.28.5 on the switchpoint model of one daily count series and
compare its posterior of tau with the exact one (NumPy/SciPy).

    python benches/peers/pymc_switchpoint.py SERIES.csv [chains draws tune seed]

SERIES.csv: one count per line (no header), e.g.
crates/threatstat-changepoint/tests/fixtures/txtdata.csv. Prints wall time of
pm.sample (default step methods: NUTS for the rates, Metropolis for tau),
R-hat and ESS from ArviZ, and the total-variation distance to the exact
posterior. Needs pymc==5.28.5 and arviz==0.23.4.
"""
import sys
import time

import arviz as az
import numpy as np
import pymc as pm
from scipy import special


def exact_tau(y, alpha):
    n = len(y)
    c = np.concatenate([[0.0], np.cumsum(y)])
    k = np.arange(n)
    s1, s2 = c[k], c[n] - c[k]
    lp = special.gammaln(s1 + 1) - (s1 + 1) * np.log(k + alpha) + special.gammaln(s2 + 1) - (s2 + 1) * np.log(n - k + alpha)
    return np.exp(lp - special.logsumexp(lp))


def main():
    y = np.loadtxt(sys.argv[1])
    chains, draws, tune, seed = (int(a) for a in (sys.argv[2:] + ["4", "2000", "1000", "1"])[:4])
    n = len(y)
    alpha = 1.0 / y.mean()
    with pm.Model():
        l1 = pm.Exponential("lambda_1", alpha)
        l2 = pm.Exponential("lambda_2", alpha)
        tau = pm.DiscreteUniform("tau", lower=0, upper=n - 1)
        idx = np.arange(n)
        pm.Poisson("obs", pm.math.switch(tau > idx, l1, l2), observed=y)
        t0 = time.perf_counter()
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=2, random_seed=seed, progressbar=False)
        secs = time.perf_counter() - t0
    taus = idata.posterior["tau"].values.ravel()
    freq = np.bincount(taus, minlength=n) / taus.size
    tv = 0.5 * np.abs(freq - exact_tau(y, alpha)).sum()
    rhat = float(az.rhat(idata).to_array().max())
    ess_bulk = float(az.ess(idata, method="bulk").to_array().min())
    ess_tail = float(az.ess(idata, method="tail").to_array().min())
    print(f"pymc: {n} days, {chains}x{draws} (+{tune} tune): {secs:.1f} s; "
          f"max R-hat {rhat:.3f}, min ESS bulk {ess_bulk:.0f}, tail {ess_tail:.0f}; TV to exact {tv:.4f}")


if __name__ == "__main__":
    main()
