#!/usr/bin/env python3
"""Gaussian KDE peers of `threatstat kde`: SciPy 1.17.1 `gaussian_kde`,
statsmodels 0.15.0 `KDEUnivariate`, KDEpy 1.1.12 `FFTKDE`.

    python benches/peers/kde_peers.py TOOL DATA.csv AT.csv OUT.json

DATA.csv, AT.csv: one number a line (1-D). TOOL and the threatstat command it
is compared with:

    scipy        gaussian_kde(data)(at), Scott's factor      kde --bandwidth scott
    statsmodels  KDEUnivariate(data).fit(bw="normal_reference", fft=True),
                 density interpolated linearly from its grid  kde --bandwidth normal-reference
    kdepy        FFTKDE(bw="ISJ").fit(data).evaluate(at)
                 (AT must be an equidistant grid around the data)  kde --bandwidth isj

Writes bandwidth (kernel standard deviation) and density; prints the phase
timings as JSON.
"""
import sys

from peerlib import Phases, write_json

phases = Phases()
import numpy as np  # noqa: E402

TOOLS = ("scipy", "statsmodels", "kdepy")
if len(sys.argv) != 5 or sys.argv[1] not in TOOLS:
    sys.exit(__doc__)
tool = sys.argv[1]
if tool == "scipy":
    from scipy.stats import gaussian_kde  # noqa: E402
elif tool == "statsmodels":
    from statsmodels.nonparametric.kde import KDEUnivariate  # noqa: E402
else:
    from KDEpy import FFTKDE  # noqa: E402
phases.mark("imports")


def main():
    data = np.loadtxt(sys.argv[2], ndmin=1)
    at = np.loadtxt(sys.argv[3], ndmin=1)
    phases.mark("read")
    if tool == "scipy":
        kde = gaussian_kde(data)
        density = kde(at)
        bw = float(np.sqrt(kde.covariance[0, 0]))
    elif tool == "statsmodels":
        kde = KDEUnivariate(data)
        kde.fit(kernel="gau", bw="normal_reference", fft=True)
        density = np.interp(at, kde.support, kde.density)
        bw = float(kde.bw)
    else:
        kde = FFTKDE(kernel="gaussian", bw="ISJ").fit(data)
        density = kde.evaluate(at)
        bw = float(kde.bw)
    phases.mark("compute")
    write_json(sys.argv[4], {"tool": tool, "n": len(data), "bandwidth": bw, "density": density})
    phases.mark("write")
    phases.emit()


if __name__ == "__main__":
    main()
