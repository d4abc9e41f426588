"""threatstat.features.run against the CLI's outputs on the same generated
CyberFL lines (data/features, made by make.sh there with the ``threatstat``
binary): the same metrics (timings aside), feature matrix and out-of-fold
predictions, from a DataFrame and from the file."""

import json
from pathlib import Path

import pandas as pd
import pytest

from threatstat import features

CLI = Path(__file__).resolve().parent / "data" / "features"


def _metrics(m):
    return {k: v for k, v in m.items() if "seconds" not in k}


@pytest.mark.parametrize("as_frame", [True, False])
def test_run_is_the_clis(as_frame, tmp_path):
    auth = pd.read_csv(CLI / "cyber.csv.gz") if as_frame else CLI / "cyber.csv.gz"
    r = features.run(auth, trees=20, folds=3)
    want = json.loads((CLI / "metrics.json").read_text())
    assert _metrics(r.metrics) == _metrics(want)
    pd.testing.assert_frame_equal(r.feature_matrix, pd.read_csv(CLI / "feature_matrix.csv.gz"),
                                  check_exact=True)
    pd.testing.assert_frame_equal(r.predictions, pd.read_csv(CLI / "predictions.csv"),
                                  check_exact=True)
    assert len(r.test_scores) == want["n_test"]


def test_out_and_bad_input(tmp_path):
    out = tmp_path / "run"
    features.run(CLI / "cyber.csv.gz", out=out, trees=5, folds=0, importance_repeats=0,
                 save_model=tmp_path / "model.json")
    assert (out / "metrics.json").exists() and (tmp_path / "model.json").exists()
    with pytest.raises(ValueError, match="depth"):
        features.run(CLI / "cyber.csv.gz", depth=4)
    with pytest.raises(ValueError, match="split"):
        features.run(CLI / "cyber.csv.gz", split="sideways")
    bad = pd.read_csv(CLI / "cyber.csv.gz").head(20)
    bad["secs"] = bad["secs"].astype(object)
    bad.loc[5, "secs"] = "soon"
    with pytest.raises(ValueError, match="input_auth.csv:7"):
        features.run(bad)
