#!/usr/bin/env python3
"""Time PyMC 5.28.5 on the switchpoint model of one daily count series and
compare its posterior of tau with the exact one (NumPy/SciPy); the peer of
`threatstat changepoint fit --method gibbs`.

    python benches/peers/pymc_switchpoint.py SERIES.csv [chains draws tune seed] [--out OUT.json]

SERIES.csv: one count per line (no header), e.g.
crates/threatstat-changepoint/tests/fixtures/txtdata.csv. Runs pm.sample with
the default step methods (NUTS for the rates, Metropolis for tau) and
cores=2, and prints wall time of pm.sample, R-hat and ESS from ArviZ, and the
total-variation distance to the exact posterior. With --out (used by
benches/compare.sh) it writes tau_posterior (draw frequencies), the rates'
means and the diagnostics as JSON and prints the phase timings as JSON
instead. Needs pymc==5.28.5 and arviz==0.23.4.
"""
import sys

from peerlib import Phases, write_json

phases = Phases()
import arviz as az  # noqa: E402
import numpy as np  # noqa: E402
import pymc as pm  # noqa: E402

from switchpoint_exact import exact_tau  # noqa: E402

phases.mark("imports")


def main():
    args = sys.argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        out = args[i + 1]
        args = args[:i] + args[i + 2:]
    if not 1 <= len(args) <= 5:
        sys.exit(__doc__)
    y = np.loadtxt(args[0], ndmin=1)
    chains, draws, tune, seed = (int(a) for a in (args[1:] + ["4", "2000", "1000", "1"][len(args) - 1:])[:4])
    phases.mark("read")
    n = len(y)
    alpha = 1.0 / y.mean()
    with pm.Model():
        l1 = pm.Exponential("lambda_1", alpha)
        l2 = pm.Exponential("lambda_2", alpha)
        tau = pm.DiscreteUniform("tau", lower=0, upper=n - 1)
        idx = np.arange(n)
        pm.Poisson("obs", pm.math.switch(tau > idx, l1, l2), observed=y)
        phases.mark("model")
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=2, random_seed=seed,
                          progressbar=False)
    phases.mark("compute")
    taus = idata.posterior["tau"].values.ravel()
    freq = np.bincount(taus, minlength=n) / taus.size
    tv = 0.5 * np.abs(freq - exact_tau(y, alpha)).sum()
    rhat = float(az.rhat(idata).to_array().max())
    ess_bulk = float(az.ess(idata, method="bulk").to_array().min())
    ess_tail = float(az.ess(idata, method="tail").to_array().min())
    phases.mark("diagnostics")
    if out is None:
        print(f"pymc: {n} days, {chains}x{draws} (+{tune} tune): {phases.secs['compute']:.1f} s; "
              f"max R-hat {rhat:.3f}, min ESS bulk {ess_bulk:.0f}, tail {ess_tail:.0f}; TV to exact {tv:.4f}")
        return
    post = idata.posterior
    write_json(out, {"n_days": n, "alpha": alpha, "tau_posterior": freq, "map_tau": int(freq.argmax()),
                     "lambda_1_mean": float(post["lambda_1"].mean()),
                     "lambda_2_mean": float(post["lambda_2"].mean()),
                     "rhat": rhat, "ess_bulk": ess_bulk, "ess_tail": ess_tail,
                     "tv_distance_to_exact": tv,
                     "mcmc": {"chains": chains, "draws": draws, "tune": tune, "seed": seed}})
    phases.mark("write")
    phases.emit()


if __name__ == "__main__":
    main()
