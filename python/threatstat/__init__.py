"""threatstat: statistical tools for security-log analytics, from Python.

A thin layer over the Rust library crates of the threatstat workspace, in the
shapes Python users know:

* :mod:`threatstat.stats` -- ``mannwhitneyu`` and ``gaussian_kde`` as SciPy's;
* :mod:`threatstat.kde` -- statsmodels' and KDEpy's bandwidth rules, KDEpy's
  ``FFTKDE`` (binned, FFT) estimate;
* :mod:`threatstat.tsa` -- ``acf``, ``pacf``, ``acorr_ljungbox`` as statsmodels';
* :mod:`threatstat.markov` -- msticpy's ``sessionize_data`` and ``score_sessions``
  and a fitted Markov ``Model`` (save/load, likelihoods, explanations);
* :mod:`threatstat.changepoint` -- Bayesian switchpoints of daily counts
  (exact, Gibbs, Metropolis; ``az.summary``-style tables; users ranked);
* :mod:`threatstat.cloudtrail` -- automated (principal, API) pairs by
  autocorrelation (the notebook's rule or Ljung--Box with FDR control);
* :mod:`threatstat.attack` -- ATT&CK tactic-chain models from Attack Flow
  incidents (train, score, next, correlate alerts; save/load);
* :mod:`threatstat.lanl` -- the LANL upload-bytes analysis (``uploads``);
* :mod:`threatstat.features` -- session features and a random forest on
  CyberFL-format auth lines (``run``, featuretools' demo).

NumPy float64 arrays are read without copying, computation releases the GIL,
and library errors are raised as ``ValueError`` (``OSError`` for files) with the
library's message.
"""

from . import _threatstat  # noqa: F401  (the compiled extension)
from . import attack, changepoint, cloudtrail, features, kde, lanl, markov, stats, tsa

__all__ = ["attack", "stats", "kde", "tsa", "markov", "changepoint", "cloudtrail", "lanl", "features"]
__version__ = "0.1.0"
