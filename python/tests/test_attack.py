"""threatstat.attack against the CLI's outputs on the bundled Attack Flow
corpus (python/tests/data/attack, made by make.sh there with the
``threatstat`` binary): the same model file, scores, next tactics and
correlation ranking, to the last digit."""

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from threatstat import attack

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "data" / "attack-flow" / "flows.jsonl"
ALERTS = ROOT / "crates" / "threatstat" / "tests" / "bad_input" / "valid" / "alerts.csv"
CLI = Path(__file__).resolve().parent / "data" / "attack"


@pytest.fixture(scope="module")
def model():
    return attack.train(FLOWS)


def test_the_model_file_is_the_clis(model, tmp_path):
    assert json.loads(model.to_json()) == json.loads((CLI / "m2.json").read_text())
    assert (model.order, model.alpha, model.collapse_repeats) == (2, 16.0, True)
    assert any(i["kind"] == "cycle" for i in model.issues)
    p = tmp_path / "m.json"
    model.save(p)
    back = attack.load(p)
    assert back.to_json() == model.to_json()
    assert attack.Model.from_json(model.to_json()).to_json() == model.to_json()


def test_score_and_next_are_the_clis(model):
    assert model.score("TA0001,TA0002,TA0007") == json.loads((CLI / "score.json").read_text())
    assert model.score(["initial-access", "T1059.001"], open=True) == json.loads(
        (CLI / "score_open.json").read_text())
    nxt = model.next(["TA0001", "TA0002"], top=3)
    assert nxt.to_dict("records") == json.loads((CLI / "next.json").read_text())
    full = model.next("TA0001,TA0002")
    assert len(full) > 3 and np.isclose(full["probability"].sum(), 1.0)
    assert (np.diff(full["probability"].to_numpy()) <= 0).all()


def test_correlate_from_a_dataframe_is_the_clis(model):
    want = pd.read_csv(CLI / "ranked.csv", dtype={"entity": str, "chain": str})
    alerts = pd.read_csv(ALERTS)
    got = model.correlate(alerts)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    pd.testing.assert_frame_equal(model.correlate(str(ALERTS)), want, check_exact=True)
    # a benign baseline changes the ratio, not the attack log-probability
    benign = alerts[alerts["entity"] == "carol"]
    b = model.correlate(alerts, benign=benign)
    assert set(b["entity"]) == set(want["entity"])
    np.testing.assert_array_equal(b.set_index("entity").loc[want["entity"], "log_probability"],
                                  want["log_probability"])


def test_optimised_smoothing_fits_at_its_optimum():
    m = attack.train(FLOWS, order=1, alpha="opt")
    o = m.optimum
    assert m.alpha == o["alpha"] and o["order"] == 1 and o["boundary"] is None
    assert o["interval"][0] < m.alpha < o["interval"][1]
    again = attack.train(FLOWS, order=1, alpha=m.alpha)
    assert again.to_json() == m.to_json()


def test_bad_input_raises_with_the_librarys_message(model, tmp_path):
    with pytest.raises(ValueError, match="TA9999"):
        model.score("TA0001,TA9999")
    with pytest.raises(ValueError, match="opt"):
        attack.train(FLOWS, alpha="best")
    with pytest.raises(ValueError):
        attack.train(FLOWS, order=3)
    with pytest.raises(OSError):
        attack.train(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nope", "version": 1}')
    with pytest.raises(ValueError, match="bad.json"):
        attack.load(bad)
    alerts = pd.DataFrame({"entity": ["a"], "time": ["yesterday"], "technique_or_tactic": ["TA0001"]})
    with pytest.raises(ValueError, match="alerts.csv:2"):
        model.correlate(alerts)
