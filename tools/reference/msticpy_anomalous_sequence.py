#!/usr/bin/env python3
"""Reference fixtures for threatstat-markov, produced by the real msticpy.

This script only *calls* msticpy (3.0.2) -- ``sessionize.sessionize_data``,
``model.Model`` (+ ``train``, ``compute_likelihoods_of_sessions``,
``compute_geomean_lik_of_sessions``, ``compute_rarest_windows``), the per-type
``utils.<type>.compute_likelihood_windows_in_session`` and
``anomalous.score_sessions`` -- and writes what they return in the formats of
the golden files (see crates/threatstat-markov/tests/fixtures/msticpy/README.md).

Usage (from anywhere; the script re-executes itself with PYTHONHASHSEED=0
when that is not already set, because msticpy's cmds_params_only products
follow Python set iteration order)::

    /work/venvs/msticpy/bin/python tools/reference/msticpy_anomalous_sequence.py          # extra fixtures + check
    /work/venvs/msticpy/bin/python tools/reference/msticpy_anomalous_sequence.py --check  # check only
    /work/venvs/msticpy/bin/python tools/reference/msticpy_anomalous_sequence.py --extra  # extra fixtures only

``--check`` regenerates every data file of the visible golden set
(crates/threatstat-markov/tests/fixtures/msticpy/, everything except README.md)
into a temporary directory and compares it with the committed file: byte
equality, or else equality of every value (floats within 1e-15 relative,
everything else identical, including key order).  Exit status 1 on mismatch.

Pinned versions: tools/reference/requirements.txt.
"""

from __future__ import annotations

import os
import sys

_SEED = "0"


def _ensure_hash_seed() -> None:
    if os.environ.get("PYTHONHASHSEED") == _SEED and sys.flags.hash_randomization == 0:
        return
    env = dict(os.environ, PYTHONHASHSEED=_SEED)
    if os.environ.get("_MSTICPY_REF_REEXEC") == "1":
        sys.exit("could not establish PYTHONHASHSEED=0")
    env["_MSTICPY_REF_REEXEC"] = "1"
    script = os.path.abspath(__file__)
    os.execve(sys.executable, [sys.executable, script, *sys.argv[1:]], env)


if __name__ == "__main__":
    _ensure_hash_seed()

# pylint: disable=wrong-import-position
import argparse  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import msticpy  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from msticpy.analysis.anomalous_sequence import anomalous, sessionize  # noqa: E402
from msticpy.analysis.anomalous_sequence.model import Model  # noqa: E402
from msticpy.analysis.anomalous_sequence.utils import (  # noqa: E402
    cmds_only,
    cmds_params_only,
    cmds_params_values,
)
from msticpy.analysis.anomalous_sequence.utils.data_structures import (  # noqa: E402
    Cmd,
    StateMatrix,
)

EXPECTED_VERSIONS = {"msticpy": "3.0.2", "pandas": "2.3.3", "numpy": "2.4.6"}

REPO = Path(__file__).resolve().parents[2]
DATA_CSV = REPO / "data" / "msticpy" / "demo_exchange_data.csv"
FIXTURES = REPO / "crates" / "threatstat-markov" / "tests" / "fixtures"
GOLDEN_DIR = FIXTURES / "msticpy"
EXTRA_DIR = FIXTURES / "msticpy_extra"
GOLDEN_MANIFEST_PREFIX = "shared/golden/msticpy/"
EXTRA_MANIFEST_PREFIX = "crates/threatstat-markov/tests/fixtures/msticpy_extra/"

TIME_COL = "TimeGenerated"
TYPES = ("cmds_only", "cmds_params_only", "cmds_params_values")
EVENT_COL = {"cmds_only": "Operation", "cmds_params_only": "cmd_param",
             "cmds_params_values": "cmd_param_val"}
UTILS = {"cmds_only": cmds_only, "cmds_params_only": cmds_params_only,
         "cmds_params_values": cmds_params_values}
NOTEBOOK_SESSIONIZE = {"user_identifier_cols": ["UserId", "ClientIP"], "time_col": TIME_COL,
                       "max_session_time_mins": 20, "max_event_separation_mins": 2}

# The visible half of the golden set (the rest is withheld for acceptance tests).
VISIBLE_SESSION_LIK = {"cmds_only": True, "cmds_params_only": False, "cmds_params_values": True}
VISIBLE_RAREST = {(2, False, False), (2, True, True), (3, True, False), (3, False, True)}


# --------------------------------------------------------------------------- formatting
def tf(flag: bool) -> str:
    return "T" if flag else "F"


def fmt_float(value) -> str:
    value = float(value)
    return "NaN" if math.isnan(value) else repr(value)


def csv_field(value) -> str:
    """Integers bare, floats as Python repr (NaN -> NaN), strings always quoted (RFC 4180)."""
    if isinstance(value, bool):
        raise TypeError("bool in CSV")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return fmt_float(value)
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    raise TypeError(f"unsupported CSV value {value!r}")


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    lines = [",".join(header)] + [",".join(csv_field(v) for v in row) for row in rows]
    write_text(path, "\n".join(lines) + "\n")


def write_jsonl(path: Path, records: list[dict]) -> None:
    write_text(path, "".join(json.dumps(rec) + "\n" for rec in records))


def fmt_time(value) -> str:
    """ISO-8601 UTC with 'Z'; fraction only when non-zero (3 digits if whole ms, else 6)."""
    ts = pd.Timestamp(value)
    ts = ts.tz_convert("UTC") if ts.tzinfo is not None else ts
    if ts.nanosecond:
        raise ValueError(f"sub-microsecond timestamp {ts}")
    base = ts.strftime("%Y-%m-%dT%H:%M:%S")
    micro = ts.microsecond
    if micro == 0:
        return base + "Z"
    if micro % 1000 == 0:
        return f"{base}.{micro // 1000:03d}Z"
    return f"{base}.{micro:06d}Z"


def fmt_duration(value):
    """Timedelta -> int seconds when whole, else float seconds."""
    nanos = pd.Timedelta(value).value
    if nanos % 1_000_000_000 == 0:
        return nanos // 1_000_000_000
    return nanos / 1e9


def is_missing(value) -> bool:
    return not isinstance(value, str) and pd.isna(value)


def cmd_name(event) -> str:
    return event if isinstance(event, str) else event.name


def plain(obj):
    """StateMatrix / defaultdict trees -> plain dicts (insertion order kept)."""
    if isinstance(obj, StateMatrix):
        obj = obj.states
    if isinstance(obj, dict):
        return {key: plain(val) for key, val in obj.items()}
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    return obj


def nan_to_str(obj):
    """For toy_cases.json: NaN floats become the string "NaN"."""
    if isinstance(obj, float) and math.isnan(obj):
        return "NaN"
    if isinstance(obj, dict):
        return {key: nan_to_str(val) for key, val in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [nan_to_str(val) for val in obj]
    return obj


def call_repr(kwargs: dict) -> str:
    return ", ".join(f"{key}={val!r}" for key, val in kwargs.items())


# --------------------------------------------------------------------------- input
def load_events(csv_path: Path, parse_times_iso8601: bool = False) -> pd.DataFrame:
    """Load an event CSV and build the three event columns like the msticpy notebook.

    demo data: plain ``pd.read_csv``; TimeGenerated stays a string column and
    msticpy's ``create_session_col`` converts it with ``pd.to_datetime``.
    edge data (``parse_times_iso8601``): read as strings and TimeGenerated is
    pre-parsed with ``pd.to_datetime(format="ISO8601", utc=True)`` because
    msticpy's own ``pd.to_datetime`` (format inferred from the first row)
    raises on mixed precision / mixed offsets; msticpy then uses the tz-aware
    column as is.
    """
    if parse_times_iso8601:
        df = pd.read_csv(csv_path, dtype=str)
        df[TIME_COL] = pd.to_datetime(df[TIME_COL], format="ISO8601", utc=True)
    else:
        df = pd.read_csv(csv_path)
    df["row_id"] = np.arange(len(df), dtype=np.int64)  # 0-based CSV record index
    if "Parameters" in df.columns:
        params = [json.loads(text) for text in df["Parameters"]]
        df["param_list"] = params
        df["cmd_param"] = [
            Cmd(name=op, params=set(p["Name"] for p in plist))
            for op, plist in zip(df["Operation"], params)
        ]
        df["cmd_param_val"] = [
            Cmd(name=op, params={p["Name"]: p["Value"] for p in plist})
            for op, plist in zip(df["Operation"], params)
        ]
    return df


def sessionize_all(df: pd.DataFrame, event_cols: list[str], **kwargs) -> pd.DataFrame:
    """Call msticpy's sessionize_data once per event column (+ 'row_id' to learn the
    CSV record of every event), assert identical boundaries, and merge the list columns."""
    results = {}
    for col in [*event_cols, "row_id"]:
        results[col] = sessionize.sessionize_data(data=df, event_col=col, **kwargs)
    base = results["row_id"]
    user_cols = kwargs["user_identifier_cols"]
    key_cols = [*user_cols, f"{TIME_COL}_min", f"{TIME_COL}_max", "duration", "number_events"]
    for col, res in results.items():
        assert len(res) == len(base), col
        for key in key_cols:
            left, right = res[key].tolist(), base[key].tolist()
            for a, b in zip(left, right):
                assert (is_missing(a) and is_missing(b)) or a == b, (col, key, a, b)
    merged = base.copy()
    for col in event_cols:
        merged[f"{col}_list"] = results[col][f"{col}_list"]
    # every event of every list is the object of the CSV record it claims to be
    for col in event_cols:
        column = df[col].tolist()
        for rows, events in zip(merged["row_id_list"], merged[f"{col}_list"]):
            assert len(rows) == len(events)
            for row, event in zip(rows, events):
                if col == "Operation":
                    assert event == column[row]
                else:
                    assert event is column[row]
    return merged


def session_records(sdf: pd.DataFrame, df: pd.DataFrame, user_cols: list[str],
                    with_events: bool) -> list[dict]:
    times = df[TIME_COL]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        times = pd.to_datetime(times)
    times = times.tolist()
    ops = df["Operation"].tolist()
    params = df["param_list"].tolist() if with_events else None
    records = []
    for sid, row in enumerate(sdf.itertuples(index=False)):
        row = row._asdict()
        rec = {"session_id": sid}
        for col in user_cols:
            rec[col] = None if is_missing(row[col]) else row[col]
        row_ids = [int(r) for r in row["row_id_list"]]
        rec["time_min"] = fmt_time(row[f"{TIME_COL}_min"])
        rec["time_max"] = fmt_time(row[f"{TIME_COL}_max"])
        rec["duration_s"] = fmt_duration(row["duration"])
        rec["number_events"] = int(row["number_events"])
        rec["row_ids"] = row_ids
        rec["cmds"] = list(row["Operation_list"])
        assert rec["cmds"] == [ops[r] for r in row_ids]
        if with_events:
            rec["events"] = [
                {"time": fmt_time(times[r]), "cmd": ops[r],
                 "params": [[p["Name"], p["Value"]] for p in params[r]]}
                for r in row_ids
            ]
        records.append(rec)
    return records


# --------------------------------------------------------------------------- model helpers
def model_dump(model: Model) -> dict:
    out = {
        "session_type": model.session_type,
        "start_token": model.start_token,
        "end_token": model.end_token,
        "unk_token": model.unk_token,
        "raw_seq1_counts": plain(model._seq1_counts),  # pylint: disable=protected-access
        "raw_seq2_counts": plain(model._seq2_counts),  # pylint: disable=protected-access
        "seq1_counts": plain(model.seq1_counts),
        "seq2_counts": plain(model.seq2_counts),
        "prior_probs": plain(model.prior_probs),
        "trans_probs": plain(model.trans_probs),
    }
    # pylint: disable=protected-access
    if model.session_type in ("cmds_params_only", "cmds_params_values"):
        out["raw_param_counts"] = plain(model._param_counts)
        out["raw_cmd_param_counts"] = plain(model._cmd_param_counts)
        out["param_counts"] = plain(model.param_counts)
        out["cmd_param_counts"] = plain(model.cmd_param_counts)
        out["param_probs"] = plain(model.param_probs)
        out["param_cond_cmd_probs"] = plain(model.param_cond_cmd_probs)
    if model.session_type == "cmds_params_values":
        out["modellable_params"] = sorted(model.modellable_params)
        out["raw_value_counts"] = plain(model._value_counts)
        out["raw_param_value_counts"] = plain(model._param_value_counts)
        out["value_counts"] = plain(model.value_counts)
        out["param_value_counts"] = plain(model.param_value_counts)
        out["value_probs"] = plain(model.value_probs)
        out["value_cond_param_probs"] = plain(model.value_cond_param_probs)
    return out


def window_likelihoods(model: Model, session: list, window_len: int, tokens: bool,
                       geo: bool) -> list[float]:
    """msticpy's own utils/<type>.compute_likelihood_windows_in_session with the model's tables."""
    kwargs = dict(session=session, prior_probs=model.prior_probs, trans_probs=model.trans_probs,
                  window_len=window_len, use_start_end_tokens=tokens,
                  start_token=model.start_token, end_token=model.end_token, use_geo_mean=geo)
    if model.session_type == "cmds_params_only":
        kwargs["param_cond_cmd_probs"] = model.param_cond_cmd_probs
    elif model.session_type == "cmds_params_values":
        kwargs["param_cond_cmd_probs"] = model.param_cond_cmd_probs
        kwargs["value_cond_param_probs"] = model.value_cond_param_probs
        kwargs["modellable_params"] = model.modellable_params
    return [float(x) for x in UTILS[model.session_type].compute_likelihood_windows_in_session(**kwargs)]


def session_likelihoods(model: Model, tokens: bool) -> tuple[list[float], list[float]]:
    model.compute_likelihoods_of_sessions(use_start_end_tokens=tokens)
    model.compute_geomean_lik_of_sessions()
    return ([float(x) for x in model.session_likelihoods],
            [float(x) for x in model.session_geomean_likelihoods])


def rarest_windows(model: Model, window_len: int, tokens: bool, geo: bool) -> list[dict]:
    """compute_rarest_windows + per-window likelihoods; start = list.index(min(...))."""
    model.compute_rarest_windows(window_len=window_len, use_start_end_tokens=tokens,
                                 use_geo_mean=geo)
    if geo:
        wins = model.rare_windows_geo[window_len]
        liks = model.rare_window_likelihoods_geo[window_len]
    else:
        wins = model.rare_windows[window_len]
        liks = model.rare_window_likelihoods[window_len]
    out = []
    for session, win, lik in zip(model.sessions, wins, liks):
        lik = float(lik)
        all_liks = window_likelihoods(model, session, window_len, tokens, geo)
        if all_liks:
            start = all_liks.index(min(all_liks))
            assert lik == all_liks[start], (lik, all_liks)
            assert [cmd_name(e) for e in win] == \
                [cmd_name(e) for e in session[start:start + window_len]]
        else:
            start = -1
            assert math.isnan(lik) and list(win) == []
        out.append({"likelihood": lik, "start": start,
                    "window": [cmd_name(e) for e in win], "window_likelihoods": all_liks})
    return out


# --------------------------------------------------------------------------- writers
class Writer:
    """Writes files into a directory and records the manifest entry of each."""

    def __init__(self, out_dir: Path, manifest_prefix: str):
        self.out_dir = out_dir
        self.prefix = manifest_prefix
        self.files: dict[str, str] = {}

    def record(self, name: str, call: str) -> Path:
        self.files[self.prefix + name] = call
        return self.out_dir / name

    def manifest(self, extra: dict | None = None) -> str:
        doc = {
            "msticpy_version": msticpy.__version__,
            "pandas_version": pd.__version__,
            "numpy_version": np.__version__,
            "python": platform.python_version(),
        }
        doc.update(extra or {})
        doc["files"] = self.files
        return json.dumps(doc, indent=1) + "\n"


def sessionize_call(kwargs: dict, golden_style: bool) -> str:
    if golden_style:
        return f"sessionize.sessionize_data(data=df, event_col=<col>, **{kwargs!r})"
    return f"sessionize.sessionize_data(data=df, event_col=<col>, {call_repr(kwargs)})"


def write_session_lik(writer: Writer, model: Model, stype: str, tokens: bool) -> None:
    name = f"session_lik_{stype}_tokens{tf(tokens)}.csv"
    path = writer.record(name, f"model.compute_likelihoods_of_sessions(use_start_end_tokens="
                               f"{tokens}); model.compute_geomean_lik_of_sessions()")
    liks, geos = session_likelihoods(model, tokens)
    rows = [[sid, len(ses), lik, geo]
            for sid, (ses, lik, geo) in enumerate(zip(model.sessions, liks, geos))]
    write_csv(path, ["session_id", "n_cmds", "likelihood", "geomean_likelihood"], rows)


def write_rarest(writer: Writer, model: Model, stype: str, window_len: int, tokens: bool,
                 geo: bool) -> None:
    name = f"rarest_{stype}_w{window_len}_tokens{tf(tokens)}_geo{tf(geo)}.csv"
    path = writer.record(name, f"model.compute_rarest_windows(window_len={window_len}, "
                               f"use_start_end_tokens={tokens}, use_geo_mean={geo})")
    rows = []
    for sid, (ses, res) in enumerate(zip(model.sessions, rarest_windows(model, window_len,
                                                                          tokens, geo))):
        rows.append([sid, len(ses), res["likelihood"], res["start"], json.dumps(res["window"]),
                     json.dumps(res["window_likelihoods"])])
    write_csv(path, ["session_id", "n_cmds", "rarest_window_likelihood", "rarest_window_start",
                     "rarest_window", "window_likelihoods"], rows)


def write_score_sessions(writer: Writer, sessions_df: pd.DataFrame, stype: str,
                         window_len: int, reference: list[dict] | None = None) -> None:
    col = f"{EVENT_COL[stype]}_list"
    name = f"score_sessions_{stype}_w{window_len}.csv"
    path = writer.record(name, f"anomalous.score_sessions(data=sessions_df, "
                               f"session_column={col!r}, window_length={window_len})")
    scored = anomalous.score_sessions(data=sessions_df, session_column=col,
                                      window_length=window_len)
    liks = scored[f"rarest_window{window_len}_likelihood"].tolist()
    wins = scored[f"rarest_window{window_len}"].tolist()
    rows = []
    for sid, (lik, win) in enumerate(zip(liks, wins)):
        names = [cmd_name(e) for e in win]
        if reference is not None:  # must equal compute_rarest_windows(W, tokens=T, geo=F)
            ref = reference[sid]
            assert names == ref["window"] and (
                float(lik) == ref["likelihood"]
                or (math.isnan(float(lik)) and math.isnan(ref["likelihood"])))
        rows.append([sid, float(lik), json.dumps(names)])
    write_csv(path, ["session_id", "rarest_window_likelihood", "rarest_window"], rows)


# --------------------------------------------------------------------------- golden (visible)
class Demo:
    """Demo data, sessionized with the notebook settings (shared by golden and extra)."""

    def __init__(self):
        self.df = load_events(DATA_CSV)
        self.sessions_df = sessionize_all(self.df, list(EVENT_COL.values()), **NOTEBOOK_SESSIONIZE)
        self.models: dict[str, Model] = {}

    def sessions(self, stype: str) -> list:
        return self.sessions_df[f"{EVENT_COL[stype]}_list"].tolist()

    def model(self, stype: str) -> Model:
        if stype not in self.models:
            model = Model(sessions=self.sessions(stype))
            model.train()
            self.models[stype] = model
        return self.models[stype]


def generate_golden(demo: Demo, out_dir: Path) -> list[str]:
    """Regenerate the visible golden files (and their manifest) into out_dir."""
    writer = Writer(out_dir, GOLDEN_MANIFEST_PREFIX)
    path = writer.record("sessions.jsonl", sessionize_call(NOTEBOOK_SESSIONIZE, True))
    write_jsonl(path, session_records(demo.sessions_df, demo.df, ["UserId", "ClientIP"], True))

    kwargs = {"user_identifier_cols": ["UserId"], "max_session_time_mins": 60,
              "max_event_separation_mins": 5}
    path = writer.record("sessions_userid_60m_5m.jsonl",
                         f"sessionize.sessionize_data(data=df, event_col=<col>, "
                         f"time_col='TimeGenerated', **{kwargs!r})")
    sdf = sessionize_all(demo.df, list(EVENT_COL.values()), time_col=TIME_COL, **kwargs)
    write_jsonl(path, session_records(sdf, demo.df, ["UserId"], False))

    for stype in TYPES:
        col = f"{EVENT_COL[stype]}_list"
        path = writer.record(f"model_{stype}.json",
                             f"Model(sessions=sessions_df[{col!r}].tolist()); model.train()")
        model = demo.model(stype)
        write_text(path, json.dumps(model_dump(model), indent=1))
        for tokens in (True, False):
            if VISIBLE_SESSION_LIK[stype] == tokens:
                write_session_lik(writer, model, stype, tokens)
            for window_len in (2, 3):
                for geo in (False, True):
                    if (window_len, tokens, geo) in VISIBLE_RAREST:
                        write_rarest(writer, model, stype, window_len, tokens, geo)
        write_score_sessions(writer, demo.sessions_df, stype, 3)
    write_text(out_dir / "manifest.json", writer.manifest())
    return sorted([p.split("/")[-1] for p in writer.files] + ["manifest.json"])


# --------------------------------------------------------------------------- comparison
class _Obj:
    """A JSON object as its ordered key/value pairs (so key order is compared too)."""

    def __init__(self, items):
        self.pairs = [[key, val] for key, val in items]


def _json_load(text: str):
    return json.loads(text, object_pairs_hook=_Obj)


def _eq(a, b, tol: float, where: str, diffs: list, stats: dict) -> None:
    if len(diffs) > 20:
        return
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return
        if a == b:
            return
        rel = abs(a - b) / max(abs(a), abs(b))
        stats["max_rel"] = max(stats["max_rel"], rel)
        stats["n_float_diff"] += 1
        if not rel <= tol:
            diffs.append(f"{where}: {a!r} != {b!r} (rel {rel:.3g})")
        return
    if type(a) is not type(b):
        diffs.append(f"{where}: type {type(a).__name__} != {type(b).__name__} ({a!r} / {b!r})")
        return
    if isinstance(a, _Obj):
        keys_a, keys_b = [k for k, _ in a.pairs], [k for k, _ in b.pairs]
        if keys_a != keys_b:
            diffs.append(f"{where}: keys {keys_a[:5]}... != {keys_b[:5]}...")
            return
        for key, (_, x), (_, y) in zip(keys_a, a.pairs, b.pairs):
            _eq(x, y, tol, f"{where}.{key}", diffs, stats)
        return
    if isinstance(a, list):
        if len(a) != len(b):
            diffs.append(f"{where}: length {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _eq(x, y, tol, f"{where}[{i}]", diffs, stats)
        return
    if a != b:
        diffs.append(f"{where}: {a!r} != {b!r}")


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def _skeleton(text: str) -> str:
    """The text with every number replaced by '#': layout, quoting, keys, strings must match."""
    return _NUMBER.sub("#", text)


def _csv_cell(text: str):
    if text.startswith("["):
        return _json_load(text)
    if text == "NaN":
        return float("nan")
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def compare_files(new: Path, old: Path, tol: float = 1e-15) -> tuple[str, list[str], dict]:
    new_b, old_b = new.read_bytes(), old.read_bytes()
    stats = {"max_rel": 0.0, "n_float_diff": 0}
    if new_b == old_b:
        return "byte-equal", [], stats
    diffs: list[str] = []
    new_t, old_t = new_b.decode("utf-8"), old_b.decode("utf-8")
    if _skeleton(new_t) != _skeleton(old_t):
        diffs.append("differs outside numbers (layout, quoting, keys or strings)")
    if new.suffix == ".csv":
        new_rows = list(csv.reader(io.StringIO(new_t, newline="")))
        old_rows = list(csv.reader(io.StringIO(old_t, newline="")))
        if new_t.count("\n") != old_t.count("\n") or ("\r" in new_t) != ("\r" in old_t):
            diffs.append("line structure differs")
        if new_rows[:1] != old_rows[:1]:
            diffs.append(f"header differs: {new_rows[:1]} vs {old_rows[:1]}")
        if len(new_rows) != len(old_rows):
            diffs.append(f"row count {len(new_rows)} != {len(old_rows)}")
        for r, (nrow, orow) in enumerate(zip(new_rows[1:], old_rows[1:]), start=1):
            if len(nrow) != len(orow):
                diffs.append(f"row {r}: field count differs")
                continue
            for c, (x, y) in enumerate(zip(nrow, orow)):
                _eq(_csv_cell(x), _csv_cell(y), tol, f"row {r} col {c}", diffs, stats)
    elif new.suffix == ".jsonl":
        nl, ol = new_t.split("\n"), old_t.split("\n")
        if len(nl) != len(ol):
            diffs.append(f"line count {len(nl)} != {len(ol)}")
        for i, (x, y) in enumerate(zip(nl, ol)):
            if x != y:
                _eq(_json_load(x), _json_load(y), tol, f"line {i + 1}", diffs, stats)
    elif new.suffix == ".json":
        _eq(_json_load(new_t), _json_load(old_t), tol, "$", diffs, stats)
        if not diffs and (new_t.endswith("\n") != old_t.endswith("\n")):
            diffs.append("trailing newline differs")
    else:
        diffs.append("not byte-equal")
    return ("value-equal" if not diffs else "DIFFERENT"), diffs, stats


def check_golden(demo: Demo) -> bool:
    committed = sorted(p.name for p in GOLDEN_DIR.iterdir() if p.name != "README.md")
    with tempfile.TemporaryDirectory(prefix="msticpy_golden_") as tmp:
        tmp_dir = Path(tmp)
        produced = generate_golden(demo, tmp_dir)
        ok = True
        missing = sorted(set(committed) - set(produced))
        if missing:
            ok = False
            print(f"[check] committed files not regenerated: {missing}")
        n_byte = n_value = 0
        for name in produced:
            old = GOLDEN_DIR / name
            if not old.exists():
                print(f"[check] {name}: no committed file")
                ok = False
                continue
            verdict, diffs, stats = compare_files(tmp_dir / name, old)
            if verdict == "byte-equal":
                n_byte += 1
            elif verdict == "value-equal":
                n_value += 1
                print(f"[check] {name}: value-equal, not byte-equal "
                      f"({stats['n_float_diff']} floats differ, max rel {stats['max_rel']:.3g})")
            else:
                ok = False
                print(f"[check] {name}: DIFFERENT")
                for diff in diffs[:10]:
                    print(f"          {diff}")
        print(f"[check] {len(produced)} files compared with {GOLDEN_DIR.relative_to(REPO)}: "
              f"{n_byte} byte-equal, {n_value} value-equal (1e-15 rel), "
              f"{len(produced) - n_byte - n_value} different -> {'PASS' if ok else 'FAIL'}")
    return ok


# --------------------------------------------------------------------------- extra: edge CSV
# (TimeGenerated, UserId, ClientIP, Operation); None = empty cell (NaN in pandas).
# Rows are deliberately unsorted. Sessionized with ["UserId","ClientIP"], 3 min, 1 min.
EDGE_ROWS = [
    ("2020-01-01T00:02:00Z", "alice", "10.0.0.1", "A3"),
    ("2020-01-01T00:10:00Z", "bob", None, "B1"),
    ("2020-01-01T00:00:00Z", "alice", "10.0.0.1", "A1"),
    ("2020-01-01T00:05:00.500Z", "alice", "10.0.0.1", "A7"),
    ("2020-01-01T00:00:00Z", None, None, "D1"),
    ("2020-01-01T00:03:00Z", "alice", "10.0.0.1", "A4"),           # duration == 3 min: same session
    ("2020-01-01T00:10:00Z", "bob", None, "B2"),                   # tie with B1 (file order)
    ("2020-01-01T00:01:00Z", "alice", "10.0.0.1", "A2"),           # gap == 1 min: same session
    ("2020-01-01T00:03:00.250Z", "alice", "10.0.0.1", "A5"),       # duration 3:00.25 > 3 min: new
    ("2020-01-01T00:00:30Z", None, "10.0.0.2", "C1"),
    ("2020-01-01T00:04:00.250Z", "alice", "10.0.0.1", "A6"),       # gap == 1 min (fractional)
    ("2020-01-01T00:05:00.500Z", "alice", "10.0.0.1", "A8"),       # tie with A7, gap 60.25 s: new
    ("2020-01-01T02:05:30.500+02:00", "alice", "10.0.0.1", "A9"),  # = 00:05:30.5Z
    ("2020-01-01T00:00:00Z", None, None, "D2"),                    # tie with D1
    ("2020-01-01T00:10:00Z", "bob", None, "B3"),                   # triple tie
    ("2020-01-01T00:10:59.999Z", "bob", None, "B4"),
    ("2020-01-01T00:12:00Z", "bob", None, "B5"),                   # gap 60.001 s: new
    ("2020-01-01T00:01:30Z", None, "10.0.0.2", "C2"),
    ("2020-01-01T00:02:00Z", None, None, "D3"),                    # gap 2 min: new
    ("2020-01-01T00:20:00Z", "Zed", "10.0.0.1", "Z1"),
    ("2020-01-01T00:20:00Z", "zed", "10.0.0.1", "z1"),             # case differs: other user
    ("2020-01-01T01:21:00+01:00", "Zed", "10.0.0.1", "Z2"),        # = 00:21:00Z, gap == 1 min
    ("2020-01-01T00:00:10Z", "\u00c9mile", "10.0.0.3", "E1"),      # non-ASCII, after all ASCII
    ("2020-01-01T00:00:40Z", "\u00c9mile", "10.0.0.3", "E2"),
    ("2020-01-01T00:00:05Z", "alice", "10.0.0.10", "G1"),          # "10.0.0.1" < "10.0.0.10" < "10.0.0.2"
    ("2020-01-01T00:00:06Z", "alice", "10.0.0.2", "G2"),
    ("2020-01-01T00:00:07Z", "alice", None, "G3"),                 # NaN ClientIP sorts as "dummy_str"
    ("2020-01-01T00:00:01Z", "Smith, J", None, "S1"),              # quoted CSV field
    ("2020-01-01T00:00:02Z", "Smith, J", None, "S2"),
    ("2020-01-01T00:00:00Z", "dummy", None, "U1"),                 # sorts just before "dummy_str"
    ("2020-01-01T00:00:00Z", "eve", None, "V1"),                   # sorts just after "dummy_str"
    ("2020-01-01T00:00:00Z", "\uff21lpha", "10.0.0.4", "F1"),      # U+FF21 (BMP, > U+E000)
    ("2020-01-01T00:00:00Z", "\U0001f600", "10.0.0.4", "F2"),      # U+1F600 (astral): code point
    ("2020-01-02T00:00:00Z", "alice", "10.0.0.1", "A10"),          # next day
    ("2020-01-01T00:00:00.125Z", None, None, "D4"),                # between D1/D2 and D3
    ("2020-01-01T00:02:30Z", "Zed", "10.0.0.1", "Z0"),             # earlier Zed session
    ("2020-01-01T00:02:30Z", "zed", None, "z0"),
    ("2020-01-01T00:01:00Z", "bob", None, "B0"),
    ("2020-01-01T00:01:59.999Z", None, "10.0.0.2", "C3"),          # gap 29.999 s from C2
    ("2020-01-01T00:03:30Z", None, "10.0.0.2", "C4"),              # duration 3:00, gap 90.001 s: new
]


def write_edge_csv(path: Path) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["TimeGenerated", "UserId", "ClientIP", "Operation"])
    for row in EDGE_ROWS:
        writer.writerow(["" if v is None else v for v in row])
    write_text(path, buf.getvalue())


# --------------------------------------------------------------------------- extra: toy cases
def _ev(cmd, *pairs):
    return {"cmd": cmd, "params": [list(p) for p in pairs]}


def _heuristic_sessions():
    sessions = []
    for i in range(9):
        mode = "on" if i % 2 == 0 else "off"
        sessions.append([
            _ev("Run", ("Id", f"id{i}"), ("Mode", mode), ("Level", f"L{i % 3 + 1}"), ("Note", ""),
                ("Small", "s")),
            _ev("Stop", ("Mode", mode), ("Level", f"L{(i + 1) % 3 + 1}"), ("Note", ""),
                ("Small", "s")),
        ])
    sessions.append([_ev("Run", ("Id", "id9"), ("Mode", "on"), ("Level", "L1"), ("Note", ""),
                         ("Small", "s"))])
    sessions.append([_ev("Stop", ("Mode", "off"), ("Level", "L2"))])
    return sessions


_SPEC13_PV = [[_ev("A", ("x", "1"), ("y", "u")), _ev("B", ("x", "1"))], [_ev("A", ("x", "2"))]]

TOY_CASES = [
    {"name": "spec13_cmds_only", "session_type": "cmds_only",
     "description": "spec section 13, first worked example",
     "sessions": [["A", "B", "A"], ["A"]], "modellable_params": None},
    {"name": "spec13_cmds_params_values", "session_type": "cmds_params_values",
     "description": "spec section 13, second worked example (values as strings), "
                    "modellable_params={'x'}",
     "sessions": _SPEC13_PV, "modellable_params": ["x"]},
    {"name": "spec13_cmds_params_only", "session_type": "cmds_params_only",
     "description": "spec section 13, second worked example with the params as sets",
     "sessions": [[_ev(e["cmd"], *[(p[0], None) for p in e["params"]]) for e in s]
                  for s in _SPEC13_PV],
     "modellable_params": None},
    {"name": "cmds_only_edges", "session_type": "cmds_only",
     "description": "length-1 sessions; C and D only ever appear as the last event; "
                    "repeated command; a length-1 session ['D'] whose command otherwise only "
                    "appears last",
     "sessions": [["A"], ["A", "B", "C"], ["B", "A", "D"], ["B"], ["A", "A", "A", "A"], ["D"]],
     "modellable_params": None},
    {"name": "params_only_edges", "session_type": "cmds_params_only",
     "description": "empty param sets (factor 1.0), length-1 sessions, a command whose last "
                    "occurrence ends the session, a param seen with one command only",
     "sessions": [
         [_ev("A", ("x", None), ("y", None))],
         [_ev("A", ("x", None)), _ev("B")],
         [_ev("B", ("z", None)), _ev("A", ("x", None), ("y", None), ("w", None)), _ev("C")],
         [_ev("C", ("q", None))],
         [_ev("B"), _ev("B"), _ev("A", ("y", None))],
     ],
     "modellable_params": None},
    {"name": "params_values_empty_values", "session_type": "cmds_params_values",
     "description": "Flag only ever has the empty-string value; Id is empty in one event; "
                    "override includes the never-seen param Never; an event with no params",
     "sessions": [
         [_ev("Set", ("Id", "u1"), ("Flag", "")), _ev("Get", ("Id", "u1"))],
         [_ev("Set", ("Id", "u2"), ("Flag", ""))],
         [_ev("Get", ("Id", "")), _ev("Set", ("Id", "u1"), ("Flag", ""), ("Extra", "v")),
          _ev("Get")],
     ],
     "modellable_params": ["Flag", "Id", "Never"]},
    {"name": "params_values_heuristic", "session_type": "cmds_params_values",
     "description": "no override: heuristic boundaries. Mode: 20 occurrences, 2 distinct values "
                    "(exactly 10 %) -> modellable; Level: 20 occ., 3 values (15 %) -> not; "
                    "Small: 19 occ. (< 20) -> not; Note: only empty values -> not; Id: unique",
     "sessions": _heuristic_sessions(), "modellable_params": None},
]


def toy_sessions(case: dict) -> list:
    stype = case["session_type"]
    if stype == "cmds_only":
        return [list(s) for s in case["sessions"]]
    out = []
    for session in case["sessions"]:
        events = []
        for ev in session:
            names = [p[0] for p in ev["params"]]
            if stype == "cmds_params_only":
                events.append(Cmd(name=ev["cmd"], params=set(names)))
            else:
                events.append(Cmd(name=ev["cmd"], params={p[0]: p[1] for p in ev["params"]}))
        out.append(events)
    return out


def toy_case_result(case: dict) -> dict:
    override = case["modellable_params"]
    sessions = toy_sessions(case)
    if override is None:
        model = Model(sessions=sessions)
        call = "Model(sessions=sessions); model.train()"
    else:
        model = Model(sessions=sessions, modellable_params=set(override))
        call = f"Model(sessions=sessions, modellable_params={set(override)!r}); model.train()"
    model.train()
    assert model.session_type == case["session_type"]
    res = {key: case[key] for key in ("name", "session_type", "description", "sessions",
                                      "modellable_params")}
    res["call"] = call
    res["modellable_params_used"] = (sorted(model.modellable_params)
                                     if model.session_type == "cmds_params_values" else None)
    res["session_likelihoods"], res["geomean_likelihoods"] = {}, {}
    for tokens in (True, False):
        liks, geos = session_likelihoods(model, tokens)
        res["session_likelihoods"][f"tokens{tf(tokens)}"] = liks
        res["geomean_likelihoods"][f"tokens{tf(tokens)}"] = geos
    res["rarest_windows"] = {}
    for window_len in (1, 2, 3):
        for tokens in (True, False):
            for geo in (True, False):
                res["rarest_windows"][f"w{window_len}_tokens{tf(tokens)}_geo{tf(geo)}"] = \
                    rarest_windows(model, window_len, tokens, geo)
    res["model"] = model_dump(model)
    return res


# --------------------------------------------------------------------------- extra: all
def generate_extra(demo: Demo, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = Writer(out_dir, EXTRA_MANIFEST_PREFIX)

    # (a)-(c) scoring of the demo sessions (notebook sessionization)
    for stype in TYPES:
        model = demo.model(stype)
        for tokens in (True, False):
            write_session_lik(writer, model, stype, tokens)
        for window_len in (1, 2, 3, 4, 5):
            for tokens in (True, False):
                for geo in (True, False):
                    write_rarest(writer, model, stype, window_len, tokens, geo)
        reference = rarest_windows(model, 2, True, False)
        write_score_sessions(writer, demo.sessions_df, stype, 2, reference)

    # (d) other sessionizations of the demo data.  user_identifier_cols=[] is NOT done:
    # msticpy then sorts by time alone with pandas' default (unstable) quicksort, so
    # the order of tied events is not input order (spec Q16); ["UserId"] 1440/60 instead.
    for name, kwargs in (
        ("sessions_clientip_10m_1m.jsonl",
         {"user_identifier_cols": ["ClientIP"], "time_col": TIME_COL,
          "max_session_time_mins": 10, "max_event_separation_mins": 1}),
        ("sessions_userid_clientip_5m_30s.jsonl",
         {"user_identifier_cols": ["UserId", "ClientIP"], "time_col": TIME_COL,
          "max_session_time_mins": 5, "max_event_separation_mins": 0.5}),
        ("sessions_userid_1440m_60m.jsonl",
         {"user_identifier_cols": ["UserId"], "time_col": TIME_COL,
          "max_session_time_mins": 1440, "max_event_separation_mins": 60}),
    ):
        path = writer.record(name, sessionize_call(kwargs, False))
        sdf = sessionize_all(demo.df, ["Operation"], **kwargs)
        write_jsonl(path, session_records(sdf, demo.df, kwargs["user_identifier_cols"], False))

    # (e) synthetic edge-case sessionization
    edge_csv = writer.record(
        "sessionize_edge.csv",
        "synthetic input written by this script (EDGE_ROWS); read with "
        "pd.read_csv(path, dtype=str); TimeGenerated = pd.to_datetime(df['TimeGenerated'], "
        "format='ISO8601', utc=True)")
    write_edge_csv(edge_csv)
    edge = load_events(edge_csv, parse_times_iso8601=True)
    for name, kwargs in (
        ("sessions_edge.jsonl",
         {"user_identifier_cols": ["UserId", "ClientIP"], "time_col": TIME_COL,
          "max_session_time_mins": 3, "max_event_separation_mins": 1}),
        ("sessions_edge_userid_3m_1m.jsonl",
         {"user_identifier_cols": ["UserId"], "time_col": TIME_COL,
          "max_session_time_mins": 3, "max_event_separation_mins": 1}),
    ):
        path = writer.record(name, "(data=sessionize_edge.csv) "
                                   + sessionize_call(kwargs, False).replace("<col>", "'Operation'"))
        sdf = sessionize_all(edge, ["Operation"], **kwargs)
        write_jsonl(path, session_records(sdf, edge, kwargs["user_identifier_cols"], False))

    # (f) toy models
    path = writer.record("toy_cases.json",
                         "per case: Model(sessions, modellable_params=<override or omitted>); "
                         "model.train(); compute_likelihoods_of_sessions(T/F) + "
                         "compute_geomean_lik_of_sessions(); compute_rarest_windows(W in 1,2,3, "
                         "tokens T/F, geo T/F) + utils compute_likelihood_windows_in_session")
    toys = [nan_to_str(toy_case_result(case)) for case in TOY_CASES]
    write_text(path, json.dumps({"python_hash_seed": int(_SEED), "cases": toys}, indent=1) + "\n")

    write_text(out_dir / "manifest.json",
               writer.manifest({"python_hash_seed": int(_SEED),
                                "generator": "tools/reference/msticpy_anomalous_sequence.py"}))
    write_text(out_dir / "README.md", extra_readme(writer))


def extra_readme(writer: Writer) -> str:
    rel = {k[len(writer.prefix):]: v for k, v in writer.files.items()}
    lines = [
        "# Extra msticpy reference fixtures (anomalous_sequence)",
        "",
        "Generated by `tools/reference/msticpy_anomalous_sequence.py` (run it with the "
        "pinned environment of `tools/reference/requirements.txt`; it forces "
        "`PYTHONHASHSEED=0` by re-executing itself):",
        "",
        "```",
        "/work/venvs/msticpy/bin/python tools/reference/msticpy_anomalous_sequence.py",
        "```",
        "",
        f"Versions: msticpy {msticpy.__version__}, pandas {pd.__version__}, numpy "
        f"{np.__version__}, CPython {platform.python_version()}, `PYTHONHASHSEED=0`.",
        "",
        "Formats are those of the golden set in `../msticpy/` (see its README): CSV with a "
        "header row, LF line ends, RFC 4180 quoting (string fields always quoted), floats "
        "as Python `repr`, `NaN` for NaN, JSON lists via `json.dumps`; JSONL one "
        "`json.dumps` object per line (non-ASCII escaped as `\\uXXXX`).",
        "",
        "## Demo data",
        "",
        "Input: `data/msticpy/demo_exchange_data.csv` (`pd.read_csv` defaults; `Parameters` "
        "parsed with `json.loads`; event columns `Operation`, `cmd_param` = "
        "`Cmd(name=Operation, params=set(names))`, `cmd_param_val` = "
        "`Cmd(name=Operation, params=dict(name -> value))`).",
        "Scoring files use the notebook sessionization (= golden `sessions.jsonl`, 400 "
        "sessions: `sessionize.sessionize_data(data=df, event_col=<col>, "
        "user_identifier_cols=['UserId', 'ClientIP'], time_col='TimeGenerated', "
        "max_session_time_mins=20, max_event_separation_mins=2)`) and, per type, "
        "`model = Model(sessions=sessions_df['<col>_list'].tolist()); model.train()` with "
        "`<col>` = `Operation` / `cmd_param` / `cmd_param_val` for `cmds_only` / "
        "`cmds_params_only` / `cmds_params_values`.",
        "",
        "* `session_lik_<type>_tokens<T|F>.csv` (columns `session_id, n_cmds, likelihood, "
        "geomean_likelihood`): "
        "`model.compute_likelihoods_of_sessions(use_start_end_tokens=<T|F>); "
        "model.compute_geomean_lik_of_sessions()`.",
        "* `rarest_<type>_w<W>_tokens<T|F>_geo<T|F>.csv`, W = 1..5 (columns `session_id, "
        "n_cmds, rarest_window_likelihood, rarest_window_start, rarest_window, "
        "window_likelihoods`): `model.compute_rarest_windows(window_len=W, "
        "use_start_end_tokens=<T|F>, use_geo_mean=<T|F>)`; `window_likelihoods` from "
        "`utils.<type>.compute_likelihood_windows_in_session(session, model.prior_probs, "
        "model.trans_probs[, model.param_cond_cmd_probs[, model.value_cond_param_probs, "
        "model.modellable_params]], window_len=W, use_start_end_tokens=<T|F>, "
        "start_token='##START##', end_token='##END##', use_geo_mean=<T|F>)`; "
        "`rarest_window_start` = `likelihoods.index(min(likelihoods))`, -1 when there is no "
        "window. The script asserts that msticpy's returned likelihood equals that minimum "
        "and its returned window equals `session[start:start+W]`.",
        "  W=1 note: with tokens on, the last window is the appended `##END##` alone "
        "(likelihood `prior['##END##']`); when it is the minimum, msticpy returns the empty "
        "window `[]` with a finite likelihood and start = n_cmds. With W=1 the geo-mean "
        "exponent is 1, so `geoT` and `geoF` files hold the same numbers.",
        "* `score_sessions_<type>_w2.csv` (columns `session_id, rarest_window_likelihood, "
        "rarest_window`): `anomalous.score_sessions(data=sessions_df, session_column="
        "'<col>_list', window_length=2)`; asserted equal to the `w2_tokensT_geoF` rarest file.",
        "",
        "## Sessionizations (JSONL, fields as golden `sessions_userid_60m_5m.jsonl`)",
        "",
        "Fields: `session_id`, the user columns (`null` for NaN), `time_min`, `time_max` "
        "(UTC, `Z`; a fraction is written only when non-zero: 3 digits for whole "
        "milliseconds, else 6), `duration_s` (integer when whole seconds, else a float), "
        "`number_events`, `row_ids` (0-based CSV record indices, in session order), `cmds`. "
        "Each file comes from `sessionize.sessionize_data(...)` called with "
        "`event_col='Operation'` and again with `event_col='row_id'` (a column holding the "
        "record index); the script asserts the two give identical sessions.",
        "",
        "`user_identifier_cols=[]` was not used: msticpy then sorts by the time column alone "
        "with pandas' default quicksort, which is not stable (spec Q16); on the demo data "
        "(this environment) "
        "563 of 1,334 events come out in a different order than (time, record index). "
        "`sessions_userid_1440m_60m.jsonl` replaces it.",
        "",
        "`sessionize_edge.csv` is a synthetic 40-record input written by the script "
        "(`EDGE_ROWS`: ties, gaps and durations exactly at the limits, fractional seconds, "
        "`+02:00`/`+01:00` offsets, empty user cells, case / non-ASCII / astral-plane user "
        "ids, a quoted `\"Smith, J\"`, unsorted rows). It is read with `pd.read_csv(path, "
        "dtype=str)` and `TimeGenerated` is converted beforehand with "
        "`pd.to_datetime(..., format='ISO8601', utc=True)`: msticpy's own "
        "`pd.to_datetime(col)` infers the format from the first row and raises "
        "`ValueError` on the mixed precisions (and mixed offsets would give an object "
        "column). msticpy leaves an already tz-aware column untouched.",
        "",
    ]
    lines.append("## Files")
    lines.append("")
    lines.append("| file | msticpy call |")
    lines.append("| --- | --- |")
    for name, call in rel.items():
        lines.append(f"| `{name}` | `{call.replace('|', '&#124;')}` |")
    lines += [
        "| `manifest.json` | versions and the call per file (machine-readable) |",
        "| `README.md` | this file |",
        "",
        "## toy_cases.json",
        "",
        "`{\"python_hash_seed\": 0, \"cases\": [...]}`; per case: `name`, `session_type`, "
        "`description`, `sessions` (type 1: lists of strings; types 2/3: events "
        "`{\"cmd\": ..., \"params\": [[name, value-or-null], ...]}`; type 2 builds "
        "`Cmd(cmd, set(names))`, type 3 `Cmd(cmd, dict(pairs))`), `modellable_params` "
        "(override passed to `Model` as a set, or null), `call`, `modellable_params_used` "
        "(sorted `model.modellable_params`, type 3 only), `session_likelihoods` / "
        "`geomean_likelihoods` (`tokensT`, `tokensF`: "
        "`compute_likelihoods_of_sessions(use_start_end_tokens=...)` then "
        "`compute_geomean_lik_of_sessions()`), `rarest_windows` (keys "
        "`w<1|2|3>_tokens<T|F>_geo<T|F>`: per session `likelihood`, `start`, `window` "
        "(command names), `window_likelihoods`, as in the CSVs), and `model` (the trained "
        "tables, same layout as the golden `model_<type>.json`). Floats are JSON numbers "
        "written with Python `repr`; NaN is the string `\"NaN\"`.",
        "",
        "Cases: " + "; ".join(f"`{c['name']}` ({c['session_type']}): {c['description']}"
                              for c in TOY_CASES) + ".",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="only regenerate the visible golden files and compare")
    mode.add_argument("--extra", action="store_true", help="only write the extra fixtures")
    parser.add_argument("--extra-dir", type=Path, default=EXTRA_DIR,
                        help=f"output directory of the extra fixtures (default {EXTRA_DIR})")
    args = parser.parse_args()

    versions = {"msticpy": msticpy.__version__, "pandas": pd.__version__,
                "numpy": np.__version__}
    if versions != EXPECTED_VERSIONS:
        print(f"version mismatch: have {versions}, need {EXPECTED_VERSIONS}", file=sys.stderr)
        return 2
    assert os.environ.get("PYTHONHASHSEED") == _SEED and sys.flags.hash_randomization == 0
    warnings.simplefilter("ignore", FutureWarning)

    started = time.perf_counter()
    demo = Demo()
    print(f"demo data sessionized: {len(demo.sessions_df)} sessions "
          f"({time.perf_counter() - started:.1f} s)")
    ok = True
    if not args.extra:
        ok = check_golden(demo)
    if not args.check:
        generate_extra(demo, args.extra_dir)
        files = sorted(p for p in args.extra_dir.iterdir() if p.is_file())
        size = sum(p.stat().st_size for p in files)
        print(f"[extra] {len(files)} files, {size:,} bytes in {args.extra_dir}")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
