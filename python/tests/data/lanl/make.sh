#!/usr/bin/env bash
# The CLI's summary of the files python/tests/lanl_files.py writes, which
# python/tests/test_lanl.py compares threatstat.lanl.uploads with.
# Usage (repository root, a `threatstat` binary of this commit on PATH):
#   bash python/tests/data/lanl/make.sh
set -euo pipefail
d="$(mktemp -d)"
python3 python/tests/lanl_files.py "$d/in" >/dev/null
threatstat lanl uploads --auth "$d/in/auth.txt" --flows "$d/in/flows.txt" --redteam "$d/in/redteam.txt" --out "$d/out" --quiet
cp "$d/out/summary.json" "$d/out/users.csv" python/tests/data/lanl/
rm -rf "$d"
