#!/usr/bin/env bash
# One student-mismatch diagnostic over a OneRoster REST API (1.1 with OAuth 1.0a, 1.2
# with OAuth 2), cold and warm client, against downloading the whole district, on
# the generated 100,000-student district served by the fake OneRoster server (in the
# benchmark's process, on loopback). Prints, per case: version, cache, limits,
# requests, token requests, wall time (median of the runs) and that time as a share
# of the full download's. See docs/oneroster-api.md for what each row means.
#
#   bench/oneroster_api.sh             # 100,000 students, 3 runs a row
#   RUNS=5 STUDENTS=20000 bench/oneroster_api.sh
#
# The district (with its demo cases) goes to $BENCH_DIR (default
# target/bench-oneroster-api), generated once by `cdt demo generate` (a dev build:
# the generator's output is the same in every profile). Only the benchmark example
# is built for release. The goal: one diagnostic in under 25 requests and under 10%
# of the full download's time.
set -euo pipefail
cd "$(dirname "$0")/.."

STUDENTS=${STUDENTS:-100000}
RUNS=${RUNS:-3}
TARGET=${CARGO_TARGET_DIR:-target}
BENCH_DIR=${BENCH_DIR:-target/bench-oneroster-api}
DATA="$BENCH_DIR/district-$STUDENTS"
mkdir -p "$BENCH_DIR"

if [ ! -f "$DATA/cases.json" ]; then
    echo "== generate the $STUDENTS-student district"
    cargo run --quiet --locked -p cdt-cli -- demo generate --no-plugins --students "$STUDENTS" --out "$DATA"
fi

echo "== build the benchmark (release)"
cargo build --release --locked -p cdt-tests --example oneroster_api_bench
BENCH="$TARGET/release/examples/oneroster_api_bench"

echo "cores: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH" "$DATA" "$RUNS"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
