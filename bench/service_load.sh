#!/usr/bin/env bash
# A loopback load test of the service with a standard load tool (`hey`, Debian's
# package; installed when missing): 10,000 requests from several users at once, mixed
# diagnostics and reads, against `cdt serve` on the demo district (SQLite), while a
# probe calls /health throughout. It stops by itself, prints p50/p99 and throughput
# per stream, and fails on any answer other than 200 and the expected 429s (runs
# beyond 10 a minute per user), or if /health was ever slower than 100 ms.
#
#   bench/service_load.sh            # release build of cdt (built when missing)
#   CDT_BIN=target/debug/cdt bench/service_load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hey >/dev/null || apt-get install -y hey >/dev/null
bin="${CDT_BIN:-target/release/cdt}"
[ -x "$bin" ] || cargo build --release -p cdt-cli --locked
dir="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

export CDT_DATABASE_URL="sqlite://$dir/service.sqlite"
tokens=()
for u in alma boris chen dana; do
    "$bin" users add "$u" --role support >/dev/null
    tokens+=("$("$bin" users token "$u" | tail -n 1)")
done
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
CDT_LOG=warn CDT_MAX_IN_FLIGHT=4 "$bin" serve --addr "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
until curl -sf "$base/ready" >/dev/null; do sleep 0.2; done

body='{"inputs": {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}}'
run_url="$base/customers/demo-district/tools/student-mismatch/run"
# One run to read back by id.
run_id="$(curl -sf -D - -o /dev/null -H "Authorization: Bearer ${tokens[0]}" -H 'Content-Type: application/json' \
    -d "$body" "$run_url" | tr -d '\r' | awk -F': ' 'tolower($1) == "cdt-run-id" {print $2}')"

start=$(date +%s.%N)
for i in 0 1 2 3; do
    hey -n 250 -c 2 -m POST -T application/json -d "$body" -H "Authorization: Bearer ${tokens[$i]}" "$run_url" >"$dir/runs-$i.txt" &
done
hey -n 1500 -c 4 -H "Authorization: Bearer ${tokens[1]}" "$base/runs?limit=20" >"$dir/list-1.txt" &
hey -n 1500 -c 4 -H "Authorization: Bearer ${tokens[2]}" "$base/runs?customer=demo-district&limit=20" >"$dir/list-2.txt" &
hey -n 2000 -c 4 -H "Authorization: Bearer ${tokens[3]}" "$base/tools" >"$dir/tools.txt" &
hey -n 2000 -c 4 -H "Authorization: Bearer ${tokens[0]}" "$base/runs/$run_id" >"$dir/run-by-id.txt" &
hey -n 2000 -c 1 "$base/health" >"$dir/health.txt" &
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
end=$(date +%s.%N)

fail=0
total=0
printf '%-12s %8s %10s %10s %10s %s\n' stream requests req/s p50_ms p99_ms codes
for f in "$dir"/runs-*.txt "$dir"/list-*.txt "$dir"/tools.txt "$dir"/run-by-id.txt "$dir"/health.txt; do
    name="$(basename "$f" .txt)"
    rps="$(awk '/Requests\/sec/ {print $2}' "$f")"
    p50="$(awk '/ 50% in/ {printf "%.2f", $3 * 1000}' "$f")"
    p99="$(awk '/ 99% in/ {printf "%.2f", $3 * 1000}' "$f")"
    codes="$(awk '/^\s*\[[0-9]+\]/ {gsub(/[\[\]]/, "", $1); printf "%s:%s ", $1, $2}' "$f")"
    n="$(awk '/^\s*\[[0-9]+\]/ {s += $2} END {print s + 0}' "$f")"
    total=$((total + n))
    printf '%-12s %8s %10s %10s %10s %s\n' "$name" "$n" "$rps" "$p50" "$p99" "$codes"
    if grep -q "Error distribution" "$f"; then echo "  $name: transport errors:"; sed -n '/Error distribution/,$p' "$f"; fail=1; fi
    for code in $(awk '/^\s*\[[0-9]+\]/ {gsub(/[\[\]]/, "", $1); print $1}' "$f"); do
        case "$name:$code" in
            *:200 | runs-*:429) ;;
            *) echo "  $name: unexpected status $code"; fail=1 ;;
        esac
    done
done
slowest="$(awk '/Slowest:/ {print $2}' "$dir/health.txt")"
echo "requests: $total in $(python3 -c "print(round($end - $start, 2))") s; /health slowest: $(python3 -c "print(round($slowest * 1000, 1))") ms"
python3 -c "import sys; sys.exit(0 if $slowest < 0.1 else 1)" || { echo "/health was slower than 100 ms"; fail=1; }
[ "$total" -eq 10000 ] || { echo "expected 10000 answers, got $total"; fail=1; }
exit "$fail"
