#!/usr/bin/env python3
"""msticpy 3.0.2 fit + window-3 rarest-window scoring, the peer of
`threatstat markov score`, on sessions written by the resample_sessions
binary (the ones the criterion bench measures).

    cargo run --release -p threatstat-benches --bin resample_sessions -- 1000000 7 /tmp/sessions_1M.jsonl
    python benches/peers/msticpy_markov.py /tmp/sessions_1M.jsonl [cmds_only|cmds_params_only|cmds_params_values ...]
    python benches/peers/msticpy_markov.py SESSIONS.jsonl KIND --out scores.csv

The first form prints one line per session type: sessions, fit s, score s,
total s, sessions/s. The second (used by benches/compare.sh) scores one
session type (msticpy names or threatstat's cmds/params/values), writes
session_id, rarest_window_likelihood, rarest_window (JSON list of commands)
and prints the phase timings as JSON. Needs msticpy==3.0.2
(tools/reference/requirements.txt).
"""
import csv
import json
import sys
import time

from peerlib import Phases

phases = Phases()
from msticpy.analysis.anomalous_sequence.model import Model  # noqa: E402
from msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd  # noqa: E402

phases.mark("imports")

KINDS = {"cmds": "cmds_only", "params": "cmds_params_only", "values": "cmds_params_values"}


def load(path, kind):
    out = []
    with open(path) as f:
        for line in f:
            events = json.loads(line)["events"]
            if kind == "cmds_only":
                out.append([e["cmd"] for e in events])
            elif kind == "cmds_params_only":
                out.append([Cmd(e["cmd"], {p for p, _ in e["params"]}) for e in events])
            else:
                out.append([Cmd(e["cmd"], {p: v for p, v in e["params"]}) for e in events])
    return out


def fit_and_score(sessions):
    model = Model(sessions=sessions)
    model.train()
    t = time.perf_counter()
    model.compute_rarest_windows(window_len=3, use_start_end_tokens=True, use_geo_mean=False)
    return model, t


def compare_mode(path, kind, out):
    sessions = load(path, KINDS.get(kind, kind))
    phases.mark("read")
    model, _ = fit_and_score(sessions)
    phases.mark("compute")
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["session_id", "rarest_window_likelihood", "rarest_window"])
        for i, (win, lik) in enumerate(zip(model.rare_windows[3], model.rare_window_likelihoods[3])):
            names = [c if isinstance(c, str) else c.name for c in win]
            w.writerow([i, repr(float(lik)), json.dumps(names)])
    phases.mark("write")
    phases.extra["sessions"] = len(sessions)
    phases.emit()


def main():
    args = sys.argv[1:]
    if "--out" in args:
        i = args.index("--out")
        out = args[i + 1]
        rest = args[:i] + args[i + 2:]
        if len(rest) != 2:
            sys.exit(__doc__)
        compare_mode(rest[0], rest[1], out)
        return
    if not args:
        sys.exit(__doc__)
    for kind in args[1:] or ["cmds_only", "cmds_params_only", "cmds_params_values"]:
        sessions = load(args[0], KINDS.get(kind, kind))
        t0 = time.perf_counter()
        _, t1 = fit_and_score(sessions)
        t2 = time.perf_counter()
        n = len(sessions)
        print(f"{kind}: {n} sessions, fit {t1 - t0:.2f} s, score {t2 - t1:.2f} s, "
              f"total {t2 - t0:.2f} s, {n / (t2 - t0):,.0f} sessions/s", flush=True)


if __name__ == "__main__":
    main()
