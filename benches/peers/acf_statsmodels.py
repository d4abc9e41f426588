#!/usr/bin/env python3
"""statsmodels 0.15.0 `acf` and `acorr_ljungbox`, the peer of
`threatstat acf --convention statsmodels`.

    python benches/peers/acf_statsmodels.py [--fft-q] SERIES.txt LAGS OUT.json

SERIES.txt: one number a line. acf(x, nlags=LAGS) with statsmodels' defaults
(FFT, denominators n) and acorr_ljungbox(x, lags=LAGS). acorr_ljungbox
computes its own autocorrelations with acf(fft=False), which is O(n²);
--fft-q instead takes Q and p from q_stat(acf[1:], n), statsmodels' own
formula applied to the FFT autocorrelations (the same numbers, O(n log n)),
as a user who knows this would. Writes acf (lags 0..LAGS), ljung_box_q and
ljung_box_p (lags 1..LAGS); prints the phase timings as JSON.
"""
import sys

from peerlib import Phases, write_json

phases = Phases()
import numpy as np  # noqa: E402
from statsmodels.stats.diagnostic import acorr_ljungbox  # noqa: E402
from statsmodels.tsa.stattools import acf, q_stat  # noqa: E402

phases.mark("imports")


def main():
    args = sys.argv[1:]
    fft_q = "--fft-q" in args
    args = [a for a in args if a != "--fft-q"]
    if len(args) != 3:
        sys.exit(__doc__)
    x = np.loadtxt(args[0], ndmin=1)
    lags = int(args[1])
    phases.mark("read")
    r = acf(x, nlags=lags)
    if fft_q:
        q, p = q_stat(r[1:], len(x))
    else:
        lb = acorr_ljungbox(x, lags=lags)
        q, p = lb["lb_stat"].to_numpy(), lb["lb_pvalue"].to_numpy()
    phases.mark("compute")
    write_json(args[2], {"n": len(x), "lags": lags, "acf": r, "ljung_box_q": q, "ljung_box_p": p})
    phases.mark("write")
    phases.emit()


if __name__ == "__main__":
    main()
