#!/usr/bin/env python3
"""Reference values for threatstat-kde's likelihood cross-validated bandwidth.

    python3 -m venv /tmp/venv-cvml && /tmp/venv-cvml/bin/pip install \
        statsmodels==0.15.0 scipy==1.17.1 numpy==2.4.6
    /tmp/venv-cvml/bin/python tools/reference/kde_cv_ml.py

Writes crates/threatstat-kde/tests/fixtures/statsmodels_cv_ml.json: for each
data set (fixed NumPy seed), the data, statsmodels'
KDEMultivariate(data, var_type='c'*d, bw='cv_ml').bw (Nelder-Mead from the
normal-reference start) and its leave-one-out log likelihood at that
bandwidth, -kde.loo_likelihood(bw, np.log) (statsmodels' convention: no
1/(n-1) factor), plus the normal-reference start.
"""
import json
import os
import sys

import numpy as np
import scipy
import statsmodels
from statsmodels.nonparametric.kernel_density import KDEMultivariate

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "threatstat-kde",
                   "tests", "fixtures", "statsmodels_cv_ml.json")


def data_sets(rng):
    n = 300
    comp = rng.random(n) < 0.6
    mix = np.where(comp, rng.normal(0.0, 1.0, n), rng.normal(4.0, 0.5, n))
    yield "d1_normal_mixture", mix[:, None]

    cov = [[1.0, 0.8], [0.8, 2.0]]
    yield "d2_correlated", rng.multivariate_normal([0.0, 10.0], cov, 300)

    x = rng.normal(size=(200, 3))
    x[:, 1] = 0.5 * x[:, 0] + rng.normal(0.0, 0.5, 200)
    x[:, 2] = 3.0 * rng.standard_t(5, 200)
    yield "d3_mixed", x

    # Upload bytes: log-normal, heavy right tail.
    yield "d1_lognormal_bytes", np.round(np.exp(rng.normal(8.0, 1.2, 400)), 3)[:, None]

    # Log-normal in 2-D with a normal second coordinate, 500 points.
    z = np.column_stack([np.exp(rng.normal(0.0, 0.8, 500)), rng.normal(0.0, 1.0, 500)])
    yield "d2_lognormal_normal", z


def main():
    rng = np.random.default_rng(20261207)
    sets = []
    for name, x in data_sets(rng):
        n, d = x.shape
        kde = KDEMultivariate(x, var_type="c" * d, bw="cv_ml")
        start = 1.06 * np.std(x, axis=0) * n ** (-1.0 / (4 + d))
        loo = -kde.loo_likelihood(kde.bw, np.log)
        sets.append({
            "name": name,
            "n": n,
            "d": d,
            "start": [float(v) for v in start],
            "bw": [float(v) for v in kde.bw],
            "loo_log_likelihood": float(loo),
            "data": [[float(v) for v in row] for row in x],
        })
        print(name, n, d, kde.bw, loo, file=sys.stderr)
    out = {
        "generator": "tools/reference/kde_cv_ml.py",
        "statsmodels": statsmodels.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "sets": sets,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
