#!/usr/bin/env python3
"""The exact posterior of the switchpoint model in NumPy/SciPy, the peer of
`threatstat changepoint fit --method exact`.

    python benches/peers/switchpoint_exact.py SERIES.csv OUT.json

Model: lambda_1, lambda_2 ~ Exponential(alpha), alpha = 1/mean(y);
tau ~ DiscreteUniform(0, n-1); y_t ~ Poisson(lambda_1 if t < tau else
lambda_2). The rates are integrated out (Gamma-Poisson conjugacy), which
leaves p(tau | y) in closed form. SERIES.csv: one count per line, no header.
Writes tau_posterior, map_tau, lambda_1_mean, lambda_2_mean; prints the phase
timings as JSON.
"""
import sys

from peerlib import Phases, write_json

phases = Phases()
import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

phases.mark("imports")


def exact_tau(y, alpha):
    """p(tau = k | y) for k = 0..n-1 (k days before the change)."""
    n = len(y)
    c = np.concatenate([[0.0], np.cumsum(y)])
    k = np.arange(n)
    s1, s2 = c[k], c[n] - c[k]
    lp = (special.gammaln(s1 + 1) - (s1 + 1) * np.log(k + alpha)
          + special.gammaln(s2 + 1) - (s2 + 1) * np.log(n - k + alpha))
    return np.exp(lp - special.logsumexp(lp))


def exact_rate_means(y, alpha, p):
    """Posterior means of lambda_1 and lambda_2 (Gamma(s + 1, days + alpha)
    given tau, averaged over p(tau | y))."""
    n = len(y)
    c = np.concatenate([[0.0], np.cumsum(y)])
    k = np.arange(n)
    m1 = (c[k] + 1) / (k + alpha)
    m2 = (c[n] - c[k] + 1) / (n - k + alpha)
    return float(p @ m1), float(p @ m2)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    y = np.loadtxt(sys.argv[1], ndmin=1)
    phases.mark("read")
    alpha = 1.0 / y.mean()
    p = exact_tau(y, alpha)
    l1, l2 = exact_rate_means(y, alpha, p)
    phases.mark("compute")
    write_json(sys.argv[2], {"n_days": len(y), "alpha": alpha, "tau_posterior": p,
                             "map_tau": int(p.argmax()), "lambda_1_mean": l1, "lambda_2_mean": l2})
    phases.mark("write")
    phases.emit()


if __name__ == "__main__":
    main()
