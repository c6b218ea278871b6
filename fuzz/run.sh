#!/usr/bin/env bash
# Fuzzes every target (or the ones named) for a stated number of minutes each, one
# process per target, and prints executions and CPU time per target. Each runs a little
# longer than asked (5% and 15 s), so that start-up and the process's idle moments
# still leave at least MINUTES of CPU time:
#
#   fuzz/run.sh [MINUTES] [TARGET...]     # default: 10 minutes, every target
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Corpora grow under fuzz/corpus/<target>; a crash is saved under
# fuzz/artifacts/<target>/ and stops that target: replay it with
# `cargo +nightly fuzz run <target> <file>`, then add it as a regression test in the
# crate that owns the parser (see docs/security.md).
set -euo pipefail
cd "$(dirname "$0")"
minutes="${1:-10}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
{ [ -d corpus/verdict ] && [ -d corpus/hubspot_json ]; } || ./seed-corpus.sh
mkdir -p logs
for t in "${targets[@]}"; do cargo +nightly fuzz build "$t"; done
printf '%-18s %14s %10s %8s\n' target executions cpu-min result
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    status=ok
    if ! /usr/bin/time -f '%U %S' -o "logs/$t.time" \
        cargo +nightly fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$((minutes * 63 + 15))" -print_final_stats=1 -rss_limit_mb=2048 \
        >"logs/$t.log" 2>&1; then
        status=CRASH
    fi
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)"
    cpu="$(awk '{printf "%.1f", ($1 + $2) / 60}' "logs/$t.time")"
    printf '%-18s %14s %10s %8s\n' "$t" "${execs:-?}" "$cpu" "$status"
done
