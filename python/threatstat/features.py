"""Session features and a random forest on LANL CyberFL-format auth lines:
``threatstat features run`` (Rust ``threatstat_workflow::features::run``,
the function the CLI calls) in-process, DataFrames in and out. Mirrors the
featuretools demo: cutoff-time labels, deep feature synthesis (DFS) to
``depth``, a random forest, ROC/PR AUC with folds and a held-out test set.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, NamedTuple, Optional

from . import _threatstat as _ext

__all__ = ["FeaturesResult", "run"]


class FeaturesResult(NamedTuple):
    """``metrics``: the CLI's ``metrics.json`` as a dict; the CSV files it
    writes as DataFrames: ``feature_matrix``, ``cutoffs``, ``predictions``
    (out-of-fold scores) and ``test_scores``."""

    metrics: Dict[str, Any]
    feature_matrix: Any
    cutoffs: Any
    predictions: Any
    test_scores: Any


def run(auth, out=None, after_n: int = 2, lead: int = 2, label_window: int = 10, depth: int = 3,
        seed: int = 1, trees: int = 100, folds: int = 5, importance_repeats: int = 3,
        split: str = "random", test_fraction: float = 0.2, threshold: Optional[float] = None,
        purge: bool = True, skip_bad_rows: bool = False, save_model=None) -> FeaturesResult:
    """``threatstat features run --input ... --out ...`` in-process. ``auth``:
    a DataFrame with the CyberFLTenDays.csv columns (secs, src_name,
    dest_name, src_host, dest_host, auth_type, login_type, stage, result,
    label) or a path to such a file (gzip allowed). The other arguments are
    the CLI's flags (``label_window`` is ``--label-window``, ``purge=False``
    is ``--no-purge``); ``out`` keeps the files (a temporary directory when
    None); ``save_model`` writes the fitted pipeline."""
    import pandas as pd

    checks = (("after_n", after_n, 0), ("lead", lead, 0), ("label_window", label_window, 1),
              ("trees", trees, 1), ("folds", folds, 0), ("importance_repeats", importance_repeats, 0))
    for name, v, lo in checks:
        if int(v) < lo:
            raise ValueError(f"{name} = {v}: expected an integer >= {lo}")
    if int(depth) not in (1, 2, 3):
        raise ValueError(f"depth = {depth}: expected 1, 2 or 3")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction = {test_fraction}: expected a number in (0, 1)")
    if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold = {threshold}: expected a number in [0, 1]")

    def go(d):
        path = auth
        if not isinstance(auth, (str, os.PathLike)):
            path = os.path.join(d, "input_auth.csv")
            auth.to_csv(path, index=False)
        m = _ext.features_run(os.fspath(path), os.fspath(d), int(after_n), int(lead),
                              int(label_window), int(depth), int(seed), int(trees), int(folds),
                              int(importance_repeats), split, float(test_fraction),
                              None if threshold is None else float(threshold), bool(purge),
                              bool(skip_bad_rows),
                              None if save_model is None else os.fspath(save_model))
        read = lambda n: pd.read_csv(os.path.join(d, n))  # noqa: E731
        return FeaturesResult(json.loads(m), read("feature_matrix.csv"), read("cutoffs.csv"),
                              read("predictions.csv"), read("test_scores.csv"))

    if out is not None:
        os.makedirs(out, exist_ok=True)
        return go(out)
    with tempfile.TemporaryDirectory(prefix="threatstat-features-") as d:
        return go(d)
