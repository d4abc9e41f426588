"""Reference values for threatstat-core's `numerics::median` (numerics.rs tests):
np.median of an even number of values is the mean of the two middle ones,
(a + b) / 2, not np.quantile(v, 0.5)'s interpolation b - (b - a) * 0.5; the
two differ in the last bit when a and b have different signs or magnitudes.

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy && /tmp/v/bin/python this.py
"""
import numpy as np

v = [-1.4050485787392175, 0.00035409956664017497]
print(f"np.median   {np.median(v)!r}")
print(f"np.quantile {np.quantile(v, 0.5)!r}; numpy {np.__version__}")
