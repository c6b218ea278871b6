#!/usr/bin/env bash
# One ticket on a big district: `cdt run student-mismatch` for the planted parent and
# child of the generated 100,000-student district, whole process (start, read, slice,
# diagnose, print), side by side with
#   - the full read (CDT_BUNDLE_INDEX=off: every row read and validated, then sliced),
#   - the bundle index (CDT_BUNDLE_INDEX=on: built by the first run, read by the next),
#   - a polars script answering the same question from the CSVs (the SIS side only),
# on the bundle as a folder and as a ZIP, with the embedded platform store. Reports
# the median wall and CPU time and the largest peak RSS of the runs (/usr/bin/time),
# and the first run that builds the index.
#
#   bench/single_ticket.sh             # 5 runs each
#   RUNS=3 STUDENTS=20000 bench/single_ticket.sh
#
# Needs python3 with venv and /usr/bin/time (Debian package `time`). Data, venv,
# indexes and results go to $BENCH_DIR (default target/bench-single-ticket).
set -euo pipefail
cd "$(dirname "$0")/.."

STUDENTS=${STUDENTS:-100000}
RUNS=${RUNS:-5}
TARGET=${CARGO_TARGET_DIR:-target}
BENCH_DIR=$(realpath -m "${BENCH_DIR:-target/bench-single-ticket}")
DATA="$BENCH_DIR/district-$STUDENTS"
EMAIL=ximena.huaman@andes-mail.example
STUDENT="mateo quispe huaman"
mkdir -p "$BENCH_DIR"

echo "== build (release)"
cargo build --release --locked -p cdt-cli
CDT="$TARGET/release/cdt"

if [ ! -f "$DATA/oneroster.zip" ]; then
    echo "== generate the $STUDENTS-student district (with the demo's planted cases)"
    "$CDT" demo generate --students "$STUDENTS" --zip --out "$DATA"
fi

if [ ! -x "$BENCH_DIR/venv/bin/python" ]; then
    echo "== python venv with polars"
    python3 -m venv "$BENCH_DIR/venv"
    "$BENCH_DIR/venv/bin/pip" install --quiet polars
fi
PY="$BENCH_DIR/venv/bin/python"

echo "== data"
du -b "$DATA/oneroster" | awk '{printf "folder: %.1f MB of CSV\n", $1/1e6}'
stat -c %s "$DATA/oneroster.zip" | awk '{printf "zip:    %.1f MB\n", $1/1e6}'
"$PY" -c 'import polars; print("polars", polars.__version__)'
echo "cores: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME RUNS CMD... : prints "NAME  wall_median  cpu_median  peak_rss"
run() {
    local name=$1 runs=$2
    shift 2
    local out="$BENCH_DIR/times-$$.txt"
    : >"$out"
    for _ in $(seq "$runs"); do
        # Exit 1 is "an issue was found", the expected answer.
        /usr/bin/time -f "%e %U %S %M" -o "$out" -a "$@" >/dev/null || [ $? -eq 1 ]
    done
    # Only the figures (time also writes "Command exited with non-zero status 1").
    grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$out" | sort -n -k1 | awk -v name="$name" '
        { wall[NR] = $1; cpu[NR] = $2 + $3; if ($4 > rss) rss = $4 }
        END {
            n = asort(cpu)
            printf "%-40s %8.3f s %8.3f s %8.0f MB  (%d runs, min wall %.3f s)\n",
                name, wall[int((NR + 1) / 2)], cpu[int((n + 1) / 2)], rss / 1024, NR, wall[1]
        }'
    rm -f "$out"
}

ARGS=(--no-plugins run student-mismatch --platform "$DATA/platform.sqlite"
    --input parent_email="$EMAIL" --input student_name="$STUDENT" --json)

# The result without its timestamp, keys sorted.
without_time() {
    python3 -c 'import json, sys; d = json.load(sys.stdin); d.pop("timestamp"); print(json.dumps(d, sort_keys=True))'
}

# The answers agree: the full read and the index give the same result.
export XDG_CACHE_HOME="$BENCH_DIR/cache"
rm -rf "$XDG_CACHE_HOME"
for input in oneroster oneroster.zip; do
    a=$(CDT_BUNDLE_INDEX=off "$CDT" "${ARGS[@]}" --source "$DATA/$input" | without_time || true)
    # The first run builds the index, the second answers from it.
    CDT_BUNDLE_INDEX=on "$CDT" "${ARGS[@]}" --source "$DATA/$input" >/dev/null || [ $? -eq 1 ]
    b=$(CDT_BUNDLE_INDEX=on "$CDT" "${ARGS[@]}" --source "$DATA/$input" | without_time || true)
    [ -n "$a" ] && [ "$a" = "$b" ] || { echo "the indexed result differs from the full read's on $input" >&2; exit 1; }
    echo "$input: the same result both ways ($(echo "$a" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'))"
done
rm -rf "$XDG_CACHE_HOME"

echo
printf "%-40s %10s %10s %11s\n" "" "wall" "cpu" "peak RSS"
for input in oneroster oneroster.zip; do
    kind=$([ -d "$DATA/$input" ] && echo folder || echo ZIP)
    run "cdt, full read ($kind)" "$RUNS" env CDT_BUNDLE_INDEX=off "$CDT" "${ARGS[@]}" --source "$DATA/$input"
    run "cdt, first run: builds the index ($kind)" 1 env CDT_BUNDLE_INDEX=on "$CDT" "${ARGS[@]}" --source "$DATA/$input"
    run "cdt, through the index ($kind)" "$RUNS" env CDT_BUNDLE_INDEX=on "$CDT" "${ARGS[@]}" --source "$DATA/$input"
    run "polars script ($kind)" "$RUNS" "$PY" bench/single_ticket_polars.py "$DATA/$input" "$EMAIL" "$STUDENT"
done
du -b "$XDG_CACHE_HOME/cdt/bundles"/*.sqlite | awk '{printf "index file: %.1f MB\n", $1/1e6}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
