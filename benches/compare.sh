#!/usr/bin/env bash
# Side-by-side speed and agreement of the threatstat CLI with the Python peers
# (msticpy, PyMC, SciPy, statsmodels, KDEpy, featuretools with scikit-learn)
# on the same generated inputs;
# writes BENCHMARKS.md at the repository root.
#
#   benches/compare.sh            # full: 3-4 sizes per task spanning >= 100x (about 10 min on an idle 2-core machine, 4 of them featuretools)
#   benches/compare.sh --quick    # smallest size of each task only (about 1.5 min)
#   benches/compare.sh --quick --only kde,acf --reps 5 --out /tmp/B.md
#
# It builds the release CLI (cargo build --release -p threatstat) and the
# resample_sessions generator, and installs the pinned peers with pip into
# benches/.venv/peers, benches/.venv/msticpy and benches/.venv/features
# (msticpy 3.0.2 and featuretools 1.31 need pandas < 3; see
# benches/peers/requirements-*.txt), once. To reuse existing environments
# instead, set PEER_PYTHON (SciPy, statsmodels, KDEpy and, unless PYMC_PYTHON
# is set, PyMC), MSTICPY_PYTHON and FEATURES_PYTHON (both default to
# PEER_PYTHON).
# PYTHON picks the interpreter for new environments (default python3.11);
# THREATSTAT_BIN_DIR=DIR skips the build and takes threatstat and
# resample_sessions from DIR.
# Not run by CI: it needs the peers and takes minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command_line="benches/compare.sh${*:+ $*}"
for var in MSTICPY_PYTHON PYMC_PYTHON FEATURES_PYTHON PEER_PYTHON THREATSTAT_BIN_DIR CARGO_TARGET_DIR; do
    if [[ -n "${!var:-}" ]]; then command_line="$var=${!var} $command_line"; fi
done

if [[ -n "${THREATSTAT_BIN_DIR:-}" ]]; then
    bin="$(cd "$THREATSTAT_BIN_DIR" && pwd)"
    build="prebuilt binaries in $bin"
else
    bin="${CARGO_TARGET_DIR:-$root/target}/release"
    echo "== building the release CLI and the session generator" >&2
    cargo build --release -p threatstat --bin threatstat >&2
    cargo build --release -p threatstat-benches --bin resample_sessions >&2
    build="git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    git diff --quiet HEAD -- crates 2>/dev/null || build="$build + uncommitted changes in crates/"
fi

# venv DIR REQUIREMENTS: creates DIR with the pinned packages unless it
# already holds exactly these requirements; prints its python.
venv() {
    local dir="$1" req="$2" py="${PYTHON:-python3.11}"
    if ! cmp -s "$req" "$dir/requirements.txt" 2>/dev/null; then
        echo "== installing $(grep -v '^#' "$req" | tr '\n' ' ')into $dir" >&2
        rm -rf "$dir"
        "$py" -m venv "$dir" >&2
        "$dir/bin/pip" install --quiet --upgrade pip >&2
        "$dir/bin/pip" install --quiet -r "$req" >&2
        cp "$req" "$dir/requirements.txt"
    fi
    echo "$dir/bin/python"
}

if [[ -n "${PEER_PYTHON:-}" ]]; then
    stats_py="$PEER_PYTHON"
else
    stats_py="$(venv benches/.venv/peers benches/peers/requirements-peers.txt)"
fi
pymc_py="${PYMC_PYTHON:-$stats_py}"
if [[ -n "${MSTICPY_PYTHON:-}" ]]; then
    msticpy_py="$MSTICPY_PYTHON"
elif [[ -n "${PEER_PYTHON:-}" ]]; then
    msticpy_py="$PEER_PYTHON"
else
    msticpy_py="$(venv benches/.venv/msticpy benches/peers/requirements-msticpy.txt)"
fi

if [[ -n "${FEATURES_PYTHON:-}" ]]; then
    features_py="$FEATURES_PYTHON"
elif [[ -n "${PEER_PYTHON:-}" ]]; then
    features_py="$PEER_PYTHON"
else
    features_py="$(venv benches/.venv/features benches/peers/requirements-features.txt)"
fi

echo "== comparing (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
exec "$stats_py" benches/peers/compare.py \
    --threatstat "$bin/threatstat" \
    --bench-bin "$bin" \
    --python-msticpy "$msticpy_py" \
    --python-pymc "$pymc_py" \
    --python-stats "$stats_py" \
    --python-features "$features_py" \
    --command "$command_line" \
    --rustc "$(rustc --version)" \
    --git "$build" \
    "$@"
