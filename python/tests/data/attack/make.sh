#!/usr/bin/env bash
# The CLI's outputs that python/tests/test_attack.py compares the package with.
# Usage (from the repository root, a `threatstat` binary of this commit on PATH):
#   bash python/tests/data/attack/make.sh
set -euo pipefail
out=python/tests/data/attack
threatstat attack train --input data/attack-flow/flows.jsonl --out $out/m2.json --quiet 2>/dev/null
threatstat attack score --model $out/m2.json --sequence TA0001,TA0002,TA0007 > $out/score.json
threatstat attack score --model $out/m2.json --sequence initial-access,T1059.001 --open > $out/score_open.json
threatstat attack next --model $out/m2.json --after TA0001,TA0002 --top 3 > $out/next.json
threatstat attack correlate --model $out/m2.json --alerts crates/threatstat/tests/bad_input/valid/alerts.csv --out $out/ranked.csv --quiet
