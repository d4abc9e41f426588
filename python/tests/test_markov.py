"""threatstat.markov against msticpy 3.0.2's golden values (the Rust crate's
committed fixtures, crates/threatstat-markov/tests/fixtures/msticpy, made
from data/msticpy/demo_exchange_data.csv).

Tolerances: likelihoods 1e-13 relative (the crate's parity is 1e-15 on
these files; CSV floats are shortest round-trip reprs); windows, session
boundaries and counts exact."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from threatstat import markov
from threatstat.markov import Cmd

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "crates" / "threatstat-markov" / "tests" / "fixtures" / "msticpy"
DATA = ROOT / "data" / "msticpy" / "demo_exchange_data.csv"
TYPES = ["cmds_only", "cmds_params_only", "cmds_params_values"]


@pytest.fixture(scope="module")
def golden_sessions():
    return [json.loads(l) for l in (FIX / "sessions.jsonl").read_text().splitlines()]


def _column(golden, kind):
    if kind == "cmds_only":
        return [s["cmds"] for s in golden]
    if kind == "cmds_params_only":
        return [[Cmd(e["cmd"], {p for p, _ in e["params"]}) for e in s["events"]] for s in golden]
    return [[Cmd(e["cmd"], dict(e["params"])) for e in s["events"]] for s in golden]


def _read(name):
    return pd.read_csv(FIX / name, keep_default_na=False,
                       na_values=["NaN"])


def _name(ev):
    return ev if isinstance(ev, str) else ev.name


@pytest.mark.parametrize("kind", TYPES)
def test_score_sessions_matches_msticpy(golden_sessions, kind):
    df = pd.DataFrame({"session_id": range(len(golden_sessions)),
                       "session": _column(golden_sessions, kind)})
    before = list(df.columns)
    out = markov.score_sessions(df, "session", 3)
    assert list(df.columns) == before  # the caller's frame is not modified
    assert list(out.columns) == before + ["rarest_window3_likelihood", "rarest_window3"]
    ref = _read(f"score_sessions_{kind}_w3.csv")
    np.testing.assert_allclose(out["rarest_window3_likelihood"], ref["rarest_window_likelihood"],
                               rtol=1e-13)
    for ours, theirs in zip(out["rarest_window3"], ref["rarest_window"]):
        assert [_name(e) for e in ours] == json.loads(theirs)


@pytest.mark.parametrize("kind,tokens", [("cmds_only", True), ("cmds_params_only", False),
                                         ("cmds_params_values", True)])
def test_session_likelihoods_match_msticpy(golden_sessions, kind, tokens):
    m = markov.Model(_column(golden_sessions, kind))
    m.train()
    assert m.session_type == kind
    m.compute_likelihoods_of_sessions(use_start_end_tokens=tokens)
    m.compute_geomean_lik_of_sessions()
    ref = _read(f"session_lik_{kind}_tokens{'T' if tokens else 'F'}.csv")
    np.testing.assert_allclose(m.session_likelihoods, ref["likelihood"], rtol=1e-13)
    np.testing.assert_allclose(m.session_geomean_likelihoods, ref["geomean_likelihood"],
                               rtol=1e-13)
    logs = m.likelihoods(use_start_end_tokens=tokens, log=True)
    np.testing.assert_allclose(np.exp(logs), ref["likelihood"], rtol=1e-12)


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("w,tokens,geo", [(2, False, False), (2, True, True), (3, False, True),
                                          (3, True, False)])
def test_rarest_windows_match_msticpy(golden_sessions, kind, w, tokens, geo):
    m = markov.Model.fit(_column(golden_sessions, kind))
    m.compute_rarest_windows(w, use_start_end_tokens=tokens, use_geo_mean=geo)
    lik = (m.rare_window_likelihoods_geo if geo else m.rare_window_likelihoods)[w]
    win = (m.rare_windows_geo if geo else m.rare_windows)[w]
    ref = _read(f"rarest_{kind}_w{w}_tokens{'T' if tokens else 'F'}_geo{'T' if geo else 'F'}.csv")
    np.testing.assert_allclose(lik, ref["rarest_window_likelihood"], rtol=1e-13)
    for ours, theirs in zip(win, ref["rarest_window"]):
        assert [_name(e) for e in ours] == json.loads(theirs)


def test_sessionize_data_matches_msticpy(golden_sessions):
    df = pd.read_csv(DATA)
    out = markov.sessionize_data(df, ["UserId", "ClientIP"], "TimeGenerated", 20, 2, "Operation")
    assert list(out.columns) == ["UserId", "ClientIP", "TimeGenerated_min", "TimeGenerated_max",
                                 "Operation_list", "duration", "number_events"]
    assert len(out) == len(golden_sessions)
    for (_, row), g in zip(out.iterrows(), golden_sessions):
        assert row["Operation_list"] == g["cmds"]
        assert row["number_events"] == g["number_events"]
        assert row["duration"].total_seconds() == g["duration_s"]
        assert row["TimeGenerated_min"] == pd.Timestamp(g["time_min"])
        for c in ("UserId", "ClientIP"):
            assert (g[c] is None and pd.isna(row[c])) or row[c] == g[c]


def test_sessionize_data_userid_60_5():
    golden = [json.loads(l) for l in (FIX / "sessions_userid_60m_5m.jsonl").read_text().splitlines()]
    out = markov.sessionize_data(pd.read_csv(DATA), ["UserId"], "TimeGenerated", 60, 5, "Operation")
    assert len(out) == len(golden)
    assert out["number_events"].tolist() == [g["number_events"] for g in golden]
    assert [l for l in out["Operation_list"]] == [g["cmds"] for g in golden]


def test_model_scores_unseen_sessions_saves_and_loads(tmp_path, golden_sessions):
    col = _column(golden_sessions, "cmds_params_values")
    m = markov.Model.fit(col)
    new = [[Cmd("Set-User", {"Identity": "x"}), Cmd("Never-Seen", {"Foo": "bar"}),
            Cmd("Set-User", {"Identity": "x"})]]
    lik, win = m.rarest_windows(new, 2)
    assert 0 < lik[0] < 1 and len(win[0]) in (1, 2)
    path = tmp_path / "model.json"
    m.save(path)
    m2 = markov.Model.load(path)
    assert m2.session_type == "cmds_params_values"
    np.testing.assert_array_equal(m2.likelihoods(col), m.likelihoods())
    e = m.explain(col[0], 3)
    prod = math.prod(s["transition"] * s["param_factor"] for s in e["steps"])
    assert abs(prod - e["likelihood"]) <= 1e-15 * abs(e["likelihood"]) + 1e-300
    with pytest.raises(OSError):
        markov.Model.load(tmp_path / "missing.json")


def test_bad_input():
    with pytest.raises(TypeError):
        markov.score_sessions([["a"]], "s", 3)
    with pytest.raises(ValueError, match="should be a column"):
        markov.score_sessions(pd.DataFrame({"x": [["a"]]}), "s", 3)
    with pytest.raises(ValueError, match="no events"):
        markov.score_sessions(pd.DataFrame({"s": [["a"], []]}), "s", 3)


def test_bad_model_file_names_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "threatstat-markov-model", "version": 99}')
    with pytest.raises(ValueError, match="bad.json"):
        markov.Model.load(bad)
