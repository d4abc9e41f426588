"""Reference values for threatstat-features: featuretools' DFS and the demo's
cutoff/label function on a small generated authentication log.

Run with featuretools 1.31 (pandas < 3):
    /work/venvs/ft/bin/python tools/reference/featuretools_dfs_reference.py

Writes into crates/threatstat-features/tests/fixtures/:
  dfs_log.csv          the log, CyberFLTenDays.csv format (label N/A)
  dfs_cutoffs.csv      the demo's generate_cutoffs(df, "session_id", 2, 2, 10)
                       (cutoff = iloc[N], label = any(iloc[N+L : N+L+W]),
                       sessions with count > N+L+1)
  dfs_features.json    {"names": [...], "rows": [{"session_id", "time",
                       "values": {name: value or null}}]} from
                       ft.dfs(target "sessions", max_depth 2 and 3) with cutoff
                       times `time - 1`, so featuretools' "at or before the
                       cutoff" equals "strictly before `time`" for integer secs.
"""

import json
import os

import featuretools as ft
import numpy as np
import pandas as pd

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "threatstat-features", "tests", "fixtures")
COLS = "secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label".split(",")


def make_log(seed=7):
    rng = np.random.default_rng(seed)
    rows = []
    sessions = [("U1", "U1"), ("U2", "U2"), ("C5$", "C5$"), ("U3", "U9"), ("U4", "U4"), ("U5", "U5")]
    counts = [20, 8, 7, 3, 12, 6]
    for (src, dst), n in zip(sessions, counts):
        hosts = [("C1", "C2"), ("C1", "C3"), ("C4", "C2")][: rng.integers(1, 4)]
        t = int(rng.integers(1, 50))
        for _ in range(n):
            t += int(rng.integers(0, 4))  # ties in secs happen
            sh, dh = hosts[rng.integers(0, len(hosts))]
            rows.append((t, src, dst, sh, dh,
                         ["NTLM", "Kerberos", "?"][rng.integers(0, 3)],
                         ["Network", "Batch", "?"][rng.integers(0, 3)],
                         ["LogOn", "LogOff", "TGS"][rng.integers(0, 3)],
                         ["Success", "Fail"][int(rng.random() < 0.2)],
                         "A" if rng.random() < 0.15 else "N"))
    df = pd.DataFrame(rows, columns=COLS)
    # File order: by time, stable over the generation order.
    return df.sort_values("secs", kind="stable").reset_index(drop=True)


def generate_cutoffs(cyber_df, index_col, after_n_obs, lead, prediction_window):
    # The demo's function (Predicting Malicious Cyber Connections notebook).
    window_start = after_n_obs + lead
    window_end = window_start + prediction_window
    grouped = cyber_df.groupby(index_col)[index_col].count()
    min_obs = after_n_obs + lead + 1
    enough = grouped[grouped > min_obs].index
    out = []
    for sid, df in cyber_df[cyber_df[index_col].isin(enough)].groupby(index_col, sort=True):
        df = df.sort_values("secs", kind="stable")
        out.append((sid, int(df.iloc[after_n_obs]["secs"]), bool(df.iloc[window_start:window_end]["label"].any())))
    return pd.DataFrame(out, columns=["session_id", "time", "label"])


def main():
    os.makedirs(OUT, exist_ok=True)
    raw = make_log()
    raw.to_csv(os.path.join(OUT, "dfs_log.csv"), index=False)
    df = raw.copy()
    df["label"] = df["label"].map({"N": False, "A": True})
    df.index.name = "log_id"
    df = df.reset_index()
    df["name_host_pair"] = df["src_name"].str.cat([df["dest_name"], df["src_host"], df["dest_host"]], sep=" / ")
    df["session_id"] = df["src_name"].str.cat(df["dest_name"], sep=" / ")
    df["success"] = df["result"] == "Success"
    cutoffs = generate_cutoffs(df, "session_id", 2, 2, 10)
    cutoffs.to_csv(os.path.join(OUT, "dfs_cutoffs.csv"), index=False)

    cats = ["auth_type", "login_type", "stage", "result", "src_name", "dest_name",
            "src_host", "dest_host", "name_host_pair", "session_id"]
    es = ft.EntitySet("cyber")
    es = es.add_dataframe(dataframe_name="log", dataframe=df.drop(columns=["label"]), index="log_id",
                          time_index="secs", logical_types={**{c: "Categorical" for c in cats}, "success": "Boolean"})
    es = es.normalize_dataframe("log", "name_host_pairs", "name_host_pair",
                                additional_columns=["src_host", "dest_host", "session_id", "src_name", "dest_name"])
    es = es.normalize_dataframe("name_host_pairs", "sessions", "session_id", additional_columns=["src_name", "dest_name"])
    # Every session, cut at its demo cutoff (or at its 3rd row if it has none).
    ct = []
    for sid, g in df.groupby("session_id", sort=True):
        g = g.sort_values("secs", kind="stable")
        ct.append((sid, int(g.iloc[min(2, len(g) - 1)]["secs"])))
    ct = pd.DataFrame(ct, columns=["session_id", "time"])
    ft_ct = ct.assign(time=ct["time"] - 1)
    prims = ["count", "sum", "mean", "std", "skew", "min", "max", "num_unique", "mode", "percent_true"]
    result = {}
    for depth in (2, 3):
        fm, fl = ft.dfs(entityset=es, target_dataframe_name="sessions", cutoff_time=ft_ct, max_depth=depth,
                        agg_primitives=prims, trans_primitives=[], cutoff_time_in_index=False)
        names = [f.get_name() for f in fl]
        rows = []
        for (sid, t) in ct.itertuples(index=False):
            r = fm.loc[sid]
            vals = {}
            for n in names:
                v = r[n]
                if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                    vals[n] = None
                elif isinstance(v, (bool, np.bool_)):
                    vals[n] = float(v)
                elif isinstance(v, (int, float, np.integer, np.floating)):
                    vals[n] = float(v)
                else:
                    vals[n] = str(v)
            rows.append({"session_id": sid, "time": t, "values": vals})
        result[f"depth{depth}"] = {"names": names, "rows": rows}
    assert result["depth2"]["names"] == result["depth3"]["names"]
    with open(os.path.join(OUT, "dfs_features.json"), "w") as f:
        json.dump({"featuretools": ft.__version__, "pandas": pd.__version__, **result["depth2"]}, f, indent=1)
    print(len(result["depth2"]["names"]), "features;", len(ct), "sessions;", len(cutoffs), "demo cutoffs")


if __name__ == "__main__":
    main()
