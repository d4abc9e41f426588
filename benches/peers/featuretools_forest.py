#!/usr/bin/env python3
"""Peer of `threatstat features run`: the featuretools "predicting malicious
cyber connections" demo on a CyberFLTenDays.csv-format file, with
featuretools 1.31 and scikit-learn.

    python featuretools_forest.py AUTH.csv OUT_DIR [--seed 0] [--trees 100]

Steps, as the demo and as threatstat (same N = 2, L = 2, W = 10):
sessions are src_name/dest_name pairs; the demo's cutoff function (cutoff =
secs of observation N, label = any malicious row among observations
N+L..N+L+W-1, sessions with more than N+L+1 rows); an entity set log ->
name_host_pairs -> sessions; `ft.dfs` to depth 3 with the ten aggregation
primitives and cutoff times `time - 1` (featuretools keeps rows *at* the
cutoff; threatstat uses rows strictly before it, and secs are integers);
`ft.encode_features` (one-hot) and
`remove_low_information_features`; a stratified 80/20 split; a
RandomForestClassifier with 100 trees on mean-imputed features (n_jobs=-1);
ROC AUC and average precision of the test set.

Writes OUT_DIR/feature_matrix.csv (session_id, time, DFS features before
encoding, label) and OUT_DIR/metrics.json, and prints the phase timings
(imports, read, compute, write; `compute` = cutoffs + DFS + encoding + forest)
as one JSON line with the split of `compute` into features and model.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peerlib import Phases, write_json  # noqa: E402

p = Phases()
import featuretools as ft  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from featuretools.selection import remove_low_information_features  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

p.mark("imports")

PRIMITIVES = ["count", "sum", "mean", "std", "skew", "min", "max", "num_unique", "mode", "percent_true"]
CATEGORICAL = ["auth_type", "login_type", "stage", "result", "src_name", "dest_name",
               "src_host", "dest_host", "name_host_pair", "session_id"]


def cutoffs(df, n, lead, window):
    """The demo's cutoff and label function."""
    start = n + lead
    counts = df.groupby("session_id")["session_id"].count()
    keep = counts[counts > start + 1].index
    rows = []
    for sid, g in df[df["session_id"].isin(keep)].groupby("session_id", sort=True):
        g = g.sort_values("secs", kind="stable")
        rows.append((sid, int(g.iloc[n]["secs"]), bool(g.iloc[start:start + window]["label"].any())))
    return pd.DataFrame(rows, columns=["session_id", "time", "label"])


def entity_set(df):
    es = ft.EntitySet("cyber")
    es = es.add_dataframe(dataframe_name="log", dataframe=df.drop(columns=["label"]), index="log_id",
                          time_index="secs",
                          logical_types={**{c: "Categorical" for c in CATEGORICAL}, "success": "Boolean"})
    es = es.normalize_dataframe("log", "name_host_pairs", "name_host_pair",
                                additional_columns=["src_host", "dest_host", "session_id", "src_name", "dest_name"])
    return es.normalize_dataframe("name_host_pairs", "sessions", "session_id",
                                  additional_columns=["src_name", "dest_name"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("auth")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--trees", type=int, default=100)
    a = ap.parse_args()
    df = pd.read_csv(a.auth)
    p.mark("read")
    t0 = p.t
    bad = ~df["label"].isin(["N", "A"])
    if bad.any():
        raise SystemExit(f"{a.auth}: {int(bad.sum())} labels other than N/A")
    df["label"] = df["label"] == "A"
    df.index.name = "log_id"
    df = df.reset_index()
    df["name_host_pair"] = df["src_name"].str.cat([df["dest_name"], df["src_host"], df["dest_host"]], sep=" / ")
    df["session_id"] = df["src_name"].str.cat(df["dest_name"], sep=" / ")
    df["success"] = df["result"] == "Success"
    ct = cutoffs(df, 2, 2, 10)
    fm, defs = ft.dfs(entityset=entity_set(df), target_dataframe_name="sessions",
                      cutoff_time=ct[["session_id", "time"]].assign(time=ct["time"] - 1),
                      max_depth=3, agg_primitives=PRIMITIVES, trans_primitives=[],
                      cutoff_time_in_index=False)
    enc, _ = ft.encode_features(fm, defs)
    enc = remove_low_information_features(enc).loc[ct["session_id"]]
    fm = fm.loc[ct["session_id"]]
    t_features = time.perf_counter() - t0
    x = SimpleImputer(strategy="mean").fit_transform(enc.astype(float).to_numpy())
    y = ct["label"].to_numpy()
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, stratify=y, random_state=a.seed)
    rf = RandomForestClassifier(n_estimators=a.trees, random_state=a.seed, n_jobs=-1).fit(xtr, ytr)
    prob = rf.predict_proba(xte)[:, 1]
    metrics = {"roc_auc": roc_auc_score(yte, prob), "pr_auc": average_precision_score(yte, prob),
               "n_pos": int(y.sum()), "n_neg": int((~y).sum()), "n_features": int(enc.shape[1]),
               "n_dfs_features": len(defs), "n_test": int(len(yte)), "n_test_pos": int(yte.sum())}
    p.mark("compute")
    p.extra["features_seconds"] = t_features
    p.extra["model_seconds"] = p.secs["compute"] - t_features
    metrics["feature_seconds"] = t_features
    metrics["model_seconds"] = p.extra["model_seconds"]
    os.makedirs(a.out, exist_ok=True)
    out = fm.copy()
    out.insert(0, "time", ct["time"].to_numpy())
    out.insert(0, "session_id", ct["session_id"].to_numpy())
    out["label"] = ct["label"].to_numpy()
    out.to_csv(os.path.join(a.out, "feature_matrix.csv"), index=False)
    write_json(os.path.join(a.out, "metrics.json"), metrics)
    p.mark("write")
    p.emit()


if __name__ == "__main__":
    main()
