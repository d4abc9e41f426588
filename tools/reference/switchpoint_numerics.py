#!/usr/bin/env python3
"""Reference values at 50 digits (mpmath) for the numerics of the exact
switchpoint posterior (crates/threatstat-changepoint/src/exact.rs):

- ln k! = loggamma(k + 1), for `ln_factorial_tests::matches_mpmath` (the
  Stirling series above k = 1,024);
- the Gamma(a, rate b) density at x for large shapes, for
  `gamma_pdf_tests::large_shapes_match_mpmath` (`gamma_pdf_large`).

Prints the Rust arrays.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install mpmath==1.3.0
    /tmp/venv/bin/python tools/reference/switchpoint_numerics.py
"""
import mpmath as mp

mp.mp.dps = 50
print("ln k!")
for k in [1_024, 1_025, 5_000, 65_535, 65_536, 1_200_000, 10_000_000, 123_456_789, 4_000_000_000]:
    print(f"            ({k:_}, {float(mp.loggamma(k + 1))!r}),")

print("Gamma pdf (a, b, x, f)")
# Shapes and rates of a 10^5-day series (counts ~10 a day, alpha ~0.09):
# the mode, 1 and 3 sd away, and far in a tail; and a shape of 1,024.
CASES = [
    (600_001, 60_000.089, 10.0),
    (600_001, 60_000.089, 10.0 + 0.0129),
    (600_001, 60_000.089, 10.0 - 3 * 0.0129),
    (600_001, 60_000.089, 9.8),
    (1_024, 100.5, 10.19),
    (1_024, 100.5, 12.0),
]
for a, b, x in CASES:
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    lf = a * mp.log(b) + (a - 1) * mp.log(x) - b * x - mp.loggamma(a)
    print(f"            ({float(a)!r}, {float(b)!r}, {float(x)!r}, {float(mp.exp(lf))!r}),")
