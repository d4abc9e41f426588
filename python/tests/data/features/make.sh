#!/usr/bin/env bash
# The CLI's outputs that python/tests/test_features.py compares
# threatstat.features.run with. Usage (repository root, a `threatstat` binary
# of this commit on PATH): bash python/tests/data/features/make.sh
set -euo pipefail
out=python/tests/data/features
d="$(mktemp -d)"
threatstat features generate --users 60 --days 3 --out "$d/cyber.csv" --quiet
threatstat features run --input "$d/cyber.csv" --out "$d/run" --trees 20 --folds 3 --quiet > /dev/null
gzip -n -9 -c "$d/cyber.csv" > $out/cyber.csv.gz
gzip -n -9 -c "$d/run/feature_matrix.csv" > $out/feature_matrix.csv.gz
cp "$d/run/metrics.json" "$d/run/predictions.csv" $out/
rm -rf "$d"
