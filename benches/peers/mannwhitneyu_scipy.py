#!/usr/bin/env python3
"""SciPy 1.17.1 `mannwhitneyu`, the peer of `threatstat mwu --f64le`.

    python benches/peers/mannwhitneyu_scipy.py X.f64 Y.f64 OUT.json

X.f64, Y.f64: raw little-endian f64 samples. Two-sided, method "auto",
continuity correction (SciPy's defaults, as threatstat's). Writes u, p_value;
prints the phase timings as JSON.
"""
import sys

from peerlib import Phases, write_json

phases = Phases()
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

phases.mark("imports")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    x = np.fromfile(sys.argv[1], dtype="<f8")
    y = np.fromfile(sys.argv[2], dtype="<f8")
    phases.mark("read")
    r = stats.mannwhitneyu(x, y, alternative="two-sided", method="auto", use_continuity=True)
    phases.mark("compute")
    write_json(sys.argv[3], {"u": float(r.statistic), "p_value": float(r.pvalue)})
    phases.mark("write")
    phases.emit()


if __name__ == "__main__":
    main()
