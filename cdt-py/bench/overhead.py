"""The Python side of bench/python_overhead.sh: the same diagnostic as
cdt-py/examples/overhead.rs, through the bindings, timed in a loop.

Usage: python overhead.py ITERATIONS customer|files:SOURCE:PLATFORM TOOL NAME=VALUE...
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
    target = argv[1]
    tool = argv[2]
    inputs = dict(a.split("=", 1) for a in argv[3:])
    demo = cdt.load_customer("demo-district", ROOT / "customer-integration-settings")
    if target == "customer":
        def once() -> cdt.DiagnosticResult:
            return demo.run(tool, inputs, progress=False)
    else:
        source, platform = target.removeprefix("files:").split(":", 1)

        def once() -> cdt.DiagnosticResult:
            return cdt.run(tool, inputs, source=source, platform=platform, district_id=demo.bookmarked_org_id,
                           progress=False)
    status = once().status
    rows = [
        measure("python", n, once),
        measure("python + to_dict()", n, lambda: once().to_dict()),
    ]
    for row in rows:
        row["status"] = status
        print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1:])
