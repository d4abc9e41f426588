#!/usr/bin/env python3
"""Reference values for threatstat-kde from SciPy, statsmodels and KDEpy.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install scipy==1.17.1 \
        statsmodels==0.15.0 KDEpy==1.1.12 numpy==2.4.6
    /tmp/ref/bin/python tools/reference/kde_reference.py            # fixtures
    /tmp/ref/bin/python tools/reference/kde_reference.py timing     # peer timings

Writes crates/threatstat-kde/tests/fixtures/:

* scipy_gaussian_kde.json: scipy.stats.gaussian_kde (factor, neff, data and
  kernel covariance, pdf, logpdf) for d = 1, 2, 3 with and without weights,
  Scott / Silverman / scalar factors, and degenerate inputs; plus
  leave-one-out densities computed directly with NumPy (SciPy has none):
  loo_i = sum_{j != i} w_j N(x_i; x_j, kde.covariance) / sum_{j != i} w_j.
* statsmodels_bandwidths.json: statsmodels.nonparametric.bandwidths
  (bw_scott, bw_silverman, bw_normal_reference, select_bandwidth) and the
  Gaussian kernel's normal_reference_constant.
* kdepy_isj.json: KDEpy.bw_selection.improved_sheather_jones.
* kdepy_fftkde.json: KDEpy.FFTKDE(bw=h).fit(data, weights).evaluate(...)
  in 1-D and 2-D (the values include KDEpy's + eps).
* numpy_quantile.json: np.quantile (method "linear") for the flagging
  threshold.

Large inputs are not stored: they come from a splitmix64 generator that the
Rust tests and benches implement too ("generated": {"n", "d", "seed"}); its
values are exact in binary floating point (sums of 12 uniforms on the 2^-53
grid), so both sides see identical data.

`timing` runs SciPy's gaussian_kde.evaluate (pairs per second), KDEpy's
FFTKDE (10^6 points, 4,096 grid points) and improved_sheather_jones (10^5
points) on the inputs of benches/benches/kde.rs.
"""
import json
import os
import sys
import time

import numpy as np
from scipy import stats
from statsmodels.nonparametric import bandwidths as smbw
from statsmodels.sandbox.nonparametric import kernels as smkernels
from KDEpy import FFTKDE
from KDEpy.bw_selection import improved_sheather_jones

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "crates", "threatstat-kde", "tests", "fixtures")

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
GAMMA = np.uint64(0x9E3779B97F4A7C15)


def splitmix_uniforms(seed, count):
    """The first `count` splitmix64 outputs of `seed` as uniforms on [0, 1)."""
    with np.errstate(over="ignore"):
        i = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed) + i * GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def generated(n, d, seed):
    """n x d values: Irwin-Hall(12) - 6, shifted by 3 with probability 0.3
    (13 draws per value, in order), as benches/benches/kde.rs."""
    u = splitmix_uniforms(seed, n * d * 13).reshape(n * d, 13)
    s = np.zeros(n * d)
    for k in range(12):
        s += u[:, k]
    s -= 6.0
    s = np.where(u[:, 12] < 0.3, s + 3.0, s)
    return s.reshape(n, d)


def flat(a):
    """Floats of `a`, row-major; NaN as null (JSON has no NaN)."""
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def loo_reference(x, w, cov):
    """Leave-one-out densities by direct sums (n x n), x: (n, d)."""
    n, d = x.shape
    inv = np.linalg.inv(cov)
    sign, logdet = np.linalg.slogdet(cov)
    norm = np.exp(-0.5 * (d * np.log(2 * np.pi) + logdet))
    diff = x[:, None, :] - x[None, :, :]
    q = np.einsum("ijk,kl,ijl->ij", diff, inv, diff)
    k = np.exp(-0.5 * q) * norm
    np.fill_diagonal(k, 0.0)
    num = k @ w
    den = w.sum() - w
    return num / den


def scipy_case(name, x, points, bw_method="scott", weights=None, note=None,
               ref_shift=None):
    """x: (n, d). ref_shift: evaluate the reference on x - shift (exact by
    translation invariance) to avoid SciPy's own cancellation."""
    x = np.asarray(x, dtype=float)
    points = np.asarray(points, dtype=float)
    xr, pr = x, points
    if ref_shift is not None:
        xr, pr = x - ref_shift, points - ref_shift
    kde = stats.gaussian_kde(xr.T, bw_method=bw_method, weights=weights)
    w = kde.weights
    case = {
        "name": name,
        "d": int(x.shape[1]),
        "data": flat(x),
        "weights": None if weights is None else flat(weights),
        "bw_method": bw_method if isinstance(bw_method, str) else float(bw_method),
        "points": flat(points),
        "factor": float(kde.factor),
        "neff": float(kde.neff),
        "data_covariance": flat(kde._data_covariance),
        "kernel_covariance": flat(kde.covariance),
        "pdf": flat(kde.evaluate(pr.T)),
        "logpdf": flat(kde.logpdf(pr.T)),
        "loo": flat(loo_reference(xr, w, kde.covariance)),
    }
    if note:
        case["note"] = note
    return case


def scipy_cases():
    rng = np.random.default_rng(20240601)
    cases = []
    x = rng.standard_normal((200, 1))
    pts = np.concatenate([np.linspace(-4, 4, 41), [-9.0, 9.5, 15.0]]).reshape(-1, 1)
    cases.append(scipy_case("d1_normal_scott", x, pts))
    cases.append(scipy_case("d1_normal_silverman", x, pts, "silverman"))
    cases.append(scipy_case("d1_normal_factor_0.3", x, pts, 0.3))
    xl = rng.lognormal(0.0, 0.8, (150, 1))
    wl = rng.uniform(0.1, 3.0, 150)
    pl = np.linspace(0.0, 8.0, 33).reshape(-1, 1)
    cases.append(scipy_case("d1_lognormal_weighted_scott", xl, pl, "scott", wl))
    cases.append(scipy_case("d1_lognormal_weighted_silverman", xl, pl, "silverman", wl))
    wz = wl.copy()
    wz[::5] = 0.0
    cases.append(scipy_case("d1_weights_with_zeros", xl, pl, "scott", wz))
    cases.append(scipy_case("d1_two_points", np.array([[0.0], [1.0]]),
                            np.array([[-1.0], [0.0], [0.5], [1.0], [3.0]])))
    xt = np.repeat([1.0, 2.0, 2.0, 3.0, 7.0], [10, 5, 5, 3, 1]).reshape(-1, 1)
    cases.append(scipy_case("d1_ties", xt, np.arange(0.0, 9.0, 0.5).reshape(-1, 1)))
    xo = 1e6 + rng.standard_normal((100, 1))
    po = 1e6 + np.linspace(-3, 3, 13).reshape(-1, 1)
    cases.append(scipy_case("d1_offset_1e6", xo, po, note="reference from data - 1e6 "
                            "(translation invariance); SciPy on the raw data loses ~1e-9",
                            ref_shift=1e6))
    # d = 2
    cov2 = np.array([[1.0, 0.6], [0.6, 2.0]])
    x2 = rng.multivariate_normal([0.0, 1.0], cov2, 300)
    g = np.linspace(-3, 3, 7)
    p2 = np.array([[a, b] for a in g for b in g] + [[8.0, -8.0]])
    cases.append(scipy_case("d2_scott", x2, p2))
    w2 = rng.uniform(0.0, 1.0, 300)
    cases.append(scipy_case("d2_weighted_silverman", x2, p2, "silverman", w2))
    cases.append(scipy_case("d2_factor_0.5", x2, p2, 0.5))
    cases.append(scipy_case("d2_three_points", np.array([[0.0, 0.0], [1.0, 0.2], [0.3, 1.0]]),
                            np.array([[0.0, 0.0], [0.5, 0.5], [2.0, -1.0]])))
    # d = 3
    cov3 = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]])
    x3 = rng.multivariate_normal([1.0, -1.0, 0.0], cov3, 250)
    p3 = rng.multivariate_normal([1.0, -1.0, 0.0], 2 * cov3, 40)
    p3 = np.vstack([p3, [[10.0, 10.0, -10.0]]])
    cases.append(scipy_case("d3_scott", x3, p3))
    w3 = rng.exponential(1.0, 250)
    cases.append(scipy_case("d3_weighted_scott", x3, p3, "scott", w3))
    cases.append(scipy_case("d3_weighted_silverman", x3, p3, "silverman", w3))
    # d = 5 (generic code path)
    x5 = rng.standard_normal((120, 5)) @ rng.uniform(-1, 1, (5, 5))
    p5 = rng.standard_normal((15, 5))
    cases.append(scipy_case("d5_scott", x5, p5))
    return cases


def bandwidth_std_cases():
    """1-D KDEs whose kernel standard deviation is given or from a rule:
    factor = h / sqrt(data covariance) as SciPy's scalar bw_method."""
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.standard_normal(180), 5 + 0.5 * rng.standard_normal(60)])
    w = rng.uniform(0.5, 2.0, x.size)
    pts = np.linspace(-4, 8, 25).reshape(-1, 1)
    out = []
    for label, weights, h in [
        ("std_dev_0.4", None, 0.4),
        ("std_dev_0.4_weighted", w, 0.4),
        ("normal_reference", None, float(smbw.bw_normal_reference(x))),
        ("normal_reference_weighted", w, float(smbw.bw_normal_reference(x))),
        ("isj", None, float(improved_sheather_jones(x.reshape(-1, 1)))),
        ("isj_weighted", w, float(improved_sheather_jones(x.reshape(-1, 1), w))),
    ]:
        base = stats.gaussian_kde(x, weights=weights)
        f = h / np.sqrt(base._data_covariance[0, 0])
        c = scipy_case("d1_" + label, x.reshape(-1, 1), pts, float(f), weights)
        c["kernel_std"] = h
        c["bandwidth"] = label.replace("_weighted", "")
        out.append(c)
    return out


def statsmodels_cases():
    rng = np.random.default_rng(11)
    data = {
        "normal_100": rng.standard_normal(100),
        "lognormal_57": rng.lognormal(1.0, 1.2, 57),
        "integers_40": rng.integers(0, 20, 40).astype(float),
        "mostly_zero_iqr0": np.concatenate([np.zeros(30), rng.uniform(1, 50, 6)]),
        "two": np.array([3.0, 4.5]),
        "three": np.array([1.0, 1.0, 2.0]),
        "constant": np.full(10, 2.5),
        "bytes_1000": np.round(rng.lognormal(8.0, 2.0, 1000)),
    }
    out = []
    gk = smkernels.Gaussian()
    for name, x in data.items():
        c = {"name": name, "x": flat(x)}
        for rule in ["scott", "silverman", "normal_reference"]:
            c[rule] = float(smbw.bandwidth_funcs[rule](x))
            try:
                c["select_" + rule] = float(smbw.select_bandwidth(x, rule, gk))
            except RuntimeError as e:
                c["select_" + rule] = None
                c["select_error"] = str(e)
        out.append(c)
    return {"normal_reference_constant": float(gk.normal_reference_constant), "cases": out}


def isj_cases():
    rng = np.random.default_rng(3)
    items = []

    def add(name, x, w=None, gen=None):
        c = {"name": name}
        if gen is not None:
            c["generated"] = gen
        else:
            c["x"] = flat(x)
        c["weights"] = None if w is None else flat(w)
        try:
            c["bw"] = float(improved_sheather_jones(np.asarray(x, float).reshape(-1, 1),
                                                    None if w is None else np.asarray(w)))
        except ValueError as e:
            c["bw"] = None
            c["error"] = str(e)
        items.append(c)

    add("normal_500", rng.standard_normal(500))
    add("bimodal_1000", np.concatenate([rng.normal(0, 1, 700), rng.normal(6, 0.5, 300)]))
    add("lognormal_bytes_400", rng.lognormal(7.0, 1.5, 400))
    add("small_range_300", 0.01 * rng.standard_normal(300))
    add("integers_ties_800", rng.poisson(4.0, 800).astype(float))
    xw = rng.standard_normal(300)
    ww = rng.uniform(0.0, 2.0, 300)
    ww[:20] = 0.0
    add("weighted_300", xw, ww)
    add("n5", rng.standard_normal(5))
    add("n3", rng.standard_normal(3))
    add("constant_fails", np.full(10, 1.0))
    for n, seed in [(20000, 21), (100000, 5)]:
        add(f"generated_{n}", generated(n, 1, seed).ravel(), gen={"n": n, "d": 1, "seed": seed})
    return items


def generated_weights(n, seed):
    """n weights: splitmix64 uniforms of `seed`."""
    return splitmix_uniforms(seed, n)


def fft_cases():
    """Data and weights come from the generator; the grid is summarised by
    its ends and every 17th value (KDEpy's grid is np.linspace)."""
    out = []
    rng = np.random.default_rng(5)
    eps = float(np.finfo(float).eps)

    def grid_summary(axis):
        axis = np.asarray(axis, float)
        return {"first": float(axis[0]), "last": float(axis[-1]),
                "every_17th": flat(axis[::17])}

    def one_d(name, bw, grid, gen=None, x=None, wseed=None, bounds=None):
        if gen is not None:
            x = generated(gen["n"], 1, gen["seed"]).ravel()
        w = None if wseed is None else generated_weights(x.size, wseed)
        kde = FFTKDE(bw=bw).fit(x, weights=w)
        if bounds is None:
            gx, y = kde.evaluate(grid)
        else:
            gx = np.linspace(bounds[0], bounds[1], grid)
            y = kde.evaluate(gx)
        c = {"name": name, "d": 1, "bw": float(bw), "grid_points": [grid],
             "bounds": None if bounds is None else [list(map(float, bounds))],
             "weights_seed": wseed, "axes": [grid_summary(gx)],
             "density": flat(y), "eps_added": eps}
        if gen is not None:
            c["generated"] = gen
        else:
            c["x"] = flat(x)
        out.append(c)

    g2000 = {"n": 2000, "d": 1, "seed": 41}
    one_d("d1_2000_bw0.3_256", 0.3, 256, gen=g2000)
    one_d("d1_2000_bw0.05_1024", 0.05, 1024, gen=g2000)
    one_d("d1_2000_weighted_bw0.3_300", 0.3, 300, gen=g2000, wseed=42)
    one_d("d1_2000_bw2.5_128", 2.5, 128, gen=g2000)
    one_d("d1_2000_bounds", 0.3, 200, gen=g2000, bounds=(-8.0, 12.0))
    one_d("d1_bytes_bw150_512", 150.0, 512, x=rng.lognormal(7.0, 0.5, 800))
    one_d("d1_generated_100000_bw0.1_4096", 0.1, 4096, gen={"n": 100000, "d": 1, "seed": 31})

    def two_d(name, bw, grid, gen, wseed=None):
        x = generated(gen["n"], 2, gen["seed"])
        w = None if wseed is None else generated_weights(gen["n"], wseed)
        kde = FFTKDE(bw=bw).fit(x, weights=w)
        gx, y = kde.evaluate(tuple(grid))
        axes = [np.unique(gx[:, 0]), np.unique(gx[:, 1])]
        out.append({"name": name, "d": 2, "bw": float(bw), "grid_points": list(grid),
                    "bounds": None, "generated": gen, "weights_seed": wseed,
                    "axes": [grid_summary(a) for a in axes],
                    "density": flat(y), "eps_added": eps})

    g3000 = {"n": 3000, "d": 2, "seed": 43}
    two_d("d2_3000_bw0.25_64x48", 0.25, (64, 48), g3000)
    two_d("d2_3000_weighted_bw0.4_40x40", 0.4, (40, 40), g3000, wseed=44)
    return out


def quantile_cases():
    rng = np.random.default_rng(9)
    out = []
    for n in [1, 2, 7, 100, 1001]:
        d = rng.lognormal(-3, 2, n)
        out.append({"densities": flat(d),
                    "q": [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.9, 1.0],
                    "quantile": [float(np.quantile(d, q)) for q in
                                 [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.9, 1.0]]})
    return out


def write(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, allow_nan=False)
        f.write("\n")


def fixtures():
    os.makedirs(OUT, exist_ok=True)
    versions = {"numpy": np.__version__, "scipy": __import__("scipy").__version__,
                "statsmodels": __import__("statsmodels").__version__,
                "KDEpy": __import__("KDEpy").__version__}
    write("scipy_gaussian_kde.json", {"versions": versions,
                                      "cases": scipy_cases() + bandwidth_std_cases()})
    write("statsmodels_bandwidths.json", {"versions": versions, **statsmodels_cases()})
    write("kdepy_isj.json", {"versions": versions, "cases": isj_cases()})
    write("kdepy_fftkde.json", {"versions": versions, "cases": fft_cases()})
    write("numpy_quantile.json", {"versions": versions, "cases": quantile_cases()})
    print("wrote", OUT)


def timing():
    """Peers on the inputs of benches/benches/kde.rs (single-threaded)."""
    def best(f, reps):
        """Best wall time and the CPU time of that repetition (CPU seconds
        are what the work costs when other processes share the machine)."""
        ts = []
        for _ in range(reps):
            c0, t0 = time.process_time(), time.perf_counter()
            f()
            ts.append((time.perf_counter() - t0, time.process_time() - c0))
        return min(ts)

    n = int(os.environ.get("THREATSTAT_BENCH_KDE_PAIRS_N", "20000"))
    for d in (1, 2, 3):
        data = generated(n, d, 1)
        at = generated(n, d, 2)
        kde = stats.gaussian_kde(data.T)
        t, c = best(lambda: kde.evaluate(at.T), 2)
        print(f"scipy gaussian_kde.evaluate d={d}: {n}x{n} pairs in {t:.3f} s wall "
              f"({n * n / t / 1e6:.1f} M pairs/s), {c:.2f} CPU s "
              f"({n * n / c / 1e6:.1f} M pairs per CPU-second)")
    nf = int(os.environ.get("THREATSTAT_BENCH_KDE_FFT_N", "1000000"))
    x = generated(nf, 1, 3).ravel()
    t, c = best(lambda: FFTKDE(bw=0.1).fit(x).evaluate(4096), 5)
    print(f"KDEpy FFTKDE 1-D {nf} points, 4096 grid, bw 0.1: {t * 1e3:.1f} ms wall, "
          f"{c * 1e3:.1f} ms CPU")
    xy = generated(nf, 2, 4)
    t, c = best(lambda: FFTKDE(bw=0.2).fit(xy).evaluate((64, 64)), 5)
    print(f"KDEpy FFTKDE 2-D {nf} points, 64x64 grid, bw 0.2: {t * 1e3:.1f} ms wall, "
          f"{c * 1e3:.1f} ms CPU")
    ni = int(os.environ.get("THREATSTAT_BENCH_KDE_ISJ_N", "100000"))
    xi = generated(ni, 1, 5)
    t, c = best(lambda: improved_sheather_jones(xi), 5)
    print(f"KDEpy improved_sheather_jones {ni} points: {t * 1e3:.1f} ms wall, "
          f"{c * 1e3:.1f} ms CPU")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "timing":
        timing()
    else:
        fixtures()
