"""cdt.sweep(): every built-in check over a district, as the JSON-able report."""

from __future__ import annotations

import json
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
