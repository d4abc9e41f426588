#!/usr/bin/env python3
"""Executes the Rust (evcxr) notebooks with a real Jupyter kernel and checks
that the committed files are stored executed.

    python notebooks/execute.py            # check, as CI does
    python notebooks/execute.py --write    # execute and store the outputs
    python notebooks/execute.py notebooks/markov_exchange.ipynb

Run it with a Python that has the packages of notebooks/requirements.txt
(nbclient, nbformat). It needs `evcxr_jupyter` on PATH (`cargo install --locked
evcxr_jupyter --version 0.22.0`) and registers its kernel (`evcxr_jupyter
--install`) when Jupyter does not know a `rust` kernel yet.

Without --write, it fails (exit 1) when
* a committed notebook is not stored executed: a code cell without an
  execution count, counts not 1, 2, 3, ... in order, an error output, or
  output on standard error (where evcxr reports an error that a `?` returned:
  the kernel itself reports such a cell as successful);
* executing a notebook, in a temporary copy, fails the same way or a cell
  raises (a compile error, a panic, a failed assert) or times out.
Text outputs that differ between the committed and the fresh run are listed
as a warning (figures are not compared).

With --write, the executed notebook replaces the committed one after the
same checks of the fresh run.

The notebooks run one after another, from notebooks/, with EVCXR_TMPDIR set
to one evcxr work directory (default /tmp/threatstat-evcxr-nb) so that the
crates compile once per machine: one run at a time per directory.
Python-kernel notebooks (python_quickstart.ipynb) are skipped.
"""
import argparse
import copy
import glob
import os
import re
import shutil
import subprocess
import sys
import time

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = os.path.dirname(os.path.abspath(__file__))
KERNEL = "rust"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def is_rust(nb) -> bool:
    language = nb.metadata.get("kernelspec", {}).get("language", "")
    return language.lower() == "rust"


def problems(nb) -> list:
    """Why `nb` is not a cleanly executed notebook (empty when it is)."""
    found = []
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for n, (i, cell) in enumerate(code, start=1):
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        where = f"cell {i} ({first[:50]!r})"
        if cell.get("execution_count") is None:
            found.append(f"{where}: not executed (no execution count)")
        elif cell.execution_count != n:
            found.append(f"{where}: execution count {cell.execution_count}, expected {n} (cells run out of order)")
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"{where}: error {out.get('ename', '')}: {ANSI.sub('', out.get('evalue', ''))[:300]}")
            elif out.output_type == "stream" and out.name == "stderr":
                found.append(f"{where}: wrote to standard error: {ANSI.sub('', out.text).strip()[:300]}")
    if code and not any(c.get("outputs") for _, c in code):
        found.append("no code cell has an output")
    return found


def texts(nb) -> list:
    """The text outputs of each code cell (stream text and text/plain)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                parts.append(o.text)
            elif o.output_type in ("execute_result", "display_data"):
                parts.append(o.get("data", {}).get("text/plain", ""))
        out.append("".join(parts))
    return out


def tidy(nb) -> None:
    """Drops what changes from run to run without meaning, or means
    nothing: execution timestamps, empty outputs and a cell's `()` value;
    strips terminal colour codes."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        kept = []
        for o in cell.outputs:
            if o.output_type == "stream":
                o.text = ANSI.sub("", o.text)
                if not o.text.strip():
                    continue
            # evcxr shows the unit value of a cell ending in `if`/`match`.
            if o.output_type == "execute_result" and o.get("data", {}).get("text/plain") == "()":
                del o.data["text/plain"]
                if not o.data:
                    continue
            kept.append(o)
        cell.outputs = kept


def ensure_kernel() -> None:
    if KERNEL in KernelSpecManager().find_kernel_specs():
        return
    exe = shutil.which("evcxr_jupyter")
    if exe is None:
        sys.exit("evcxr_jupyter is not installed: cargo install --locked evcxr_jupyter --version 0.22.0")
    subprocess.run([exe, "--install"], check=True)
    if KERNEL not in KernelSpecManager().find_kernel_specs():
        sys.exit(f"`evcxr_jupyter --install` did not register a {KERNEL!r} Jupyter kernel")


def execute(path: str, timeout: int):
    """Runs a copy of the notebook at `path`; returns it and what went wrong."""
    nb = nbformat.read(path, as_version=4)
    run = copy.deepcopy(nb)
    client = NotebookClient(
        run,
        timeout=timeout,
        kernel_name=KERNEL,
        record_timing=False,
        resources={"metadata": {"path": HERE}},
    )
    failed = []
    try:
        client.execute()
    except CellTimeoutError as e:
        failed.append(f"a cell ran longer than {timeout} s: {str(e)[:300]}")
    except CellExecutionError as e:
        failed.append(ANSI.sub("", str(e))[-2000:])
    except DeadKernelError as e:
        failed.append(f"the kernel died: {e}")
    tidy(run)
    return nb, run, failed + problems(run)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="default: every notebook in notebooks/")
    ap.add_argument("--write", action="store_true", help="store the executed notebooks")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per cell (default 900: a cold first cell compiles the crates)")
    args = ap.parse_args()
    if args.timeout <= 0:
        ap.error(f"--timeout must be a positive number of seconds, got {args.timeout}")
    paths = args.notebooks or sorted(glob.glob(os.path.join(HERE, "*.ipynb")))
    os.environ.setdefault("EVCXR_TMPDIR", "/tmp/threatstat-evcxr-nb")
    os.makedirs(os.environ["EVCXR_TMPDIR"], exist_ok=True)
    ensure_kernel()
    bad = 0
    for path in paths:
        name = os.path.basename(path)
        if not is_rust(nbformat.read(path, as_version=4)):
            print(f"{name}: not a Rust notebook, skipped")
            continue
        committed = [] if args.write else problems(nbformat.read(path, as_version=4))
        for p in committed:
            print(f"{name}: committed file: {p}")
        start = time.monotonic()
        nb, run, failed = execute(path, args.timeout)
        seconds = time.monotonic() - start
        for p in failed:
            print(f"{name}: fresh run: {p}")
        if not args.write and not failed:
            changed = [i for i, (a, b) in enumerate(zip(texts(nb), texts(run))) if a != b]
            if changed:
                print(f"{name}: warning: text output of code cells {changed} differs from the committed one")
        if args.write and not failed:
            nbformat.write(run, path)
        status = "FAILED" if committed or failed else "ok"
        print(f"{name}: {status} ({seconds:.0f} s)", flush=True)
        bad += bool(committed or failed)
    print(f"notebooks: {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
