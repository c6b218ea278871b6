"""cdt.sweep(): every built-in check over a district, as the JSON-able report."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

import cdt


def test_the_demo_sweep_finds_issues_and_each_one_replays(settings: Path) -> None:
    report = cdt.sweep("demo-district", settings_dir=settings)
    json.dumps(report)
    assert report["interrupted"] is False
    assert report["cases"] > 500
    findings = report["findings"]
    assert findings
    assert sum(c["count"] for c in report["by_code"]) == len(findings)
    assert sum(c["count"] for c in report["by_school"]) == len(findings)
    first = findings[0]
    by = first["found_by"][0]
    result = cdt.run(by["tool_id"], by["inputs"], customer="demo-district", settings_dir=settings)
    assert result.status == by["status"]
    assert any(f.code == first["code"] for f in result.findings)


def test_the_sweep_runs_on_files(demo_dir: Path) -> None:
    report = cdt.sweep(source=demo_dir / "oneroster", platform=demo_dir / "platform.sqlite")
    assert report["customer_id"] is None
    assert report["findings"]


def test_the_sweep_needs_a_customer_or_files() -> None:
    with pytest.raises(TypeError):
        cdt.sweep(source="only-a-source")


def test_a_cancelled_sweep_stops_working(cdt_bin: str, tmp_path: Path) -> None:
    """Cancelling stops the sweep itself, not only the wait: its progress stops moving
    short of the end."""
    out = tmp_path / "district"
    subprocess.run(
        [cdt_bin, "demo", "generate", "--students", "3000", "--seed", "7", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    job = cdt.start_sweep(source=out / "oneroster", platform=out / "platform.sqlite")
    deadline = time.monotonic() + 120
    while job.progress()[0] != "sweeping" or job.progress()[1] == 0:
        assert not job.done(), "the sweep ended before it could be cancelled"
        assert time.monotonic() < deadline, job.progress()
        time.sleep(0.005)
    assert job.cancel() is True
    # The sweep stops at its next batch of cases and says so.
    while job.progress()[0] != "cancelled":
        assert time.monotonic() < deadline, job.progress()
        time.sleep(0.005)
    stage, done, total = job.progress()
    time.sleep(0.5)
    assert job.progress() == (stage, done, total), "the sweep went on after cancel()"
    assert 0 < done < total
    import asyncio

    with pytest.raises(asyncio.CancelledError):
        job.result()
