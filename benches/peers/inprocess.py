#!/usr/bin/env python3
"""In-process benchmark: threatstat's Python call against the peer's call on
the same arrays in the same process (no interpreter start-up, imports or file
reading on either side: the fair comparison of compute). Each call runs k
times, alternating threatstat and peer; the table shows medians and the ratio
peer / threatstat (> 1: threatstat faster), with the largest difference of
the results (agreement).

Writes the markdown section "In-process (Python calls)" to standard output,
or replaces it in BENCHMARKS.md with --write. Usage (a venv with the package,
scipy and statsmodels installed, e.g. python/ci.sh's):

    /tmp/threatstat-venv/bin/python benches/peers/inprocess.py [--quick] [--k 5] [--write]
"""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import scipy
import statsmodels
from scipy import stats as sps
from statsmodels.stats.diagnostic import acorr_ljungbox as sm_ljungbox
from statsmodels.tsa.stattools import acf as sm_acf

import threatstat
from threatstat import changepoint as ts_changepoint
from threatstat import stats as ts_stats
from threatstat import tsa as ts_tsa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from switchpoint_exact import exact_rate_means, exact_tau  # noqa: E402  (the NumPy peer)

ROOT = Path(__file__).resolve().parents[2]
BEGIN = "<!-- inprocess:begin (benches/peers/inprocess.py --write) -->"
END = "<!-- inprocess:end -->"


def timed(f, k):
    """Median seconds of k calls of f (after one warm-up call) and the last result."""
    out = f()
    ts = []
    for _ in range(k):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = np.abs(a - b) / np.maximum(np.abs(b), np.finfo(float).tiny)
    return float(np.nanmax(d)) if d.size else 0.0


def cases(quick):
    rng = np.random.default_rng(20261207)
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    for n in sizes:
        x = rng.lognormal(8.0, 1.5, n)
        y = rng.lognormal(8.1, 1.5, n)
        yield ("mwu", "two-sided, auto", f"{n:,} + {n:,} values",
               lambda x=x, y=y: ts_stats.mannwhitneyu(x, y),
               lambda x=x, y=y: sps.mannwhitneyu(x, y),
               lambda a, b: f"U rel err {rel(a.statistic, b.statistic):.1e}; "
                            f"p rel err {rel(a.pvalue, b.pvalue):.1e}")
        # U and p only, as SciPy computes (no effect sizes / Hodges-Lehmann interval)
        yield ("mwu", "two-sided, auto, hodges_lehmann=False", f"{n:,} + {n:,} values",
               lambda x=x, y=y: ts_stats.mannwhitneyu(x, y, hodges_lehmann=False),
               lambda x=x, y=y: sps.mannwhitneyu(x, y),
               lambda a, b: f"U rel err {rel(a.statistic, b.statistic):.1e}; "
                            f"p rel err {rel(a.pvalue, b.pvalue):.1e}")
    for n in ([10_000] if quick else [10_000, 100_000]):
        d = rng.normal(0.0, 1.0, n)
        pts = np.linspace(-4, 4, 1_000)
        yield ("kde", "gaussian_kde scott, 1,000 points", f"{n:,} data points",
               lambda d=d, p=pts: ts_stats.gaussian_kde(d)(p),
               lambda d=d, p=pts: sps.gaussian_kde(d)(p),
               lambda a, b: f"density rel err {rel(a, b):.1e}")
    for n in ([1_000, 10_000] if quick else [1_000, 10_000, 100_000]):
        # As compare.py's counts: a rate change at 60% of the days.
        r = np.random.default_rng(n)
        k = int(0.6 * n)
        y = np.concatenate([r.poisson(10.0, k), r.poisson(13.0, n - k)]).astype(float)

        def numpy_exact(y=y):
            alpha = 1.0 / y.mean()
            p = exact_tau(y, alpha)
            return p, exact_rate_means(y, alpha, p)

        yield ("changepoint", "exact posterior (threatstat also: Bayes factor; HDIs and summary computed when read)",
               f"{n:,} days",
               lambda y=y: ts_changepoint.fit(y),
               numpy_exact,
               lambda a, b: f"TV(τ) {0.5 * float(np.abs(np.asarray(a.tau_posterior) - b[0]).sum()):.1e}; "
                            f"E[λ] rel err {max(rel(a.lambda_1_mean, b[1][0]), rel(a.lambda_2_mean, b[1][1])):.1e}")
    for n in sizes:
        s = np.cumsum(rng.normal(size=n)) * 0.01 + rng.normal(size=n)
        yield ("acf", "acf, 30 lags, fft", f"{n:,} values",
               lambda s=s: ts_tsa.acf(s, nlags=30, fft=True),
               lambda s=s: sm_acf(s, nlags=30, fft=True),
               lambda a, b: f"acf rel err {rel(a, b):.1e}")
        if n > 100_000:  # statsmodels' Ljung-Box uses the direct O(n^2) acf: 22 s at 100,000
            continue
        yield ("acf", "acorr_ljungbox, lags=30", f"{n:,} values",
               lambda s=s: ts_tsa.acorr_ljungbox(s, lags=30),
               lambda s=s: sm_ljungbox(s, lags=30),
               lambda a, b: f"Q rel err {rel(a['lb_stat'], b['lb_stat']):.1e}; "
                            f"p rel err {rel(a['lb_pvalue'], b['lb_pvalue']):.1e}")


def fmt(s):
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"


def git_rev():
    try:
        r = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "python"],
                               capture_output=True, text=True).stdout.strip()
        return r + (" + uncommitted changes in python/" if dirty else "")
    except Exception:
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes only")
    ap.add_argument("--k", type=int, default=5, help="timed calls per side (median; >= 1)")
    ap.add_argument("--write", action="store_true", help="replace the section in BENCHMARKS.md")
    a = ap.parse_args()
    if a.k < 1:
        ap.error(f"--k {a.k}: expected an integer >= 1")
    load_before = os.getloadavg()
    t0 = time.time()
    rows = []
    for task, variant, size, ours, peer, agree in cases(a.quick):
        t_ours, r_ours = timed(ours, a.k)
        t_peer, r_peer = timed(peer, a.k)
        ratio = t_peer / t_ours
        r = f"{ratio:.2g}×" if ratio < 10 else f"{ratio:.0f}×"
        if ratio < 1:
            r = f"**{r}**"
        rows.append(f"| {task} | {variant} | {size} | {fmt(t_ours)} | {fmt(t_peer)} | {r} | "
                    f"{agree(r_ours, r_peer)} |")
        print(rows[-1], file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    cpu = platform.processor() or platform.machine()
    try:
        model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                     if l.startswith("model name"))
    except Exception:
        model = cpu
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        BEGIN,
        "## In-process (Python calls): threatstat's package against the peer, same arrays, same process",
        "",
        "threatstat's Python call (`threatstat.stats`, `threatstat.tsa`, `threatstat.changepoint`: the Rust library through "
        "PyO3, arrays read in place) against SciPy's / statsmodels' call on the same NumPy arrays "
        f"in the same interpreter; one warm-up call, then median of k = {a.k} calls each. "
        "*ratio* = peer / threatstat (> 1: threatstat faster; **bold** below 1). No process "
        "start-up, imports or file reading on either side, unlike the whole-process tables above. "
        "threatstat's `mannwhitneyu` also computes the rank-biserial correlation, CLES and the "
        "Hodges-Lehmann shift with its interval unless `hodges_lehmann=False` (SciPy computes U "
        "and p only): both rows are shown. The switchpoint peer is the NumPy/SciPy closed form of "
        "`benches/peers/switchpoint_exact.py` (p(τ | y) and the rates' means); `threatstat.changepoint.fit` computes "
        "those, the MAP and the Bayes factor, and its HDIs, expected rate and summary table when first read "
        "(not timed here). statsmodels' `acorr_ljungbox` computes the "
        "autocorrelation directly (O(n^2)), so it is not run above 100,000 values.",
        "",
        f"**This run:** {'quick' if a.quick else 'full'}, "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; took {time.time() - t0:.0f} s.  ",
        f"**Command:** `{Path(sys.executable)} benches/peers/inprocess.py"
        f"{' --quick' if a.quick else ''} --k {a.k} --write`  ",
        f"**Machine:** {os.cpu_count()} logical CPUs ({model}), {mem:.0f} GiB RAM, "
        f"Linux {platform.release()}; load average "
        f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.2f}' for x in load_after)} after.  ",
        f"**Versions:** threatstat {threatstat.__version__} (git {git_rev()}, `pip install ./python`, "
        f"release profile), python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}  ",
        "",
        "| task | call | size | threatstat | peer | ratio | agreement |",
        "|---|---|---:|---:|---:|---:|---|",
        *rows,
        END,
    ]
    text = "\n".join(lines) + "\n"
    if a.write:
        p = ROOT / "BENCHMARKS.md"
        md = p.read_text()
        if BEGIN in md:
            md = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n", lambda _: text, md,
                        flags=re.S)
        else:
            anchor = "## Where threatstat is not ahead"
            md = md.replace(anchor, text + "\n" + anchor, 1) if anchor in md else md + "\n" + text
        p.write_text(md)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
