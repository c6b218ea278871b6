#!/usr/bin/env bash
# The overhead of one diagnostic through Python compared with the same from Rust,
# side by side: rounds alternate Rust and Python on the same machine, same data and
# same release build of the engine.
#
#   bench/python_overhead.sh [ROUNDS] [ITERATIONS]
#
# Needs Python 3.10+; uses the virtual environment of scripts/test.d/50-python (made
# if missing) under the cargo target dir.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-7}"
n="${2:-100}"
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
venv="$target/py-venv"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'maturin>=1.9,<2'
"$venv/bin/maturin" build --release --quiet -m cdt-py/Cargo.toml --out "$target/py-wheels-bench"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$target"/py-wheels-bench/*.whl
cargo build --release --quiet -p cdt-py --example overhead
rust="$target/release/examples/overhead"

bench_case() {
    local label="$1"
    shift
    echo
    echo "== $label: $* ; $rounds rounds of $n calls each side"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
    for _ in $(seq 1 "$rounds"); do
        "$rust" "$n" "$@"
        (cd "$target" && "$venv/bin/python" "$OLDPWD/cdt-py/bench/overhead.py" "$n" "$@")
    done | "$venv/bin/python" cdt-py/bench/summarize.py
}

# The demo customer: the whole OneRoster folder is read per call (~10 ms of work).
bench_case "demo customer, full bundle + embedded store" customer student-mismatch \
    parent_email=ximena.huaman@andes-mail.example "student_name=mateo quispe huaman"
# A small call, where the fixed cost of the binding shows: users.csv alone + the store.
bench_case "users.csv + embedded store" "files:$PWD/demo/oneroster/users.csv:$PWD/demo/platform.sqlite" \
    parent-conflicts parent_email=oyelaran.home@naija-mail.example
