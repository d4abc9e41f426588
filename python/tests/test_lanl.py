"""threatstat.lanl.uploads against the CLI's summary.json and users.csv of
the same files (lanl_files.py writes them; data/lanl/make.sh ran the CLI):
equal numbers, the same users table."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu as scipy_mwu

import lanl_files
from threatstat import lanl

CLI = Path(__file__).resolve().parent / "data" / "lanl"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return lanl_files.write(tmp_path_factory.mktemp("lanl"))


def test_uploads_is_the_clis(files):
    r = lanl.uploads(files["auth"], files["flows"], files["redteam"])
    want = json.loads((CLI / "summary.json").read_text())
    want["figures"] = []  # no `out`: no figures
    assert r.summary == want
    users = pd.read_csv(CLI / "users.csv", dtype={"user": str})
    pd.testing.assert_frame_equal(r.users, users, check_exact=True)


def test_the_test_is_scipys_on_the_same_user_days(files):
    # user-days rebuilt from the flows file: the upload of the source computer's owner
    f = pd.read_csv(files["flows"], header=None)
    f["user"] = f[2].str[1:].astype(int)
    f["day"] = f[0] // 86_400
    per = f.groupby(["user", "day"])[8].sum().reset_index()
    comp = per.loc[per["user"] <= lanl_files.COMPROMISED, 8].to_numpy(float)
    r = lanl.uploads(files["auth"], files["flows"], files["redteam"]).summary["mwu_two_sided"]
    s = scipy_mwu(comp, per[8].to_numpy(float))
    assert r["u"] == s.statistic
    np.testing.assert_allclose(r["p_value"], s.pvalue, rtol=1e-12)


def test_out_writes_the_clis_files_and_bad_input_raises(files, tmp_path):
    r = lanl.uploads(files["auth"], files["flows"], files["redteam"], out=tmp_path, figures=False)
    assert (tmp_path / "summary.json").exists() and (tmp_path / "users.csv").exists()
    assert r.summary["kde"]["flagged"] >= 1
    with pytest.raises(ValueError, match="level"):
        lanl.uploads(files["auth"], files["flows"], files["redteam"], level=1.5)
    with pytest.raises(OSError):
        lanl.uploads(tmp_path / "missing.txt", files["flows"], files["redteam"])
    bad = tmp_path / "bad_flows.txt"
    bad.write_text("1,0,C1,N1,C999,443,6,1,many\n")
    with pytest.raises(ValueError, match="bad_flows.txt:1"):
        lanl.uploads(files["auth"], bad, files["redteam"])
