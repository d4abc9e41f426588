"""Exact values of the standard normal CDF for crates/threatstat-ranktest/src/normal.rs
(test `within_a_few_ulps_of_the_exact_values`): Phi(-x) by the continued fraction of
Mills' ratio, Phi(-x) = pdf(x) / (x + 1/(x + 2/(x + 3/(x + ...)))), in 60-digit decimal
arithmetic, printed as correctly rounded doubles (repr). Standard library only.
The quantile 1.959963984540054 (= -ndtri(0.025) = ndtri(0.975)) is the double of the
tabulated 1.95996398454005423552459443052.
Phi(-1) comes from the series Phi(x) = 1/2 + pdf(x) (x + x^3/3 + x^5/(3*5) + ...)
(the continued fraction converges slowly at x = 1)."""
from decimal import Decimal as D, getcontext

getcontext().prec = 60


def pi():
    def arctan(n):
        x = D(1) / n
        x2, s, t, k = x * x, x, x, 1
        while True:
            t *= -x2
            k += 2
            term = t / k
            if abs(term) < D(10) ** -70:
                return s
            s += term
    return 4 * (4 * arctan(5) - arctan(239))


def phi_neg(x):
    x = D(x)
    t = x
    for k in range(2000, 0, -1):
        t = x + D(k) / t
    pdf = (-(x * x) / 2).exp() / (2 * pi()).sqrt()
    return pdf / t


def phi_neg_series(x):
    x = D(x)
    term, s, k = x, x, 1
    while term > D(10) ** -70:
        k += 2
        term = term * x * x / k
        s += term
    return D(1) / 2 - (-(x * x) / 2).exp() / (2 * pi()).sqrt() * s


print("ndtr(-1)", repr(float(phi_neg_series(1))))
for x in (10, 38, 40):
    p = phi_neg(x)
    print(f"ndtr(-{x})", repr(float(p)), f"log_ndtr(-{x})", repr(float(p.ln())))
