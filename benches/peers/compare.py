#!/usr/bin/env python3
"""Side-by-side comparison of the threatstat CLI with the Python peers on the
same generated inputs; writes BENCHMARKS.md. Called by benches/compare.sh
(which builds the CLI and the peers' virtual environments); run it directly
only with the paths that script passes.

For every task, size and variant it generates the inputs once, then runs
threatstat and the peer alternately (ABBA order) --reps times, each as its
own process, and records the wall time and the peak resident set size of
each process (GNU time), and the peer's own phase timings (imports, read,
compute, write) which it prints as JSON. Agreement is computed from the
outputs of the last repetition.
"""
import argparse
import csv
import datetime
import json
import math
import re
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

PEERS = Path(__file__).resolve().parent

# Draws of both MCMC sides, per number of days (chains, draws kept, tuning
# steps): PyMC's defaults, the same at every size.
MCMC_DRAWS = {100: (4, 2000, 1000), 1000: (4, 2000, 1000), 10000: (4, 2000, 1000)}

# Generated CyberFLTenDays-format files of the features task: lines written
# (the size) -> `threatstat features generate` options (users, days,
# benign-keep; seed 1). featuretools needs about 10-30 ms per line here (it
# took 26 minutes for 58,058 lines on a busy 2-core machine), so the largest
# size is run once.
FEATURE_SIZES = {345: (10, 2, 0.05), 3_489: (60, 10, 0.05), 36_250: (2000, 10, 0.05)}
FEATURES_ONE_REP = 20_000


@dataclass
class Variant:
    """One row family of a task: a threatstat command and its peer."""

    task: str
    name: str
    peer: str  # which Python: msticpy, pymc or stats
    peer_label: str
    ts_label: str
    unit: str
    sizes: list
    inputs: Callable  # size -> dict of input paths (cached)
    ts_cmd: Callable  # (inputs, out) -> (argv, result path or None for stdout)
    peer_cmd: Callable  # (inputs, out) -> argv after the interpreter
    agree: Callable  # (ts result, peer result, inputs) -> (text, worst number or None)
    elements: Callable = lambda size: size
    max_reps: Callable = lambda size: 1_000_000  # size -> repetitions at most (slow peers)


@dataclass
class Row:
    variant: Variant
    size: int
    ts_wall: list = field(default_factory=list)
    ts_rss: list = field(default_factory=list)
    py_wall: list = field(default_factory=list)
    py_rss: list = field(default_factory=list)
    py_phases: list = field(default_factory=list)
    agreement: str = ""
    ts_argv: list = field(default_factory=list)
    py_argv: list = field(default_factory=list)

    def med(self, xs):
        return statistics.median(xs) if xs else float("nan")

    @property
    def ts(self):
        return self.med(self.ts_wall)

    @property
    def py(self):
        return self.med(self.py_wall)

    @property
    def py_compute(self):
        return self.med([p.get("compute", float("nan")) for p in self.py_phases])

    @property
    def py_imports(self):
        return self.med([p.get("imports", float("nan")) for p in self.py_phases])


GNU_TIME = "/usr/bin/time"


def run(argv, stdout_path):
    """Runs argv with stdout to a file; returns (wall s, peak RSS MB).

    The peak RSS comes from GNU time (%M), which forks the command from its
    own small process: ru_maxrss of a child forked straight from this driver
    would include the driver's own memory (Linux keeps the pre-exec peak).
    The wall time is measured here around the whole run (GNU time's own
    start adds about a millisecond to both sides)."""
    err_path = str(stdout_path) + ".err"
    rss_path = str(stdout_path) + ".rss"
    full = [GNU_TIME, "-f", "%M", "-o", rss_path, *argv]
    with open(stdout_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        rc = subprocess.run(full, stdout=out, stderr=err).returncode
        wall = time.perf_counter() - t0
    if rc != 0:
        tail = Path(err_path).read_text(errors="replace")[-2000:]
        raise RuntimeError(f"failed ({rc}): {shlex.join(map(str, argv))}\n{tail}")
    return wall, int(Path(rss_path).read_text().split()[-1]) / 1024.0


# ---------------------------------------------------------------- agreement

def rel_err(a, b):
    """Largest |a - b| / max(|a|, |b|) over finite pairs (0 where both are 0);
    NaN where exactly one side is NaN counts as infinity."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    na, nb = np.isnan(a), np.isnan(b)
    if (na != nb).any():
        return math.inf
    ok = ~na
    a, b = a[ok], b[ok]
    if a.size == 0:
        return 0.0
    den = np.maximum(np.abs(a), np.abs(b))
    d = np.abs(a - b)
    r = np.divide(d, den, out=np.zeros_like(d), where=den > 0)
    return float(r.max())


def tv(p, q):
    return 0.5 * float(np.abs(np.asarray(p, float) - np.asarray(q, float)).sum())


def e(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.1e}"


def load_json(path):
    with open(path) as f:
        return json.load(f)


def score_rows(path):
    """A scores table's rows as dicts of cells (CSV text, or Parquet values
    with nulls as "")."""
    if Path(path).suffix == ".parquet":
        import pandas as pd  # pyarrow reads it (requirements-peers.txt)
        df = pd.read_parquet(path)
        return [{k: ("" if pd.isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")]
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def agree_markov(ts, py, _inp):
    a = score_rows(ts)
    with open(py, newline="") as f:
        b = list(csv.DictReader(f))
    if len(a) != len(b):
        return f"**{len(a)} vs {len(b)} sessions**", math.inf
    # threatstat writes the tidy table (empty likelihood without a full
    # window, the window's commands in window_1..window_W); msticpy a JSON
    # list in rarest_window.
    def lik(x):
        return float(x) if x not in ("", "NaN") else math.nan

    def window(r):
        if "rarest_window" in r:
            return json.loads(r["rarest_window"])
        ks = sorted((k for k in r if k.startswith("window_")), key=lambda k: int(k[7:]))
        return [r[k] for k in ks if r[k] != ""]

    la = np.array([lik(r["rarest_window_likelihood"]) for r in a])
    lb = np.array([lik(r["rarest_window_likelihood"]) for r in b])
    err = rel_err(la, lb)
    same_windows = sum(window(x) == window(y) for x, y in zip(a, b))

    def order(lik):  # ascending likelihood (most anomalous first), NaN last, ties by session
        key = np.where(np.isnan(lik), np.inf, lik)
        return np.lexsort((np.arange(len(lik)), key))

    same_rank = bool((order(la) == order(lb)).all())
    return (f"lik. rel err {e(err)}; windows identical {same_windows}/{len(a)}; "
            f"ranking {'identical' if same_rank else '**differs**'}"), err


def agree_exact(ts, py, _inp):
    a, b = load_json(ts), load_json(py)
    d = tv(a["tau_posterior"], b["tau_posterior"])
    lam = max(rel_err(a["lambda_1_mean"], b["lambda_1_mean"]), rel_err(a["lambda_2_mean"], b["lambda_2_mean"]))
    same = "same" if a["map_tau"] == b["map_tau"] else "**different**"
    return f"TV(τ) {e(d)}; E[λ] rel err {e(lam)}; MAP τ {same}", max(d, lam)


def agree_mcmc(ts, py, _inp):
    a, b = load_json(ts), load_json(py)
    exact = a["exact"]["tau_posterior"]
    return (f"TV to exact: threatstat {a['tv_distance_to_exact']:.3f}, PyMC {tv(b['tau_posterior'], exact):.3f}; "
            f"TV between {tv(a['tau_posterior'], b['tau_posterior']):.3f}; "
            f"R-hat {a['rhat']:.3f} / {b['rhat']:.3f}; ESS bulk {a['ess_bulk']:.0f} / {b['ess_bulk']:.0f}"), None


def agree_mwu(ts, py, _inp):
    a, b = load_json(ts), load_json(py)
    eu, ep = rel_err(a["u"], b["u"]), rel_err(a["p_value"], b["p_value"])
    return f"U rel err {e(eu)}; p rel err {e(ep)} (p = {b['p_value']:.3g}, {a['method']})", max(eu, ep)


def agree_kde(ts, py, _inp):
    a, b = load_json(ts), load_json(py)
    da = np.array(a["density"], float)
    db = np.array(b["density"], float)
    bw = rel_err(math.sqrt(a["kernel_covariance"][0][0]), b["bandwidth"])
    bulk = da >= 0.01 * da.max()
    text = (f"bandwidth rel err {e(bw)}; density rel err {e(rel_err(da[bulk], db[bulk]))} "
            f"where ≥ 1% of the peak, {e(rel_err(da, db))} everywhere; threatstat {a.get('method', 'exact')}")
    return text, rel_err(da[bulk], db[bulk])


def agree_acf(ts, py, _inp):
    a, b = load_json(ts), load_json(py)
    ea = rel_err(a["acf"], b["acf"])
    eq = rel_err(a["ljung_box_q"], b["ljung_box_q"])
    ep = rel_err(a["ljung_box_p"], b["ljung_box_p"])
    return f"acf rel err {e(ea)}; Q rel err {e(eq)}; p rel err {e(ep)}", max(ea, eq, ep)


def agree_features(ts, py, _inp):
    """Cutoffs, labels and every DFS feature of every session (featuretools'
    names; threatstat's two extra time-since features are not compared);
    the forests differ in their random streams, so their AUCs are shown."""
    def table(d):
        with open(Path(d) / "feature_matrix.csv", newline="") as f:
            rows = list(csv.reader(f))
        return rows[0], {r[0]: r for r in rows[1:]}

    (ha, a), (hb, b) = table(ts), table(py)
    if set(a) != set(b):
        return f"**sessions differ: {len(a)} vs {len(b)}**", math.inf
    ia = {n: k for k, n in enumerate(ha)}
    cols = [(ia[n], k, n) for k, n in enumerate(hb) if n in ia and n != "session_id"]
    worst, mismatched = 0.0, 0

    def num(x):
        try:
            return float(x) if x != "" else math.nan
        except ValueError:
            return None

    def truth(x):  # pandas writes booleans as True/False
        return {"True": 1.0, "False": 0.0}.get(x, num(x))

    for sid, ra in a.items():
        rb = b[sid]
        for ka, kb, _ in cols:
            x, y = truth(ra[ka]), truth(rb[kb])
            if x is None or y is None:
                mismatched += ra[ka] != rb[kb]
            else:
                worst = max(worst, rel_err([x], [y]))
    ma, mb = load_json(Path(ts) / "metrics.json"), load_json(Path(py) / "metrics.json")
    same_counts = (ma["n_pos"], ma["n_neg"]) == (mb["n_pos"], mb["n_neg"])
    text = (f"{len(a):,} cutoffs, {ma['n_pos']} positive ({'same' if same_counts else '**differ**'}); "
            f"{len(cols) - 2} DFS features: max rel err {e(worst)}, {mismatched} categorical cells differ; "
            f"test ROC AUC {ma['roc_auc']:.3f} / {mb['roc_auc']:.3f} (forests' own seeds); "
            f"features {ma['feature_seconds']:.2f} s / {mb['feature_seconds']:.2f} s, "
            f"forest {ma['model_seconds']:.2f} s / {mb['model_seconds']:.2f} s")
    return text, (worst if mismatched == 0 and same_counts else math.inf)


# ---------------------------------------------------------------- inputs

class Inputs:
    """Generated inputs, one directory per task and size, made once."""

    def __init__(self, work, bench_bin, threatstat):
        self.work = Path(work)
        self.bench_bin = Path(bench_bin)
        self.threatstat = Path(threatstat)
        self.cache = {}

    def dir(self, task, size):
        d = self.work / task / str(size)
        d.mkdir(parents=True, exist_ok=True)
        return d

    def get(self, task, size, make):
        key = (task, size)
        if key not in self.cache:
            self.cache[key] = make(self.dir(task, size), size)
        return self.cache[key]

    def sessions(self, size):
        def make(d, n):
            p = d / "sessions.jsonl"
            subprocess.run([str(self.bench_bin / "resample_sessions"), str(n), "7", str(p)], check=True)
            # The columnar copy, made once outside the timed runs (as the
            # peer's read of the JSON Lines is outside its compute).
            pq = d / "sessions.parquet"
            subprocess.run([str(self.threatstat), "markov", "convert", "--quiet", "--input", str(p),
                            "--out", str(pq)], check=True)
            return {"sessions": p, "parquet": pq}
        return self.get("markov", size, make)

    def counts(self, size):
        def make(d, n):
            r = np.random.default_rng(n)
            k = int(0.6 * n)
            y = np.concatenate([r.poisson(10.0, k), r.poisson(13.0, n - k)])
            p = d / "counts.csv"
            np.savetxt(p, y, fmt="%d")
            return {"counts": p}
        return self.get("changepoint", size, make)

    def samples(self, size):
        def make(d, n):
            # Upload bytes per user-day: log-normal, whole bytes (ties), the
            # second sample shifted by 4 / sqrt(n) standard deviations (in
            # logs), so that p stays of order 0.001 at every size.
            r = np.random.default_rng(n)
            x = np.floor(np.exp(r.normal(8.0, 2.0, n)))
            y = np.floor(np.exp(r.normal(8.0 + 2.0 * 4.0 / math.sqrt(n), 2.0, n)))
            px, py = d / "x.f64", d / "y.f64"
            x.astype("<f8").tofile(px)
            y.astype("<f8").tofile(py)
            return {"x": px, "y": py}
        return self.get("mwu", size, make)

    def kde_data(self, size):
        def make(d, n):
            # Two modes (as daily activity of people and of a batch job).
            r = np.random.default_rng(n)
            k = int(0.7 * n)
            x = np.concatenate([r.normal(0.0, 1.0, k), r.normal(4.0, 0.5, n - k)])
            lo, hi = x.min(), x.max()
            pad = 0.1 * (hi - lo)
            at = np.linspace(lo - pad, hi + pad, 2048)
            pd, pa = d / "data.csv", d / "at.csv"
            np.savetxt(pd, x, fmt="%.17g")
            np.savetxt(pa, at, fmt="%.17g")
            # The same values as raw f64 for `kde --f64le`: written here, outside
            # the timed region, as the peers' np.loadtxt is outside their compute.
            bd, ba = d / "data.f64", d / "at.f64"
            x.astype("<f8").tofile(bd)
            at.astype("<f8").tofile(ba)
            return {"data": pd, "at": pa, "data_f64": bd, "at_f64": ba}
        return self.get("kde", size, make)

    def auth(self, size):
        def make(d, n):
            users, days, keep = FEATURE_SIZES[n]
            p = d / "auth.csv"
            subprocess.run([str(self.bench_bin / "threatstat"), "features", "generate", "--out", str(p),
                            "--users", str(users), "--days", str(days), "--benign-keep", str(keep),
                            "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
            lines = sum(1 for _ in open(p)) - 1
            if lines != n:
                raise RuntimeError(f"{p}: expected {n} lines from the generator, found {lines}")
            return {"auth": p}
        return self.get("features", size, make)

    def series(self, size):
        def make(d, n):
            # Hourly event counts of a person (no schedule): white noise.
            r = np.random.default_rng(n)
            p = d / "series.txt"
            np.savetxt(p, r.poisson(5.0, n), fmt="%d")
            return {"series": p}
        return self.get("acf", size, make)


# ---------------------------------------------------------------- tasks

def variants(ts, inp):
    """Every task's variants; ts is the threatstat binary."""
    t = str(ts)
    out = []
    for stype, mname in (("cmds", "cmds_only"), ("params", "cmds_params_only"), ("values", "cmds_params_values")):
        # Parquet sessions in (converted once by `markov convert`), Parquet scores out.
        out.append(Variant(
            "markov", f"{stype} ({mname})", "msticpy", "msticpy Model.train + compute_rarest_windows(3)",
            f"markov score --session-type {stype} --window 3, Parquet sessions in and scores out",
            "sessions", [1000, 10_000, 100_000],
            inp.sessions,
            lambda i, o, s=stype: ([t, "markov", "score", "--sessions", i["parquet"], "--session-type", s,
                                    "--window", "3", "--out", Path(o).with_suffix(".parquet")],
                                   Path(o).with_suffix(".parquet")),
            lambda i, o, s=stype: [PEERS / "msticpy_markov.py", i["sessions"], s, "--out", o],
            agree_markov))
        # The same from the JSON Lines file `sessionize` writes, CSV scores out.
        out.append(Variant(
            "markov", f"{stype} ({mname}), JSON Lines", "msticpy",
            "msticpy Model.train + compute_rarest_windows(3)",
            f"markov score --session-type {stype} --window 3, JSON Lines sessions in, CSV out",
            "sessions", [100_000],
            inp.sessions,
            lambda i, o, s=stype: ([t, "markov", "score", "--sessions", i["sessions"], "--session-type", s,
                                    "--window", "3", "--out", o], o),
            lambda i, o, s=stype: [PEERS / "msticpy_markov.py", i["sessions"], s, "--out", o],
            agree_markov))
    out.append(Variant(
        "changepoint", "exact posterior", "stats", "NumPy/SciPy closed form (switchpoint_exact.py)",
        "changepoint fit --method exact", "days", [100, 1000, 10_000, 100_000], inp.counts,
        lambda i, o: ([t, "changepoint", "fit", "--input", i["counts"], "--method", "exact", "--out", o], o),
        lambda i, o: [PEERS / "switchpoint_exact.py", i["counts"], o],
        agree_exact))

    def mcmc_ts(i, o):
        c, d, tu = MCMC_DRAWS[int(Path(i["counts"]).parent.name)]
        return ([t, "changepoint", "fit", "--input", i["counts"], "--method", "gibbs", "--chains", str(c),
                 "--draws", str(d), "--tune", str(tu), "--seed", "1", "--out", o], o)

    def mcmc_py(i, o):
        c, d, tu = MCMC_DRAWS[int(Path(i["counts"]).parent.name)]
        return [PEERS / "pymc_switchpoint.py", i["counts"], str(c), str(d), str(tu), "1", "--out", o]

    out.append(Variant(
        "changepoint", "MCMC", "pymc", "PyMC pm.sample (NUTS + Metropolis, cores=2)",
        "changepoint fit --method gibbs (Gibbs, 4 chains in parallel)", "days", sorted(MCMC_DRAWS),
        inp.counts, mcmc_ts, mcmc_py, agree_mcmc))
    out.append(Variant(
        "mwu", "two-sided, auto", "stats", "SciPy mannwhitneyu", "mwu --f64le", "values (both samples)",
        [10_000, 100_000, 1_000_000], inp.samples,
        lambda i, o: ([t, "mwu", "--x", i["x"], "--y", i["y"], "--f64le"], None),
        lambda i, o: [PEERS / "mannwhitneyu_scipy.py", i["x"], i["y"], o],
        agree_mwu, elements=lambda n: 2 * n))
    for bw, tool, label, sizes in (
            ("scott", "scipy", "SciPy gaussian_kde (exact sums)", [1000, 10_000, 100_000]),
            ("normal-reference", "statsmodels", "statsmodels KDEUnivariate(fft=True) + np.interp",
             [1000, 10_000, 100_000, 1_000_000]),
            ("isj", "kdepy", "KDEpy FFTKDE(bw='ISJ')", [1000, 10_000, 100_000, 1_000_000])):
        out.append(Variant(
            "kde", f"{bw} vs {tool}", "stats", label,
            f"kde --bandwidth {bw} --f64le (2,048 points"
            + ("; --method auto: exact sums" if bw == "scott" else "; --method auto: binned FFT from 10,000 points")
            + ")", "data points",
            sizes, inp.kde_data,
            lambda i, o, bw=bw: ([t, "kde", "--input", i["data_f64"], "--bandwidth", bw, "--at", i["at_f64"],
                                  "--f64le"], None),
            lambda i, o, tool=tool: [PEERS / "kde_peers.py", tool, i["data"], i["at"], o],
            agree_kde))
    out.append(Variant(
        "kde", "isj vs kdepy, both FFT", "stats", "KDEpy FFTKDE(bw='ISJ')",
        "kde --bandwidth isj --fft --f64le (2,048 grid points)", "data points",
        [1000, 10_000, 100_000, 1_000_000], inp.kde_data,
        lambda i, o: ([t, "kde", "--input", i["data_f64"], "--bandwidth", "isj", "--fft", "--at", i["at_f64"],
                       "--f64le"], None),
        lambda i, o: [PEERS / "kde_peers.py", "kdepy", i["data"], i["at"], o],
        agree_kde))
    for mode, label, sizes in (
            ("default", "statsmodels acf + acorr_ljungbox", [1000, 10_000, 100_000]),
            ("fft-q", "statsmodels acf + q_stat (tuned: no O(n²) acf)", [1000, 10_000, 100_000, 1_000_000])):
        extra = [] if mode == "default" else ["--fft-q"]
        out.append(Variant(
            "acf", f"30 lags, {mode}", "stats", label, "acf --lags 30 --convention statsmodels", "values",
            sizes, inp.series,
            lambda i, o: ([t, "acf", "--series", i["series"], "--lags", "30", "--convention", "statsmodels"], None),
            lambda i, o, x=extra: [PEERS / "acf_statsmodels.py", *x, i["series"], "30", o],
            agree_acf))
    out.append(Variant(
        "features", "depth 3, forest", "features",
        "featuretools 1.31 dfs (cutoff times) + encode_features + scikit-learn RandomForestClassifier",
        "features run --folds 0 --importance-repeats 0", "auth lines", sorted(FEATURE_SIZES), inp.auth,
        lambda i, o: ([t, "features", "run", "--auth", i["auth"], "--folds", "0", "--importance-repeats", "0",
                       "--out", o], o),
        lambda i, o: [PEERS / "featuretools_forest.py", i["auth"], o],
        agree_features, max_reps=lambda n: 1 if n >= FEATURES_ONE_REP else 1_000_000))
    return out


# ---------------------------------------------------------------- running

def measure(v, size, pythons, reps, work):
    i = v.inputs(size)
    slug = "".join(c if c.isalnum() else "_" for c in v.name)
    d = Path(work) / "out" / v.task / slug / str(size)
    d.mkdir(parents=True, exist_ok=True)
    row = Row(v, size)
    ts_res = d / "ts_result"  # where the threatstat side's result is (its stdout, or the file it names)
    for rep in range(min(reps, v.max_reps(size))):
        sides = ("ts", "py") if rep % 2 == 0 else ("py", "ts")
        for side in sides:
            if side == "ts":
                argv, res = v.ts_cmd(i, d / "ts_result")
                argv = [str(a) for a in argv]
                stdout = d / "ts_result" if res is None else d / "ts_stdout"
                ts_res = d / "ts_result" if res is None else Path(res)
                wall, rss = run(argv, stdout)
                row.ts_wall.append(wall)
                row.ts_rss.append(rss)
                row.ts_argv = argv
            else:
                argv = [pythons[v.peer]] + [str(a) for a in v.peer_cmd(i, d / "py_result")]
                wall, rss = run(argv, d / "py_stdout")
                row.py_wall.append(wall)
                row.py_rss.append(rss)
                lines = (d / "py_stdout").read_text().strip().splitlines()
                row.py_phases.append(json.loads(lines[-1])["phases"])
                row.py_argv = argv
    row.agreement, _ = v.agree(ts_res, d / "py_result", i)
    return row


def versions(python, packages):
    code = ("import importlib.metadata as m, json, sys\n"
            "out = {'python': sys.version.split()[0]}\n"
            f"for p in {packages!r}:\n"
            "    try: out[p] = m.version(p)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(out))")
    try:
        r = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
        return json.loads(r.stdout)
    except (OSError, subprocess.CalledProcessError, json.JSONDecodeError) as err:
        return {"unknown": f"({err})"}


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} logical CPUs ({cpu}){mem}, {platform.system()} {platform.release()}"


def profile(argv, work):
    """Top symbols of one threatstat run (perf record), or why there is none."""
    data = Path(work) / "perf.data"
    try:
        r = subprocess.run(["perf", "record", "-F", "20000", "-g", "-o", str(data), "--"] + argv,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            return f"(perf record failed: {r.stderr.strip()[-200:]})"
        r = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children",
                            "--percent-limit", "3", "-g", "none"], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"(no profile: {err})"
    lines = [x for x in r.stdout.splitlines() if x.strip() and not x.startswith("#")]
    # Where the time goes by object: the kernel (process start, page faults,
    # reading files), the dynamic loader and libc, or threatstat's own code.
    r = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", "dso", "-g", "none"],
                       capture_output=True, text=True, timeout=600)
    dsos = [" ".join(x.split()) for x in r.stdout.splitlines() if x.strip() and not x.startswith("#")]
    samples = next((x.split("of event")[0].strip("# ") for x in r.stdout.splitlines()
                    if x.startswith("# Samples:")), "")
    head = f"by object ({samples}): " + "; ".join(dsos[:5])
    return head + "\n" + "\n".join(lines[:12])


# ---------------------------------------------------------------- report

def ms(x):
    if math.isnan(x):
        return "n/a"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 1:
        return f"{x:.2f} s"
    return f"{x * 1000:.1f} ms"


def per(x, n):
    v = x / n
    if v >= 1e-3:
        return f"{v * 1e3:.2f} ms"
    if v >= 1e-6:
        return f"{v * 1e6:.2f} µs"
    return f"{v * 1e9:.1f} ns"


def ratio(a, b):
    if not (b > 0) or math.isnan(a):
        return "n/a"
    r = a / b
    s = f"{r:,.0f}×" if r >= 10 else f"{r:.1f}×"
    return s if r >= 1 else f"**{r:.2f}×**"


def write_report(path, rows, meta, not_ahead):
    L = []
    L.append("# BENCHMARKS: threatstat beside the Python peers\n")
    L.append("User-level comparison: the same generated inputs, the threatstat CLI and the Python tool "
             "researchers use, each run as its own process on the same machine, alternately, "
             f"{meta['reps']} times; medians. Written by `benches/compare.sh` (do not edit by hand).\n")
    L.append("```sh\nbenches/compare.sh            # full: every size (about 10 minutes on an idle 2-core machine)\n"
             "benches/compare.sh --quick    # smallest size of each task only (about 1.5 minutes)\n"
             "PEER_PYTHON=/path/to/python MSTICPY_PYTHON=/path/to/python FEATURES_PYTHON=/path/to/python "
             "benches/compare.sh --quick"
             "   # reuse existing environments\n```\n")
    L.append(f"**This run:** {meta['mode']}, {meta['date']}; took {meta['elapsed']}.  ")
    L.append(f"**Command:** `{meta['command']}`  ")
    L.append(f"**Machine:** {meta['machine']}; load average {meta['load_before']} before, "
             f"{meta['load_after']} after.  ")
    L.append(f"**threatstat:** {meta['ts_version']} ({meta['git']}), {meta['rustc']}, release build.  ")
    for k, v in meta["versions"].items():
        L.append(f"**Peers ({k}):** " + ", ".join(f"{p} {x}" for p, x in v.items()) + "  ")
    if meta.get("failures"):
        L.append("\n> **Incomplete run.** These failed (the rows below are those measured before and "
                 "after them):\n>\n" + "\n".join("> - " + f.replace("\n", " ")[:600]
                                                 for f in meta["failures"]) + "\n")
    load = float(meta["load_before"].split()[0])
    if load > 1.0:
        L.append(f"\n> **Busy machine.** The load average was {load:.1f} when this run started (other "
                 "jobs were running on its cores), so these timings are noisier and slower than on an idle "
                 "machine; ratios are less affected than absolute times, but rerun on an idle machine "
                 "before quoting them.\n")
    if meta["mode"].startswith("quick"):
        L.append("\n> **Quick run.** Only the smallest size of each task was measured, where both sides are "
                 "dominated by process start-up (Python's interpreter and imports; threatstat's exec and "
                 "page faults). The growth of cost with size, the time per element and the ratios at scale "
                 "need the full run (`benches/compare.sh` without `--quick`).\n")
    L.append("""
How to read the tables: *wall* is the median elapsed time of the whole
process (start-up, reading the input files, computing, writing the result);
*peer compute* is the median of the peer's own measurement of the library
call alone (no interpreter start-up, imports or file reading), so *ratio
(compute)* = peer compute / threatstat wall is the comparison most favourable
to the peer. *Peak RSS* is the maximum resident set size of the process
(GNU time's `%M`; for PyMC, whose chains run in 2 worker processes, it is
that of the largest single process). *Per element* is wall time divided
by the size. Ratios in **bold** are below 1: threatstat is not ahead there.
""")
    L.append("## Summary (largest size measured per variant)\n")
    L.append("| task | variant | size | threatstat wall | peer wall | ratio (wall) | ratio (compute) | agreement |")
    L.append("|---|---|---:|---:|---:|---:|---:|---|")
    last = {}
    for r in rows:
        last[(r.variant.task, r.variant.name)] = r
    for r in last.values():
        v = r.variant
        L.append(f"| {v.task} | {v.name} | {r.size:,} {v.unit} | {ms(r.ts)} | {ms(r.py)} | "
                 f"{ratio(r.py, r.ts)} | {ratio(r.py_compute, r.ts)} | {r.agreement} |")
    tasks = []
    for r in rows:
        if r.variant.task not in tasks:
            tasks.append(r.variant.task)
    titles = {"markov": "Markov session scoring (msticpy 3.0.2 `anomalous_sequence`)",
              "changepoint": "Bayesian switchpoint (exact posterior; PyMC default sampler)",
              "mwu": "Mann-Whitney U (SciPy `mannwhitneyu`)",
              "kde": "Gaussian KDE (SciPy, statsmodels, KDEpy)",
              "acf": "Autocorrelation and Ljung-Box (statsmodels)",
              "features": "Session features and a random forest (featuretools DFS + scikit-learn)"}
    for task in tasks:
        L.append(f"\n## {titles.get(task, task)}\n")
        vs = []
        for r in rows:
            if r.variant.task == task and r.variant not in vs:
                vs.append(r.variant)
        for v in vs:
            L.append(f"**{v.name}**: threatstat `{v.ts_label}` against {v.peer_label}.\n")
            if v.task == "features":
                big = [r.size for r in rows if r.variant is v and v.max_reps(r.size) < meta["reps"]]
                if big:
                    L.append("Sizes of " + ", ".join(f"{n:,}" for n in big) + " lines are run once on each "
                             "side (featuretools takes minutes there); the medians are of one run.\n")
            if v.task == "changepoint" and v.name == "MCMC":
                L.append("Draws (both sides, chains × draws after tuning steps): " + "; ".join(
                    f"{n:,} days: {c} × {d:,} (+{t:,})" for n, (c, d, t) in sorted(MCMC_DRAWS.items())) + ".\n")
            L.append(f"| size ({v.unit}) | threatstat wall | peer wall | peer imports | peer compute | "
                     "ratio (wall) | ratio (compute) | peak RSS threatstat | peak RSS peer | "
                     "threatstat per element | peer per element | agreement |")
            L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
            for r in rows:
                if r.variant is not v:
                    continue
                n = v.elements(r.size)
                L.append(f"| {r.size:,} | {ms(r.ts)} | {ms(r.py)} | {ms(r.py_imports)} | {ms(r.py_compute)} | "
                         f"{ratio(r.py, r.ts)} | {ratio(r.py_compute, r.ts)} | {r.med(r.ts_rss):.0f} MB | "
                         f"{r.med(r.py_rss):.0f} MB | {per(r.ts, n)} | {per(r.py, n)} | {r.agreement} |")
            L.append("")
        ex = [r for r in rows if r.variant.task == task][-1]
        L.append("Commands of the largest size (paths relative to the work directory):\n")
        L.append("```sh\n" + shlex.join(ex.ts_argv).replace(meta["work"] + "/", "") + "\n"
                 + shlex.join(ex.py_argv).replace(meta["work"] + "/", "") + "\n```")
    # The in-process table (benches/peers/inprocess.py --write) is kept across runs.
    old = Path(path).read_text() if Path(path).exists() else ""
    kept = re.search(r"<!-- inprocess:begin.*?<!-- inprocess:end -->\n", old, flags=re.S)
    if kept:
        L.append("\n" + kept.group(0))
    L.append("\n## Where threatstat is not ahead\n")
    if not not_ahead:
        L.append("Nowhere in this run: threatstat's process is faster than the peer's process in every "
                 "row, and faster than the peer's library call alone at the largest size of every variant.\n")
    else:
        L.append("Rows where threatstat's process is slower than the peer's process, or (at the largest "
                 "size of a variant) slower than the peer's library call alone.\n")
    for r, prof in not_ahead:
        v = r.variant
        ph = ", ".join(f"{k} {ms(x)}" for k, x in r.py_phases[-1].items())
        L.append(f"### {v.task}, {v.name}, {r.size:,} {v.unit}\n")
        L.append(f"threatstat wall {ms(r.ts)}; peer compute {ms(r.py_compute)} (ratio {ratio(r.py_compute, r.ts)}), "
                 f"peer wall {ms(r.py)} (ratio {ratio(r.py, r.ts)}). Peer phases (last repetition): {ph}. "
                 "Profile of the threatstat run (`perf record -g`, self time, symbols ≥ 3%):\n")
        L.append("```\n" + prof + "\n```\n")
    if meta.get("notes"):
        L.append(meta["notes"])
    Path(path).write_text("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threatstat", required=True)
    ap.add_argument("--bench-bin", required=True, help="directory with resample_sessions")
    ap.add_argument("--python-msticpy", required=True)
    ap.add_argument("--python-pymc", required=True)
    ap.add_argument("--python-stats", required=True)
    ap.add_argument("--python-features", required=True, help="featuretools 1.31 and scikit-learn (pandas < 3)")
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "threatstat-compare"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smallest size of each variant only")
    ap.add_argument("--only", default="", help="comma-separated tasks (markov,changepoint,mwu,kde,acf,features)")
    ap.add_argument("--out", default="BENCHMARKS.md")
    ap.add_argument("--notes", default=str(PEERS / "analysis.md"),
                    help="Markdown appended to the report (the hand-written analysis), if it exists")
    ap.add_argument("--command", default="benches/compare.sh", help="the command line, for the report")
    ap.add_argument("--rustc", default="")
    ap.add_argument("--git", default="")
    a = ap.parse_args()
    t_start = time.perf_counter()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    work = str(Path(a.work).resolve())
    Path(work).mkdir(parents=True, exist_ok=True)
    pythons = {"msticpy": a.python_msticpy, "pymc": a.python_pymc, "stats": a.python_stats,
               "features": a.python_features}
    inp = Inputs(work, a.bench_bin, Path(a.threatstat).resolve())
    only = set(filter(None, a.only.split(",")))
    rows = []
    failures = []  # a failed size is reported; the rows measured so far are still written
    try:
        for v in variants(Path(a.threatstat).resolve(), inp):
            if only and v.task not in only:
                continue
            for size in v.sizes[:1] if a.quick else v.sizes:
                t0 = time.perf_counter()
                try:
                    r = measure(v, size, pythons, a.reps, work)
                except Exception as err:  # noqa: BLE001 - any failure of one run: report it, go on
                    failures.append(f"{v.task}, {v.name}, {size:,} {v.unit}: {err}")
                    print(f"FAILED {v.task} {v.name} {size:,}: {err}", file=sys.stderr, flush=True)
                    break  # the larger sizes of this variant would fail the same way
                rows.append(r)
                print(f"{v.task:12} {v.name:28} {size:>9,}: threatstat {ms(r.ts):>9}, peer {ms(r.py):>9} "
                      f"(compute {ms(r.py_compute)}); {r.agreement} [{time.perf_counter() - t0:.0f} s]",
                      flush=True)
    except KeyboardInterrupt:
        failures.append("interrupted (Ctrl-C) after the rows above")
        print("interrupted: writing the rows measured so far", file=sys.stderr, flush=True)
    # Not ahead: slower than the peer's whole process anywhere, or than the
    # peer's library call alone at the largest size measured (at small sizes
    # that compares a process start with an in-memory call).
    largest = {}
    for r in rows:
        largest[id(r.variant)] = r
    not_ahead = []
    for r in rows:
        if r.py < r.ts or (largest[id(r.variant)] is r and r.py_compute < r.ts):
            print(f"profiling {r.variant.task} {r.variant.name} {r.size}", flush=True)
            not_ahead.append((r, profile(r.ts_argv, work) if not failures else "(not profiled: the run failed)"))
    ts_version = subprocess.run([a.threatstat, "--version"], capture_output=True, text=True).stdout.strip()
    vers = {}
    for py, pk in ((a.python_msticpy, ["msticpy", "numpy", "pandas"]),
                   (a.python_pymc, ["pymc", "pytensor", "arviz", "numpy", "scipy"]),
                   (a.python_stats, ["numpy", "scipy", "statsmodels", "KDEpy", "pandas"]),
                   (a.python_features, ["featuretools", "scikit-learn", "pandas", "numpy"])):
        label = os.path.relpath(py) if not os.path.relpath(py).startswith("..") else py
        vers.setdefault(label, {}).update(versions(py, pk))
    meta = {
        "reps": a.reps,
        "mode": "quick (smallest sizes)" if a.quick else "full",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed": f"{(time.perf_counter() - t_start) / 60:.1f} min",
        "command": a.command,
        "machine": machine(),
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "ts_version": ts_version,
        "git": a.git or "unknown",
        "rustc": a.rustc or "rustc",
        "versions": vers,
        "work": work,
        "notes": Path(a.notes).read_text() if a.notes and Path(a.notes).exists() else "",
        "failures": failures,
    }
    write_report(a.out, rows, meta, not_ahead)
    print(f"wrote {a.out} in {meta['elapsed']}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
