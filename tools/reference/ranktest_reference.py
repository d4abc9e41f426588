#!/usr/bin/env python3
"""Reference values for threatstat-ranktest (Mann-Whitney U), computed with
SciPy 1.17.1 and independent exact arithmetic.

What is computed, per data set (stored with the values):

1. ``scipy.stats.mannwhitneyu`` (SciPy 1.17.1) for every alternative
   (two-sided, less, greater), method (asymptotic, exact, auto) and
   use_continuity (True/False): the statistic U1 and the p-value. The method
   'auto' resolves to is recorded with SciPy's own ``_mwu_choose_method``.
   SciPy's exact method is only run where its O((n1 n2)^2) recurrence is
   quick (n1 n2 <= 40000).
2. Exact p-values of the exact method from exact big-integer counts of the
   null distribution (Python ints, the generating function
   prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)), with their natural logarithms
   (finite where the p-value underflows). They are compared with SciPy's
   where SciPy ran (they agree to 1e-13 relative or better; checked here).
3. ln p of the asymptotic method: ``scipy.special.log_ndtr(-z)`` with z
   computed by SciPy's formula (``_get_mwu_z``).
4. Effect sizes from U1: rank-biserial 2 U1/(n1 n2) - 1, CLES U1/(n1 n2).
5. The Hodges-Lehmann shift ``numpy.median(numpy.subtract.outer(x, y))``.
6. Confidence intervals of the shift in the convention of R's
   ``wilcox.test(x, y, conf.int=TRUE, conf.level=...)`` (stats 4.x). R is not
   available here, so R's algorithm is re-implemented from its source:
   * exact (R's default when both samples have < 50 values and no ties):
     ``qu <- qwilcox(alpha/2, n.x, n.y)`` (or alpha for one-sided), with
     qwilcox/pwilcox computed as R's C code does (cumulative sum of
     cwilcox(q)/choose(m+n, n) in double precision, with R's 10*DBL_EPSILON
     fuzz) from exact big-integer counts; ``if (qu == 0) qu <- 1``; the
     interval is ``c(diffs[qu], diffs[n.x*n.y - qu + 1])`` of the sorted
     differences, and the reported level is ``1 - achieved.alpha`` when R
     would warn that the requested level is not achievable.
   * asymptotic (ties or larger samples): R solves
     ``wdiff(d, zq) = (dz - CORRECTION.CI)/SIGMA.CI - zq = 0`` with uniroot
     (tol = 1e-4), where dz = (rank sum of x - d among (x - d, y)) -
     n.x(n.x+1)/2 - n.x n.y/2 and SIGMA.CI the tie-corrected sd of the
     ranks of (x - d, y). wdiff is a step function of d that changes only at
     the pairwise differences; we evaluate R's wdiff literally (ranks with
     scipy.stats.rankdata) between consecutive distinct differences and
     return the difference at which it changes sign, i.e. the exact root
     uniroot converges to (R's endpoint rules for mumin/mumax included).
7. Permutation p-values of ``mannwhitneyu(..., method=PermutationMethod(
   n_resamples=10**6))`` on small data sets, where SciPy enumerates every
   split (deterministic, exact conditional test).
8. ``exact_distribution.json``: P(U <= u) = P(U >= n1 n2 - u) at large sizes
   (500x500, 700x700, 1000x1000, 300x3000, 100x10000), from exact big-integer
   counts. Slow (about ten minutes); ``--quick`` keeps the committed file.

Usage::

    /work/venvs/ref/bin/python tools/reference/ranktest_reference.py [--quick]
    # time SciPy on raw little-endian f64 files (the benchmark's inputs):
    /work/venvs/ref/bin/python tools/reference/ranktest_reference.py --time-scipy X.f64 Y.f64

(venv: python3 -m venv ref && ref/bin/pip install scipy==1.17.1 numpy)

Writes crates/threatstat-ranktest/tests/fixtures/{mwu_reference.json,exact_distribution.json}.
"""
import argparse
import json
import math
import os
import sys
import time
from fractions import Fraction

import numpy as np
import scipy
from scipy import special, stats
from scipy.stats import _mannwhitneyu as smwu

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "crates", "threatstat-ranktest", "tests", "fixtures")
DBL_EPSILON = np.finfo(float).eps


def enc(v):
    """JSON-safe float: NaN and infinities as strings."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


# ---------------------------------------------------------------- exact counts

def u_counts(m, n, c):
    """Exact counts of U = 0..c for sample sizes (m, n) (Python ints)."""
    m, n = min(m, n), max(m, n)
    a = [0] * (c + 1)
    a[0] = 1
    for i in range(1, m + 1):
        for u in range(i, c + 1):
            a[u] += a[u - i]
        s = n + i
        for u in range(c, s - 1, -1):
            a[u] -= a[u - s]
    return a


def exact_cdf(m, n, c):
    """P(U <= c) as a Fraction."""
    mn = m * n
    if c < 0:
        return Fraction(0)
    if c >= mn:
        return Fraction(1)
    total = math.comb(m + n, m)
    if c > mn // 2:
        return 1 - exact_cdf(m, n, mn - c - 1)
    return Fraction(sum(u_counts(m, n, c)), total)


def exact_sf(m, n, k):
    """P(U >= k) as a Fraction (by symmetry, P(U <= mn - k))."""
    return exact_cdf(m, n, m * n - k)


def frac_ln(f):
    if f == 0:
        return float("-inf")
    return math.log(f.numerator) - math.log(f.denominator)


# ------------------------------------------------------------------- R's CIs

def r_exact_ci(x, y, alternative, conf):
    nx, ny = len(x), len(y)
    mn = nx * ny
    alpha = 1 - conf
    counts = u_counts(nx, ny, mn // 2)
    counts = counts + [counts[mn - u] for u in range(mn // 2 + 1, mn + 1)]
    c = float(math.comb(nx + ny, ny))

    def qwilcox(xq):
        p = 0.0
        if xq <= 0.5:
            xq = xq - 10 * DBL_EPSILON
            q = 0
            while True:
                p += float(counts[q]) / c
                if p >= xq:
                    return q
                q += 1
        xq = 1 - xq + 10 * DBL_EPSILON
        q = 0
        while True:
            p += float(counts[q]) / c
            if p > xq:
                return mn - q
            q += 1

    def pwilcox(q):
        if q < 0:
            return 0.0
        p = 0.0
        for i in range(q + 1):
            p += float(counts[i]) / c
        return p

    diffs = np.sort(np.subtract.outer(np.asarray(x), np.asarray(y)).ravel())
    if alternative == "two-sided":
        qu = qwilcox(alpha / 2)
        if qu == 0:
            qu = 1
        ql = mn - qu
        achieved = 2 * pwilcox(qu - 1)
        lo, hi = diffs[qu - 1], diffs[ql]
    elif alternative == "greater":
        qu = qwilcox(alpha)
        if qu == 0:
            qu = 1
        achieved = pwilcox(qu - 1)
        lo, hi = diffs[qu - 1], math.inf
    else:
        qu = qwilcox(alpha)
        if qu == 0:
            qu = 1
        ql = mn - qu
        achieved = pwilcox(qu - 1)
        lo, hi = -math.inf, diffs[ql]
    level = 1 - achieved if achieved - alpha > alpha / 2 else conf
    return float(lo), float(hi), float(level)


def r_asymptotic_ci(x, y, alternative, conf, correct):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    nx, ny = len(x), len(y)
    alpha = 1 - conf
    diffs = np.unique(np.subtract.outer(x, y).ravel())  # sorted distinct
    mumin, mumax = diffs[0], diffs[-1]

    def wdiff(d, zq):
        dr = stats.rankdata(np.concatenate([x - d, y]))
        _, nties = np.unique(dr, return_counts=True)
        dz = dr[:nx].sum() - nx * (nx + 1) / 2 - nx * ny / 2
        if correct:
            corr = {"two-sided": np.sign(dz) * 0.5, "greater": 0.5, "less": -0.5}[alternative]
        else:
            corr = 0.0
        sigma = math.sqrt((nx * ny / 12) * ((nx + ny + 1) - np.sum(nties ** 3 - nties)
                                            / ((nx + ny) * (nx + ny - 1))))
        if sigma == 0:
            raise ValueError("all observations tied")
        return (dz - corr) / sigma - zq

    def root(zq):
        if wdiff(mumin, zq) <= 0:
            return mumin
        if wdiff(mumax, zq) >= 0:
            return mumax
        # wdiff is non-increasing and constant between distinct differences:
        # find the first difference after which it is <= 0.
        def right_of(j):
            nxt = diffs[j + 1] if j + 1 < len(diffs) else diffs[j] + 1.0
            return wdiff((diffs[j] + nxt) / 2, zq)
        lo, hi = 0, len(diffs) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if right_of(mid) <= 0:
                hi = mid
            else:
                lo = mid + 1
        return diffs[lo]

    if alternative == "two-sided":
        lo = root(stats.norm.ppf(alpha / 2) * -1)
        hi = root(stats.norm.ppf(alpha / 2))
    elif alternative == "greater":
        lo, hi = root(-stats.norm.ppf(alpha)), math.inf
    else:
        lo, hi = -math.inf, root(stats.norm.ppf(alpha))
    return float(lo), float(hi), float(conf)


# -------------------------------------------------------------------- data

def datasets():
    rng = np.random.default_rng(20240601)
    d = []

    def add(name, x, y, **kw):
        d.append(dict(name=name, x=[float(v) for v in x], y=[float(v) for v in y], **kw))

    add("scipy_docstring", [19, 22, 16, 29, 24], [20, 11, 17, 12], perm=True)
    add("one_vs_one", [1.0], [2.0])
    add("one_vs_one_tied", [3.0], [3.0])
    add("one_vs_five", [2.5], [1, 2, 3, 4, 5])
    add("small_ties", [1, 2, 2, 3, 5], [2, 3, 3, 4, 6, 7], perm=True)
    add("all_equal_5x7", [3.0] * 5, [3.0] * 7)
    add("negative_zero", [-0.0, 1.5, 2.0, -1.0], [0.0, 3.0, -2.0], perm=True)
    add("perm_ties_7x8", rng.integers(0, 5, 7), rng.integers(1, 6, 8), perm=True)
    add("auto_exact_8x20", rng.normal(0, 1, 8), rng.normal(0.5, 1, 20))
    add("auto_asymptotic_9x9", rng.normal(0, 1, 9), rng.normal(0.5, 1, 9))
    add("unbalanced_3x500", rng.normal(1, 1, 3), rng.normal(0, 1, 500))
    add("normal_10x12", rng.normal(0, 1, 10), rng.normal(0.8, 1, 12))
    add("normal_30x25", rng.normal(0, 2, 30), rng.normal(1, 2, 25))
    add("normal_49x40", rng.normal(0, 1, 49), rng.normal(0.3, 1.5, 40))
    add("normal_200x150", rng.normal(0, 1, 200), rng.normal(0.2, 1, 150))
    add("shifted_300x300", rng.normal(0, 1, 300), rng.normal(0.6, 1, 300))
    add("normal_1000x800", rng.normal(0, 1, 1000), rng.normal(0.05, 1, 800))
    add("normal_3000x2500", rng.normal(10, 3, 3000), rng.normal(10.1, 3, 2500))
    add("ties_int_50x60", rng.poisson(3, 50), rng.poisson(4, 60))
    add("ties_int_500x400", rng.poisson(8, 500), rng.poisson(8.5, 400))
    add("bytes_3000x3000", np.floor(rng.lognormal(6, 2, 3000)), np.floor(rng.lognormal(6.2, 2, 3000)))
    add("separated_60x70", rng.uniform(0, 1, 60), rng.uniform(2, 3, 70))
    add("separated_2000x2000", rng.uniform(5, 6, 2000), rng.uniform(0, 1, 2000))
    return d


def rust_exact_supported(n1, n2):
    """threatstat's size limit of the exact distribution (exact_supported)."""
    half = n1 * n2 // 2
    return min(n1, n2) * half <= 500_000_000 and half < 2_500_000


def scipy_choose(n1, n2, ties):
    return smwu._mwu_choose_method(n1, n2, ties)


def asymptotic_ln_p(x, y, alternative, continuity):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n1, n2 = len(x), len(y)
    ranks, t = stats._stats_py._rankdata(np.concatenate([x, y]), "average", return_ties=True)
    u1 = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    u, f = {"greater": (u1, 1), "less": (u2, 1), "two-sided": (max(u1, u2), 2)}[alternative]
    z = smwu._get_mwu_z(u, n1, n2, t.astype(float), continuity=continuity, xp=np)
    return float(min(0.0, special.log_ndtr(-z) + math.log(f)))


def case_set(ds):
    x, y = np.asarray(ds["x"]), np.asarray(ds["y"])
    n1, n2 = len(x), len(y)
    mn = n1 * n2
    _, counts = np.unique(np.concatenate([x, y]), return_counts=True)
    ties = bool((counts > 1).any())
    out = []
    exact_cache = {}
    supported = rust_exact_supported(n1, n2)
    ranks = stats.rankdata(np.concatenate([x, y]))
    u1 = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    for alt in ["two-sided", "less", "greater"]:
        for method in ["asymptotic", "exact", "auto"]:
            for cont in [True, False]:
                if method == "exact" and not cont:
                    continue  # continuity has no effect on the exact method
                used = scipy_choose(n1, n2, ties) if method == "auto" else method
                if used == "exact" and method == "auto" and not supported:
                    used = "asymptotic"  # threatstat's documented fallback
                case = dict(alternative=alt, method=method, continuity=cont, method_used=used, u=u1)
                if used == "asymptotic" or mn <= 40000:
                    with np.errstate(all="ignore"):
                        r = stats.mannwhitneyu(x, y, use_continuity=cont, alternative=alt,
                                               method=used)
                    assert float(r.statistic) == u1
                    case["scipy_p"] = enc(r.pvalue)
                if used == "asymptotic":
                    case["ln_p"] = "nan" if case["scipy_p"] == "nan" else enc(
                        asymptotic_ln_p(x, y, alt, cont))
                elif supported:
                    # exact: big-int reference, with SciPy's truncation of U.
                    u2 = mn - u1
                    u, f = {"greater": (u1, 1), "less": (u2, 1), "two-sided": (max(u1, u2), 2)}[alt]
                    k = int(u)
                    if min(n1, n2) * min(k, mn - k) > 30_000_000:
                        continue  # too slow in Python; covered by exact_distribution.json
                    if k not in exact_cache:
                        exact_cache[k] = exact_sf(n1, n2, k)
                    p = min(exact_cache[k] * f, Fraction(1))
                    case["exact_p"] = enc(p)
                    case["ln_p"] = enc(frac_ln(p))
                    if "scipy_p" in case and case["scipy_p"] != "nan":
                        sp = case["scipy_p"]
                        ref = float(p)
                        if ref > 0 and abs(sp / ref - 1) > 1e-13:
                            print(f"  note: {ds['name']} {alt}: SciPy exact {sp!r} vs exact {ref!r}",
                                  file=sys.stderr)
                else:
                    case["exact_unsupported"] = True
                out.append(case)
    return out, ties


def ci_set(ds, ties):
    x, y = ds["x"], ds["y"]
    n1, n2 = len(x), len(y)
    out = []
    if n1 * n2 > 20_000_000:
        return out
    exact_ok = n1 < 50 and n2 < 50 and not ties
    allsame = len(set(x)) == 1 and len(set(y)) == 1
    for alt in ["two-sided", "less", "greater"]:
        for conf in [0.95, 0.9]:
            for cont in [True, False]:
                if exact_ok:
                    if not cont:
                        continue
                    lo, hi, level = r_exact_ci(x, y, alt, conf)
                    meth = "exact"
                else:
                    if allsame:
                        continue  # R stops: all observations tied
                    lo, hi, level = r_asymptotic_ci(x, y, alt, conf, cont)
                    meth = "asymptotic"
                out.append(dict(alternative=alt, confidence=conf, continuity=cont, ci_method=meth,
                                low=enc(lo), high=enc(hi), level=enc(level)))
    return out


def perm_set(ds):
    x, y = np.asarray(ds["x"]), np.asarray(ds["y"])
    out = []
    for alt in ["two-sided", "less", "greater"]:
        r = stats.mannwhitneyu(x, y, alternative=alt,
                               method=stats.PermutationMethod(n_resamples=10**6))
        out.append(dict(alternative=alt, n_resamples=10**6, p=enc(r.pvalue),
                        permutations=math.comb(len(x) + len(y), len(x))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip exact_distribution.json")
    ap.add_argument("--time-scipy", nargs=2, metavar=("X", "Y"))
    a = ap.parse_args()
    if a.time_scipy:
        x = np.fromfile(a.time_scipy[0], dtype="<f8")
        y = np.fromfile(a.time_scipy[1], dtype="<f8")
        best = []
        for _ in range(7):
            t = time.perf_counter()
            r = stats.mannwhitneyu(x, y, method="asymptotic")
            best.append(time.perf_counter() - t)
        print(f"scipy {scipy.__version__} mannwhitneyu asymptotic {len(x)} x {len(y)}: "
              f"median {np.median(best):.3f} s, min {min(best):.3f} s; U = {r.statistic!r}, p = {r.pvalue!r}")
        return

    assert scipy.__version__ == "1.17.1", scipy.__version__
    os.makedirs(OUT, exist_ok=True)
    out = []
    for ds in datasets():
        t0 = time.perf_counter()
        cases, ties = case_set(ds)
        x, y = ds["x"], ds["y"]
        n1, n2 = len(x), len(y)
        u1 = cases[0]["u"]
        rec = dict(name=ds["name"], x=x, y=y, ties=ties, exact_supported=rust_exact_supported(n1, n2),
                   cases=cases,
                   rank_biserial=2 * u1 / (n1 * n2) - 1, cles=u1 / (n1 * n2))
        if n1 * n2 <= 20_000_000:
            rec["hodges_lehmann"] = float(np.median(np.subtract.outer(np.asarray(x), np.asarray(y))))
        rec["ci"] = ci_set(ds, ties)
        if ds.get("perm"):
            rec["permutation"] = perm_set(ds)
        out.append(rec)
        print(f"{ds['name']}: {len(cases)} cases, {len(rec['ci'])} intervals "
              f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    doc = dict(
        generator="tools/reference/ranktest_reference.py",
        scipy=scipy.__version__, numpy=np.__version__,
        note="floats 'nan', 'inf', '-inf' are strings; u is U1 of x",
        datasets=out,
    )
    with open(os.path.join(OUT, "mwu_reference.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")

    if a.quick:
        return
    cases = []
    for m, n in [(500, 500), (700, 700), (1000, 1000), (300, 3000), (100, 10000)]:
        t0 = time.perf_counter()
        mn = m * n
        c = mn // 2
        sig = math.sqrt(mn * (m + n + 1) / 12)
        pts = sorted({c, c - 1, c - int(0.5 * sig), c - int(2 * sig), c - int(5 * sig),
                      c - int(10 * sig), max(0, c - int(20 * sig)), 0})
        counts = u_counts(m, n, c)
        total = math.comb(m + n, m)
        cum = 0
        for u in range(c + 1):
            cum += counts[u]
            if u in pts:
                f = Fraction(cum, total)
                # P(U <= u) = P(U >= mn - u): the survival function at k = mn - u.
                cases.append(dict(n_x=m, n_y=n, k=mn - u, p=enc(float(f)), ln_p=enc(frac_ln(f))))
        print(f"exact {m}x{n}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    with open(os.path.join(OUT, "exact_distribution.json"), "w") as f:
        json.dump(dict(generator="tools/reference/ranktest_reference.py",
                       note="p = P(U >= k) under H0 without ties, from exact integer counts",
                       cases=cases), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
