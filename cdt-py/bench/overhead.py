"""The Python side of bench/python_overhead.sh: the same diagnostic as
cdt-py/examples/overhead.rs, through the bindings, timed in a loop.

Usage: python overhead.py ITERATIONS TOOL NAME=VALUE...
Prints one JSON line per measured variant.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import cdt

ROOT = Path(__file__).resolve().parents[2]


def measure(label: str, n: int, fn: Callable[[], object]) -> dict[str, object]:
    fn()  # warm-up
    ms = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()

    def pick(q: int) -> float:
        return ms[(len(ms) - 1) * q // 100]

    return {"side": label, "n": n, "median_ms": pick(50), "p10_ms": pick(10), "p90_ms": pick(90),
            "mean_ms": statistics.fmean(ms)}


def main(argv: list[str]) -> None:
    n = int(argv[0])
    tool = argv[1]
    inputs = dict(a.split("=", 1) for a in argv[2:])
    demo = cdt.load_customer("demo-district", ROOT / "customer-integration-settings")
    status = demo.run(tool, inputs, progress=False).status
    rows = [
        measure("python Customer.run", n, lambda: demo.run(tool, inputs, progress=False)),
        measure("python Customer.run + to_dict()", n, lambda: demo.run(tool, inputs, progress=False).to_dict()),
    ]
    for row in rows:
        row["status"] = status
        print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1:])
