#!/usr/bin/env bash
# Executes the Rust notebooks with the evcxr Jupyter kernel and checks that the
# committed ones are stored executed (see execute.py): what CI runs.
#   bash notebooks/execute.sh            # check
#   bash notebooks/execute.sh --write    # execute and store the outputs
# Installs what is missing, once per machine: evcxr_jupyter 0.22.0 (the version
# of evcxr_repl; `cargo install`, about 10 minutes on 2 cores) and a venv with
# notebooks/requirements.txt (NB_VENV, default /tmp/threatstat-nb-venv).
# EVCXR_TMPDIR (default /tmp/threatstat-evcxr-nb) keeps the compiled crates
# between runs; not under ~/.cache, where evcxr's dlopen failed before.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${NB_VENV:-/tmp/threatstat-nb-venv}"
if ! command -v evcxr_jupyter >/dev/null 2>&1; then
  cargo install --locked evcxr_jupyter --version 0.22.0
fi
if ! "$venv/bin/python" -c 'import nbclient, nbformat' >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q -r "$here/requirements.txt"
fi
export EVCXR_TMPDIR="${EVCXR_TMPDIR:-/tmp/threatstat-evcxr-nb}"
exec "$venv/bin/python" "$here/execute.py" "$@"
