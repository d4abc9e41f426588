#!/usr/bin/env python3
"""Time msticpy 3.0.2 fit + window-3 rarest-window scoring on the sessions the
threatstat criterion bench measures (written by the resample_sessions binary).

    cargo run --release -p threatstat-benches --bin resample_sessions -- 1000000 7 /tmp/sessions_1M.jsonl
    python benches/peers/msticpy_markov.py /tmp/sessions_1M.jsonl [cmds_only|cmds_params_only|cmds_params_values ...]

Prints one line per session type: sessions, fit s, score s, total s, sessions/s.
Needs msticpy==3.0.2 (tools/reference/requirements.txt).
"""
import json
import sys
import time

from msticpy.analysis.anomalous_sequence.model import Model
from msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd


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


def main():
    path = sys.argv[1]
    kinds = sys.argv[2:] or ["cmds_only", "cmds_params_only", "cmds_params_values"]
    for kind in kinds:
        sessions = load(path, kind)
        t0 = time.perf_counter()
        model = Model(sessions=sessions)
        model.train()
        t1 = time.perf_counter()
        model.compute_rarest_windows(window_len=3, use_start_end_tokens=True, use_geo_mean=False)
        t2 = time.perf_counter()
        n = len(sessions)
        print(f"{kind}: {n} sessions, fit {t1 - t0:.2f} s, score {t2 - t1:.2f} s, "
              f"total {t2 - t0:.2f} s, {n / (t2 - t0):,.0f} sessions/s", flush=True)


if __name__ == "__main__":
    main()
