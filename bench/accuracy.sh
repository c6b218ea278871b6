#!/usr/bin/env bash
# The accuracy harness, long run: precision and recall of every built-in tool, per tool,
# per kind of perturbation and per noise, on generated districts (10,000 cases by default).
#
#   bench/accuracy.sh [CASES] [SEED]
#
# Each case plants one perturbation into a clean generated district and checks the tool's
# status and named records against an oracle. A wrong case prints its seed (replay it with
# `--replay SEED`) and its shrunk form (`--spec JSON`); the run then exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked -p cdt-tests --example accuracy -- --cases "${1:-10000}" --seed "${2:-1}"
