#!/usr/bin/env bash
# Reading a OneRoster bundle: `cdt` (reading + full validation) against polars and
# pandas (reading only), on the generated 100,000-student district, as a folder and
# as a ZIP, side by side. Reports wall time and CPU time (median of the runs) and
# peak RSS (the largest of the runs), from /usr/bin/time.
#
#   bench/oneroster_read.sh            # 5 runs each (pandas: 2)
#   RUNS=3 STUDENTS=20000 bench/oneroster_read.sh
#
# Needs python3 with venv and /usr/bin/time (Debian package `time`). Data, venv and
# results go to $BENCH_DIR (default target/bench-oneroster). The machine should be
# otherwise idle: every tool uses all the cores it is given.
set -euo pipefail
cd "$(dirname "$0")/.."

STUDENTS=${STUDENTS:-100000}
RUNS=${RUNS:-5}
PANDAS_RUNS=${PANDAS_RUNS:-2}
TARGET=${CARGO_TARGET_DIR:-target}
BENCH_DIR=${BENCH_DIR:-target/bench-oneroster}
DATA="$BENCH_DIR/district-$STUDENTS"
mkdir -p "$BENCH_DIR"

echo "== build (release)"
cargo build --release --locked -p cdt-cli -p cdt-connectors --example read_bundle
CDT="$TARGET/release/cdt"
READ="$TARGET/release/examples/read_bundle"

if [ ! -f "$DATA/oneroster.zip" ]; then
    echo "== generate the $STUDENTS-student district"
    "$CDT" demo generate --students "$STUDENTS" --no-cases --zip --out "$DATA"
fi

if [ ! -x "$BENCH_DIR/venv/bin/python" ]; then
    echo "== python venv with polars and pandas"
    python3 -m venv "$BENCH_DIR/venv"
    "$BENCH_DIR/venv/bin/pip" install --quiet polars pandas
fi
PY="$BENCH_DIR/venv/bin/python"

echo "== data"
du -b "$DATA/oneroster" | awk '{printf "folder: %.1f MB of CSV\n", $1/1e6}'
stat -c %s "$DATA/oneroster.zip" | awk '{printf "zip:    %.1f MB\n", $1/1e6}'
wc -l "$DATA"/oneroster/*.csv | tail -1 | awk '{print "lines: " $1}'
"$PY" -c 'import polars, pandas; print("polars", polars.__version__, "| pandas", pandas.__version__)'
echo "cores: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# run NAME RUNS CMD... : prints "NAME  wall_median  cpu_median  peak_rss"
run() {
    local name=$1 runs=$2
    shift 2
    local out="$BENCH_DIR/times-$$.txt"
    : >"$out"
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" -o "$out" -a "$@" >/dev/null
    done
    sort -n -k1 "$out" | awk -v name="$name" '
        { wall[NR] = $1; cpu[NR] = $2 + $3; if ($4 > rss) rss = $4 }
        END {
            n = asort(cpu)
            printf "%-34s %8.2f s %8.2f s %8.0f MB  (%d runs, min wall %.2f s)\n",
                name, wall[int((NR + 1) / 2)], cpu[int((n + 1) / 2)], rss / 1024, NR, wall[1]
        }'
    rm -f "$out"
}

echo
printf "%-34s %10s %10s %11s\n" "" "wall" "cpu" "peak RSS"
for input in oneroster oneroster.zip; do
    path="$DATA/$input"
    kind=$([ -d "$path" ] && echo folder || echo ZIP)
    run "cdt validate ($kind)" "$RUNS" "$CDT" validate "$path"
    run "cdt read into roster ($kind)" "$RUNS" "$READ" "$path"
    run "polars read_csv ($kind)" "$RUNS" "$PY" bench/read_dataframes.py polars "$path"
    run "pandas read_csv ($kind)" "$PANDAS_RUNS" "$PY" bench/read_dataframes.py pandas "$path"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
