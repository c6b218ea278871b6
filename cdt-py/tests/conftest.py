"""Shared fixtures: the repository's demo district, copies of it, and slow inputs."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "customer-integration-settings"
DEMO = ROOT / "demo"


@pytest.fixture(autouse=True)
def _quiet_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """No progress bars in test output unless a test asks for them."""
    import cdt

    monkeypatch.setattr("cdt._progress._enabled", False)
    assert not cdt.progress_enabled()


@pytest.fixture(scope="session")
def cdt_bin() -> str:
    """The `cdt` binary (CDT_BIN, or on PATH), for tests that run the command line
    (to add a service user, to generate districts): skipped without it, failed in CI."""
    found = os.environ.get("CDT_BIN") or shutil.which("cdt")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("CDT_BIN (the cdt binary) is not set; CI needs it")
        pytest.skip("no cdt binary (set CDT_BIN)")
    return found


@pytest.fixture(scope="session")
def settings() -> Path:
    return SETTINGS


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((DEMO / "cases.json").read_text())
    return cases


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo district's bundle and snapshot."""
    out = tmp_path / "demo"
    shutil.copytree(DEMO / "oneroster", out / "oneroster")
    shutil.copytree(DEMO / "platform-snapshot", out / "platform-snapshot")
    return out


def rewrite_csv(path: Path, change: Any) -> None:
    """Rewrites a CSV file, passing each row (a dict) through ``change``."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        rows = [change(dict(r)) for r in reader]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="session")
def big_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo bundle grown to about 200,000 students and 800,000 enrollments
    (~140 MB of CSV): a load that lasts long enough to watch."""
    out = tmp_path_factory.mktemp("big") / "oneroster"
    shutil.copytree(DEMO / "oneroster", out)
    with (out / "orgs.csv").open(newline="", encoding="utf-8") as f:
        school = next(r["sourcedId"] for r in csv.DictReader(f) if r["type"] == "school")
    with (out / "classes.csv").open(newline="", encoding="utf-8") as f:
        classes = [r["sourcedId"] for r in csv.DictReader(f) if r["schoolSourcedId"] == school]
    n = int(os.environ.get("CDT_TEST_BIG_STUDENTS", "200000"))
    with (out / "users.csv").open("a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for i in range(n):
            w.writerow(
                [f"big-stu-{i:07d}", "active", "2026-11-01T12:00:00.000Z", "true", school, "student",
                 f"big.student{i}", "", f"Given{i}", f"Family{i % 977}", "", str(900000 + i),
                 f"big.student{i}@students.example", "", "", "", "05", ""]
            )
    with (out / "enrollments.csv").open("a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for i in range(n):
            for k in range(4):
                w.writerow(
                    [f"big-enr-{i:07d}-{k}", "", "", classes[(i + k) % len(classes)], school,
                     f"big-stu-{i:07d}", "student", "false", "2026-08-17", ""]
                )
    return out


@pytest.fixture
def fifo_bundle(tmp_path: Path) -> Path:
    """A single-file bundle (`users.csv`) that is a FIFO nobody ever writes: a read of
    it blocks forever, like a hung network share."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("this platform has no FIFOs (os.mkfifo)")
    path = tmp_path / "users.csv"
    os.mkfifo(path)
    return path
