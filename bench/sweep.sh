#!/usr/bin/env bash
# The district sweep side by side: `cdt sweep` (read + validate + sweep, the report as
# JSON to a file) against its peers, bench/sweep_polars.py and bench/sweep_pandas.py (the
# same findings from the same files, as a data engineer would script them), on the
# generated 100,000-student district with the demo's planted cases: the OneRoster folder
# and the platform snapshot folder. Checks first that the three find the same
# (code, records); then reports each run's wall time and peak RSS (/usr/bin/time), their
# medians, and the ratios cdt/polars and cdt/pandas.
#
#   bench/sweep.sh                     # 3 runs each
#   RUNS=5 STUDENTS=10000 bench/sweep.sh
#   CDT=path/to/cdt bench/sweep.sh     # a cdt already built (no cargo build)
#
# Needs python3 with venv and /usr/bin/time (Debian package `time`). Data, venv and
# results go to $BENCH_DIR (default target/bench-sweep). The machine should be otherwise
# idle: cdt sweep and polars each use every core they are given.
set -euo pipefail
cd "$(dirname "$0")/.."

STUDENTS=${STUDENTS:-100000}
RUNS=${RUNS:-3}
TARGET=${CARGO_TARGET_DIR:-target}
BENCH_DIR=$(realpath -m "${BENCH_DIR:-target/bench-sweep}")
DATA="$BENCH_DIR/district-$STUDENTS"
OUT="$BENCH_DIR/out"
mkdir -p "$BENCH_DIR" "$OUT"

if [ -z "${CDT:-}" ]; then
    echo "== build (release)"
    cargo build --release --locked -p cdt-cli
    CDT="$TARGET/release/cdt"
fi

if [ ! -d "$DATA/platform-snapshot" ]; then
    echo "== generate the $STUDENTS-student district (with the demo's planted cases)"
    "$CDT" demo generate --students "$STUDENTS" --out "$DATA"
fi

if [ ! -x "$BENCH_DIR/venv/bin/python" ]; then
    echo "== python venv with polars and pandas"
    python3 -m venv "$BENCH_DIR/venv"
    "$BENCH_DIR/venv/bin/pip" install --quiet polars pandas pyarrow
fi
PY="$BENCH_DIR/venv/bin/python"
# The peers' "today" is the sweep's (UTC), so that both see the same enrollments current.
TODAY=$(date -u +%F)

echo "== data"
du -sb "$DATA/oneroster" | awk '{printf "oneroster:         %.1f MB of CSV\n", $1/1e6}'
du -sb "$DATA/platform-snapshot" | awk '{printf "platform snapshot: %.1f MB of CSV\n", $1/1e6}'
"$PY" -c 'import polars, pandas; print("polars", polars.__version__, "| pandas", pandas.__version__)'
echo "cores: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"

SWEEP=("$CDT" --no-plugins sweep --source "$DATA/oneroster" --platform "$DATA/platform-snapshot"
    --format json --no-progress)

echo
echo "== the three find the same (code, records)"
"${SWEEP[@]}" --out "$OUT/cdt.json" || [ $? -eq 1 ]
"$PY" bench/sweep_polars.py "$DATA" --today "$TODAY" --out "$OUT/polars.json"
"$PY" bench/sweep_pandas.py "$DATA" --today "$TODAY" --out "$OUT/pandas.json"
"$PY" - "$OUT" <<'EOF'
import json, sys
from collections import Counter
out = sys.argv[1]
cdt = {(f["code"], tuple(sorted(f["record_ids"]))) for f in json.load(open(f"{out}/cdt.json"))["findings"]}
print(f"cdt sweep: {len(cdt)} findings", dict(Counter(c for c, _ in cdt).most_common()))
ok = True
for peer in ("polars", "pandas"):
    found = {(f["code"], tuple(f["records"])) for f in json.load(open(f"{out}/{peer}.json"))["findings"]}
    missed, extra = sorted(cdt - found), sorted(found - cdt)
    print(f"{peer}: {len(found)} findings, {len(missed)} missed, {len(extra)} extra", missed[:3], extra[:3])
    ok &= not missed and not extra
sys.exit(0 if ok else 1)
EOF

# run NAME CMD... : each run's wall time and peak RSS, then "NAME wall_median rss_median"
# into $OUT/medians.txt.
run() {
    local name=$1
    shift
    local times="$OUT/times-$name.txt"
    : >"$times"
    for _ in $(seq "$RUNS"); do
        # Exit 1 is "findings", the expected answer of cdt sweep.
        /usr/bin/time -f "%e %M" -o "$times" -a "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
    done
    # Only the figures (time also writes "Command exited with non-zero status 1").
    grep -E '^[0-9.]+ [0-9]+$' "$times" | awk -v name="$name" '
        { wall[NR] = $1; rss[NR] = $2; printf "  %-8s run %d: %8.2f s %8.0f MB\n", name, NR, $1, $2 / 1024 }
        END {
            n = asort(wall); asort(rss)
            m = int((n + 1) / 2)
            printf "%s %.2f %.0f\n", name, wall[m], rss[m] / 1024 >> "'"$OUT/medians.txt"'"
        }'
}

echo
echo "== $RUNS runs each"
rm -f "$OUT/medians.txt"
run cdt "${SWEEP[@]}" --out "$OUT/cdt-run.json"
run polars "$PY" bench/sweep_polars.py "$DATA" --today "$TODAY" --out "$OUT/polars-run.json"
run pandas "$PY" bench/sweep_pandas.py "$DATA" --today "$TODAY" --out "$OUT/pandas-run.json"

echo
printf "%-8s %12s %14s\n" "" "median wall" "median RSS"
awk '{ printf "%-8s %10.2f s %11.0f MB\n", $1, $2, $3 }' "$OUT/medians.txt"
awk '
    { wall[$1] = $2; rss[$1] = $3 }
    END {
        for (p in wall) if (p != "cdt")
            printf "cdt/%-6s time %5.2fx   memory %5.2fx\n", p, wall["cdt"] / wall[p], rss["cdt"] / rss[p]
    }' "$OUT/medians.txt" | sort
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
