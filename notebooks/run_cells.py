#!/usr/bin/env python3
"""Executes the code cells of an evcxr notebook with evcxr_repl (no Jupyter
needed): cells are fed on standard input, in order; the run fails if evcxr
reports an error or a panic.

    python3 notebooks/run_cells.py notebooks/markov_exchange.ipynb

Run it from the notebook's directory or the repository root (the notebooks
find data/ from either). Needs `cargo install --locked evcxr_repl`.
"""
import json
import os
import subprocess
import sys


def main() -> int:
    path = sys.argv[1]
    nb = json.load(open(path))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    # evcxr_repl reads one statement per line unless inside braces; join each
    # cell into a block it evaluates as a whole.
    script = "\n".join(cells) + "\n"
    proc = subprocess.run(
        ["evcxr_repl", "--ide-mode"] if os.environ.get("EVCXR_IDE") else ["evcxr_repl"],
        input=script,
        text=True,
        capture_output=True,
        cwd=os.path.dirname(os.path.abspath(path)),
        timeout=1800,
    )
    out = proc.stdout + proc.stderr
    print(out)
    bad = [l for l in out.splitlines() if l.startswith("Error") or "panicked" in l or "error[" in l]
    if proc.returncode != 0 or bad:
        print(f"notebook failed: {bad[:5]}", file=sys.stderr)
        return 1
    print(f"{len(cells)} code cells ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
