"""Summarises the JSON lines of bench/python_overhead.sh: Rust vs Python, side by side.

The rounds alternate Rust and Python, so the overhead is taken per round (Python's
median minus Rust's median in the same round) and summarised by the median of those
differences, which cancels most of the drift of a shared machine.
"""

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
    print(f"{'side':22} {'median ms, each round':>56} {'max p90 ms':>10}")
    for side, ds in rows.items():
        medians = " ".join(f"{d['median_ms']:.3f}" for d in ds)
        print(f"{side:22} {medians:>56} {max(d['p90_ms'] for d in ds):10.3f}")
    rust = [d["median_ms"] for d in rows["rust"]]
    py = [d["median_ms"] for d in rows["python"]]
    diffs = [p - r for r, p in zip(rust, py)]
    print(
        f"Rust {statistics.median(rust):.3f} ms, Python {statistics.median(py):.3f} ms (medians of round medians); "
        f"Python adds {statistics.median(diffs):+.3f} ms per diagnostic (median of per-round differences, "
        f"range {min(diffs):+.3f} to {max(diffs):+.3f})"
    )


if __name__ == "__main__":
    main()
