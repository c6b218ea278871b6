"""Summarises the JSON lines of bench/python_overhead.sh: Rust vs Python, side by side."""

from __future__ import annotations

import collections
import json
import statistics
import sys


def main() -> None:
    rows: dict[str, list[dict[str, float]]] = collections.defaultdict(list)
    for line in sys.stdin:
        if line.strip():
            d = json.loads(line)
            rows[d["side"]].append(d)
    print(f"{'side':34} {'median ms, each round':>40} {'max p90 ms':>10}")
    for side, ds in rows.items():
        medians = " ".join(f"{d['median_ms']:.3f}" for d in ds)
        print(f"{side:34} {medians:>40} {max(d['p90_ms'] for d in ds):10.3f}")
    rust = statistics.median(d["median_ms"] for d in rows["rust"])
    py = statistics.median(d["median_ms"] for d in rows["python Customer.run"])
    print(
        f"Rust {rust:.3f} ms, Python {py:.3f} ms: Python adds {py - rust:+.3f} ms per diagnostic "
        f"({(py / rust - 1) * 100:+.1f} %), median of the round medians"
    )


if __name__ == "__main__":
    main()
