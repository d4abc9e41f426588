#!/usr/bin/env python3
"""ArviZ's az.summary of draws written by `threatstat changepoint fit --draws-out`.

The draws tables (tidy CSV: chain, draw, lambda_1, lambda_2, tau) are made by
threatstat itself and committed as fixtures:

    T=target/debug/threatstat; F=crates/threatstat-changepoint/tests/fixtures
    for m in gibbs metropolis exact; do
      $T changepoint fit --input $F/txtdata.csv --method $m --chains 4 --draws 500 \
         --tune 500 --seed 1 --out /dev/null --draws-out $F/draws_txtdata_$m.csv --quiet
    done

This script loads each table into ArviZ the way README documents (pandas ->
az.from_dict), runs az.summary(idata, round_to="none") (94% HDI, ArviZ's
defaults otherwise) and writes every cell to
crates/threatstat-changepoint/tests/fixtures/arviz_summary.json, which
tests/reference.rs compares with threatstat's summary of the same draws.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install -r tools/reference/requirements-arviz.txt
    /tmp/ref/bin/python tools/reference/changepoint_summary.py
"""
import json
import os

import arviz as az
import pandas as pd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIX = os.path.join(ROOT, "crates", "threatstat-changepoint", "tests", "fixtures")
VARS = ["lambda_1", "lambda_2", "tau"]


def load(path):
    """The documented loading: one (chain, draw) array per variable."""
    df = pd.read_csv(path)
    return az.from_dict(posterior={
        v: df.pivot(index="chain", columns="draw", values=v).to_numpy() for v in VARS})


def main():
    out = {"arviz": az.__version__, "pandas": pd.__version__, "cases": {}}
    for method in ["gibbs", "metropolis", "exact"]:
        name = f"draws_txtdata_{method}.csv"
        s = az.summary(load(os.path.join(FIX, name)), round_to="none")
        out["cases"][name] = {v: {c: float(s.loc[v, c]) for c in s.columns} for v in VARS}
    with open(os.path.join(FIX, "arviz_summary.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out["cases"]["draws_txtdata_gibbs.csv"], indent=1))


if __name__ == "__main__":
    main()
