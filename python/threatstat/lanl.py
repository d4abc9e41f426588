"""The LANL upload-bytes analysis: ``threatstat lanl uploads`` (Rust
``threatstat_workflow::uploads::run``, the function the CLI calls)
in-process. Do compromised users upload more? Owners of computers from
``auth.txt`` (successful interactive logons), upload bytes per user and
interval from ``flows.txt``, Mann-Whitney U of the red team's user-intervals
against all (two-sided and greater, at ``level``), and KDE flags of unusual
users (the ``contamination`` share with the lowest leave-one-out density).
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Dict, NamedTuple, Optional

from . import _threatstat as _ext

__all__ = ["UploadsResult", "uploads"]


class UploadsResult(NamedTuple):
    """``summary``: the CLI's ``summary.json`` as a dict (owners, users,
    medians, ``mwu_two_sided``, ``mwu_greater``, ``kde``, ...); ``users``:
    its ``users.csv`` as a DataFrame (one row per user: compromised,
    intervals, median_upload, p95_upload, loo_density, flagged)."""

    summary: Dict[str, Any]
    users: Any


def uploads(auth, flows, redteam, out=None, interval_s: int = 86_400, level: float = 0.01,
            contamination: float = 0.05, skip_bad_rows: bool = False,
            figures: Optional[bool] = None) -> UploadsResult:
    """``threatstat lanl uploads --auth ... --flows ... --redteam ... --out
    ...`` in-process: the same files in ``out`` (a temporary directory when
    None), the same numbers. ``auth`` and ``flows`` may be gzipped.
    ``figures`` defaults to True when ``out`` is given (as the CLI), else False."""
    import pandas as pd

    if not 1 <= int(interval_s) <= 31_622_400:
        raise ValueError(f"interval_s = {interval_s}: expected an integer in 1..=31622400")
    for name, v in (("level", level), ("contamination", contamination)):
        if not 0.0 < float(v) < 1.0:
            raise ValueError(f"{name} = {v}: expected a number in (0, 1)")
    figs = (out is not None) if figures is None else bool(figures)

    def go(d):
        s = _ext.lanl_uploads(os.fspath(auth), os.fspath(flows), os.fspath(redteam), os.fspath(d),
                              int(interval_s), float(level), float(contamination),
                              bool(skip_bad_rows), figs)
        users = pd.read_csv(os.path.join(d, "users.csv"), dtype={"user": str})
        return UploadsResult(json.loads(s), users)

    if out is not None:
        return go(out)
    with tempfile.TemporaryDirectory(prefix="threatstat-lanl-") as d:
        return go(d)
