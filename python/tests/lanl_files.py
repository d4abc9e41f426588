"""Tiny LANL-format auth/flows/redteam files, written deterministically (no
RNG: integer arithmetic only, so every NumPy and Python gives the same
bytes). Used by test_lanl.py and by data/lanl/make.sh to get the CLI's
summary of the same files."""

import sys
from pathlib import Path

USERS, DAYS, COMPROMISED = 40, 6, 6


def write(d) -> dict:
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    auth, flows, red = [], [], []
    for u in range(1, USERS + 1):
        # user u owns computer Cu: interactive logons from it
        for k in range(3):
            auth.append((k * 97 + u, f"U{u}@DOM1,U{u}@DOM1,C{u},C{u},Negotiate,Interactive,LogOn,Success"))
        for day in range(DAYS):
            for j in range((u * 7 + day * 3) % 5 + 1):
                b = 1000 + (u * 7919 + day * 104729 + j * 1299709) % 90_000
                if u <= COMPROMISED:
                    b *= 3
                t = day * 86_400 + 3_600 + j * 60 + u
                flows.append((t, f"0,C{u},N{1000 + j},C999,443,6,{b // 1000 + 1},{b}"))
    for u in range(1, COMPROMISED + 1):
        red.append((150_000 + u, f"U{u}@DOM1,C17693,C{u}"))
    for name, rows in (("auth.txt", auth), ("flows.txt", flows), ("redteam.txt", red)):
        (d / name).write_text("".join(f"{t},{rest}\n" for t, rest in sorted(rows)))
    return {n: d / f"{n}.txt" for n in ("auth", "flows", "redteam")}


if __name__ == "__main__":
    print(write(sys.argv[1]))
