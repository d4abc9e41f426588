#!/usr/bin/env python3
"""Executes the code cells of an evcxr notebook with evcxr_repl (no Jupyter
needed): cells are fed on standard input, in order; the run fails if evcxr
reports an error or a panic.

    python3 notebooks/run_cells.py notebooks/markov_exchange.ipynb

Run it from the notebook's directory or the repository root (the notebooks
find data/ from either). Needs `cargo install --locked evcxr_repl`.

evcxr compiles the `:dep` crates in its work directory, a fresh temporary one
unless EVCXR_TMPDIR names one: CI sets it to one directory for all notebooks
and runs, so the crates compile once per machine (run one notebook at a time
per directory).
"""
import json
import os
import re
import shutil
import subprocess
import sys


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def to_repl_lines(cell: str) -> str:
    """evcxr_repl evaluates each input line on its own, so a cell's Rust code
    is sent as one line (whole-line `//` comments dropped); `:` commands stay
    on their own lines. Cells must not use `//` comments after code."""
    commands, code = [], []
    for line in cell.splitlines():
        stripped = line.strip()
        if stripped.startswith(":"):
            commands.append(stripped)
        elif stripped and not stripped.startswith("//"):
            code.append(stripped)
    out = "".join(c + "\n" for c in commands)
    if code:
        out += " ".join(code) + "\n"
    return out


def main() -> int:
    path = sys.argv[1]
    nb = json.load(open(path))
    # A Python notebook (ipykernel) is not evcxr's: python/ci.sh's venv runs it.
    language = nb.get("metadata", {}).get("kernelspec", {}).get("language", "")
    if language.lower() == "python":
        print(f"{path}: a Python notebook (kernelspec language python): skipped (not evcxr)")
        return 0
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    script = "".join(to_repl_lines(c) for c in cells)
    # evcxr_repl >= 0.22 installs its binary as `evcxr`.
    exe = shutil.which("evcxr_repl") or shutil.which("evcxr")
    if exe is None:
        print("evcxr_repl is not installed: cargo install --locked evcxr_repl", file=sys.stderr)
        return 2
    proc = subprocess.run(
        [exe],
        input=script,
        text=True,
        capture_output=True,
        cwd=os.path.dirname(os.path.abspath(path)),
        timeout=1800,
    )
    out = ANSI.sub("", proc.stdout + proc.stderr)
    print(out)
    bad = [l for l in out.splitlines() if "Error" in l or "panicked" in l or "error[" in l]
    if proc.returncode != 0 or bad:
        print(f"notebook failed: {bad[:5]}", file=sys.stderr)
        return 1
    print(f"{len(cells)} code cells ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
