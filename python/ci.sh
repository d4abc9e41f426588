#!/usr/bin/env bash
# The Python package's CI: build and install ./python into a venv, run its
# pytest suite. Usage: bash python/ci.sh [VENV]  (default /tmp/threatstat-venv;
# created when missing, reused otherwise). Exit status: pytest's.
# Run from anywhere; needs python3 (>= 3.9), pip and a Rust toolchain.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-/tmp/threatstat-venv}"
# The bindings' own target directory unless the caller chose one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || exit 1
fi
py="$venv/bin/python"
# maturin (the build backend) from the venv: --no-build-isolation finds it on PATH.
export PATH="$venv/bin:$PATH"
# Versions known to work together (tested with CPython 3.11.7). pyarrow:
# pandas.read_parquet/read_feather of the CLI's columnar outputs
# (tools/columnar/pandas_check.py).
"$py" -m pip install -q \
    "maturin==1.16.0" "numpy==2.4.6" "pandas==3.1.1" "scipy==1.17.1" \
    "statsmodels==0.15.0" "pytest==9.2.0" "pyarrow==26.0.1" \
    "arviz==0.23.4" || exit 1
# --no-build-isolation: maturin from the venv, no download per build.
"$py" -m pip install -q --no-build-isolation --force-reinstall --no-deps "$here" || exit 1
cd "$here/tests" || exit 1
"$py" -m pytest -q -p no:cacheprovider "$here/tests"
