#!/usr/bin/env python3
"""Writes data/examples/: the small inputs README's quick starts name that
no bundled data set provides (issue 25, "runnable quick starts").

Run from the repository root with a built binary:
    python3 tools/examples/make_examples.py target/release/threatstat
Standard library only; seeded, so the files are the same on every run.
"""
import json
import math
import random
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

OUT = Path("data/examples")


def poisson(rng, lam):
    # Knuth's method: fine for the small rates used here.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def series(rng):
    """120 days of one user's logons, the rate rising from 4 to 9 on day 80."""
    start = date(2010, 1, 4)
    lines = ["date,logons"]
    for d in range(120):
        lam = 4.0 if d < 80 else 9.0
        lines.append(f"{start + timedelta(days=d)},{poisson(rng, lam)}")
    (OUT / "series.csv").write_text("\n".join(lines) + "\n")


def grid():
    """An equidistant grid containing data/bmh/txtdata.csv (0 to 72)."""
    pts = [f"{-10 + 0.5 * i:g}" for i in range(201)]  # -10 .. 90
    (OUT / "grid.txt").write_text("\n".join(pts) + "\n")


def other_sessions(binary):
    """Every 20th session of the msticpy demo log, to score with a saved model."""
    with tempfile.TemporaryDirectory() as d:
        s = Path(d) / "s.jsonl"
        subprocess.run(
            [binary, "markov", "sessionize", "--quiet",
             "--input", "data/msticpy/demo_exchange_data.csv",
             "--user-cols", "UserId,ClientIP", "--time-col", "TimeGenerated",
             "--event-col", "Operation", "--params-col", "Parameters",
             "--max-session-mins", "20", "--max-gap-mins", "2", "--out", str(s)],
            check=True,
        )
        kept = [l for i, l in enumerate(s.read_text().splitlines()) if i % 20 == 0]
        for l in kept:
            json.loads(l)  # each line is one session object
        (OUT / "other_sessions.jsonl").write_text("\n".join(kept) + "\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_examples.py PATH/TO/threatstat")
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    series(rng)
    grid()
    other_sessions(sys.argv[1])


if __name__ == "__main__":
    main()
