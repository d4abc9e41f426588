"""pandas opens every columnar output of the threatstat CLI (issue 24).

Runs the CLI on generated data, writes each table command's output as CSV
and as Parquet / Arrow IPC, and checks with pandas (and pyarrow) that
`pandas.read_parquet` / `pandas.read_feather` open it, that the columns and
their order are the CSV's, that each column has the type README's
"Columnar formats" documents, and that the values equal the CSV's.

Usage: python tools/columnar/pandas_check.py PATH/TO/threatstat
Needs pandas and pyarrow (python/ci.sh pins both). Prints one line per
check and a closing 'N passed, N failed'; exits 1 on a failure.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyarrow.feather as feather

BIN = sys.argv[1]
passed, failed = 0, 0


def cli(*args):
    r = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True,
                       env={"THREATSTAT_NO_PROGRESS": "1", "PATH": "/usr/bin:/bin"})
    if r.returncode != 0:
        raise SystemExit(f"threatstat {' '.join(map(str, args))}: {r.stderr}")
    return r.stdout


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")


# The Arrow types README documents, by column name (a table's columns are a
# subset).
TYPES = {
    "lag": "int64", "acf": "double", "pacf": "double", "lb_stat": "double",
    "lb_pvalue": "double",
    "user": "string", "first_day": "date32[day]", "last_day": "date32[day]",
    "n_days": "int64", "map_tau": "int64", "map_tau_date": "date32[day]",
    "p_map": "double", "lambda_1_mean": "double", "lambda_2_mean": "double",
    "log_bayes_factor": "double", "start_date": "date32[day]",
    "end_date": "date32[day]", "note": "string", "n_changes_map": "int64",
    "n_changes_mean": "double", "change_dates": "list<item: string>",
    "p_first_change": "double", "change_count_posterior": "list<item: double>",
    "change_count_tail_mass": "double",
    "compromised": "bool", "intervals": "int64", "median_upload": "double",
    "p95_upload": "double", "loo_density": "double", "flagged": "bool",
    "principal": "string", "api": "string", "score": "double",
    "max_abs_acf": "double", "best_lag": "int64", "ljung_box_q": "double",
    "ljung_box_p": "double", "q_value": "double", "dominant_period": "double",
    "total": "double", "n_buckets": "int64", "figure": "string",
    "p_value": "double", "p_low": "double", "permutations": "int64",
    "session_id": "string", "time": "int64", "label": "bool",
    "x": "double", "y": "double", "density": "double",
    "cutoff_time": "int64", "fold": "string",
}


def same_values(c, p):
    """A CSV column (as pandas reads it) against the columnar one."""
    if p.dtype.kind == "M":  # timestamps: ISO 8601 in the CSV
        a = pd.to_datetime(c, utc=True)
        return bool(((a == p) | (a.isna() & p.isna())).all())
    if p.dtype.kind in "biuf" or pd.api.types.is_bool_dtype(p):
        if pd.api.types.is_bool_dtype(p):
            c = c.str.lower().map({"true": 1.0, "false": 0.0})
        a = pd.to_numeric(c, errors="coerce").astype(float).to_numpy()
        b = p.astype(float).to_numpy()
        return np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True)
    if len(p) and isinstance(p.iloc[0], (list, np.ndarray)):
        a = [[] if pd.isna(x) else str(x).split(";") for x in c]
        b = [list(x) for x in p]
        if any(len(x) != len(y) for x, y in zip(a, b)):
            return False
        if any(len(y) and not isinstance(y[0], str) for y in b):
            return all(np.allclose([float(v) for v in x], y, rtol=1e-12, atol=0)
                       for x, y in zip(a, b) if len(x))
        return a == b
    a = ["" if pd.isna(x) else str(x) for x in c]
    b = ["" if pd.isna(x) else str(x) for x in p]
    return a == b


def compare(csv, columnar, extra_types=None):
    name = columnar.name
    df = pd.read_feather(columnar) if columnar.suffix == ".arrow" else pd.read_parquet(columnar)
    schema = (feather.read_table(columnar) if columnar.suffix == ".arrow"
              else pq.read_table(columnar)).schema
    ref = pd.read_csv(csv, keep_default_na=False, na_values=[""], dtype=str)
    check(f"{name}: pandas opens it, {len(df)} rows", len(df) == len(ref) and len(df) > 0,
          f"{len(df)} rows, CSV {len(ref)}")
    check(f"{name}: columns as the CSV's", list(df.columns) == list(ref.columns),
          f"{list(df.columns)} vs {list(ref.columns)}")
    types = dict(TYPES, **(extra_types or {}))
    wrong = [f"{f.name}: {f.type}" for f in schema
             if str(f.type) != types.get(f.name, str(f.type))]
    check(f"{name}: documented types", not wrong, ", ".join(wrong))
    bad = [col for col in ref.columns if not same_values(ref[col], df[col])]
    check(f"{name}: values equal the CSV's", not bad, ", ".join(bad))


with tempfile.TemporaryDirectory() as d:
    d = Path(d)
    # acf --table
    series = d / "series.csv"
    series.write_text("count\n" + "".join(f"{(i * 7919) % 13 + (i % 7 < 5) * 10}\n" for i in range(80)))
    for ext in ("csv", "parquet"):
        cli("acf", "--lags", "7", "--input", series, "--out", d / "acf.json", "--table", d / f"lags.{ext}")
    compare(d / "lags.csv", d / "lags.parquet")
    # kde --table: 1-D as Parquet, 2-D as Arrow IPC
    pts1 = d / "pts1.csv"
    pts1.write_text("".join(f"{((i * 7919) % 101) / 10 - 5}\n" for i in range(200)))
    pts2 = d / "pts2.csv"
    pts2.write_text("".join(f"{((i * 7919) % 101) / 10},{((i * 104729) % 37) / 3}\n" for i in range(200)))
    for pts, name, ext in ((pts1, "kde1", "parquet"), (pts2, "kde2", "arrow")):
        for e in ("csv", ext):
            cli("kde", "--quiet", "--input", pts, "--at", pts, "--out", d / "kde.json",
                "--table", d / f"{name}.{e}")
        compare(d / f"{name}.csv", d / f"{name}.{ext}")
    # changepoint logons --out, switchpoint (Parquet) and segments (Arrow IPC)
    cli("changepoint", "generate", "--users", "8", "--days", "300", "--planted", "3",
        "--seed", "5", "--out", d / "logon.csv", "--truth", d / "truth.json")
    for kind, ext in (("switchpoint", "parquet"), ("segments", "arrow")):
        for e in ("csv", ext):
            cli("changepoint", "logons", "--quiet", "--kind", kind, "--input", d / "logon.csv",
                "--out", d / f"{kind}.{e}")
        compare(d / f"{kind}.csv", d / f"{kind}.{ext}")
    # lanl uploads --columnar parquet
    cli("lanl", "generate", "--users", "40", "--days", "4", "--seed", "3", "--out", d / "lanl")
    cli("lanl", "uploads", "--quiet", "--columnar", "parquet", "--auth", d / "lanl/auth.txt",
        "--flows", d / "lanl/flows.txt", "--redteam", d / "lanl/redteam.txt", "--out", d / "up")
    compare(d / "up/users.csv", d / "up/users.parquet")
    # cloudtrail automation --columnar parquet
    cli("cloudtrail", "generate", "--seed", "2", "--out", d / "ct")
    cli("cloudtrail", "automation", "--quiet", "--figures", "none", "--columnar", "parquet",
        "--input", d / "ct/cloudtrail", "--out", d / "auto")
    compare(d / "auto/pairs.csv", d / "auto/pairs.parquet")
    # features run --columnar parquet: the features' types from features.csv
    cli("features", "generate", "--users", "300", "--days", "4", "--out", d / "auth.csv")
    cli("features", "run", "--quiet", "--trees", "10", "--folds", "2", "--columnar", "parquet",
        "--input", d / "auth.csv", "--out", d / "feat")
    kinds = pd.read_csv(d / "feat/features.csv")
    extra = {f: ("string" if k == "categorical" else "double")
             for f, k in zip(kinds["feature"], kinds["kind"])}
    compare(d / "feat/feature_matrix.csv", d / "feat/feature_matrix.parquet", extra)
    compare(d / "feat/cutoffs.csv", d / "feat/cutoffs.parquet")
    compare(d / "feat/predictions.csv", d / "feat/predictions.parquet")
    compare(d / "feat/test_scores.csv", d / "feat/test_scores.parquet")
    manifest = json.loads((d / "feat/manifest.json").read_text())
    check("features: manifest lists the Parquet files",
          {"feature_matrix.parquet", "cutoffs.parquet", "predictions.parquet",
           "test_scores.parquet"} <= {f["path"] for f in manifest["files"]})

    # markov: sessions converted to Parquet / Arrow IPC, scores written as both
    demo = Path(__file__).resolve().parents[2] / "data/msticpy/demo_exchange_data.csv"
    cli("markov", "sessionize", "--quiet", "--input", demo, "--user-cols", "UserId,ClientIP",
        "--time-col", "TimeGenerated", "--event-col", "Operation", "--params-col", "Parameters",
        "--out", d / "sessions.jsonl")
    score_types = {"session_id": "int64", "UserId": "string", "ClientIP": "string",
                   "time_min": "timestamp[ns, tz=UTC]", "time_max": "timestamp[ns, tz=UTC]",
                   "n_cmds": "int64", "rarest_window_likelihood": "double",
                   "rarest_window_start": "int64", "window_1": "string",
                   "window_2": "string", "window_3": "string"}
    cli("markov", "score", "--quiet", "--input", d / "sessions.jsonl", "--session-type", "values",
        "--out", d / "scores.csv")
    n_events = int(pd.read_csv(d / "scores.csv")["n_cmds"].sum())
    for ext in ("parquet", "arrow"):
        sessions = d / f"sessions.{ext}"
        cli("markov", "convert", "--quiet", "--input", d / "sessions.jsonl", "--out", sessions)
        df = pd.read_feather(sessions) if ext == "arrow" else pd.read_parquet(sessions)
        schema = (feather.read_table(sessions) if ext == "arrow"
                  else pq.read_table(sessions)).schema
        want = {"session_id": "int64", "seq": "int32", "time_min": "timestamp[ns, tz=UTC]",
                "time_max": "timestamp[ns, tz=UTC]",
                "UserId": "dictionary<values=string, indices=int32, ordered=0>",
                "ClientIP": "dictionary<values=string, indices=int32, ordered=0>",
                "cmd": "dictionary<values=string, indices=int32, ordered=0>",
                "param_names": "list<item: dictionary<values=string, indices=int32, ordered=0>>",
                "param_values": "list<item: dictionary<values=string, indices=int32, ordered=0>>"}
        got = {f.name: str(f.type) for f in schema}
        check(f"{sessions.name}: pandas opens it, one row per event ({len(df)})",
              len(df) == n_events and list(df.columns) == list(want), f"{list(df.columns)}")
        check(f"{sessions.name}: documented types", got == want, f"{got}")
        check(f"{sessions.name}: seq counts each session's events",
              bool((df.groupby("session_id", sort=False).cumcount() == df["seq"]).all()))
        out = d / f"scores.{ext}"
        cli("markov", "score", "--quiet", "--input", sessions, "--session-type", "values",
            "--out", out)
        compare(d / "scores.csv", out, score_types)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
