"""The sweep's peers (bench/sweep_polars.py, bench/sweep_pandas.py) find what `cdt sweep`
finds: the same (code, records) on a generated district with the demo's planted cases,
and again after the platform copy is changed (emails re-cased, which is no discrepancy;
a student renamed, which is one)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import rewrite_csv

ROOT = Path(__file__).resolve().parents[2]
PEERS = {name: ROOT / "bench" / f"sweep_{name}.py" for name in ("polars", "pandas")}

Findings = set[tuple[str, tuple[str, ...]]]

# The codes the peers look for: every code a sweep can count (a verdict that is an issue,
# a warning or an error). The sets of (code, records) must be equal for these.
COVERED = frozenset({
    "no-current-enrollments-in-source", "student-not-in-source", "student-inactive-in-source",
    "student-missing-in-bookmarked", "student-deleted-in-bookmarked", "student-field-differs-in-bookmarked",
    "student-namesake-in-bookmarked", "student-sourced-id-differs-in-bookmarked",
    "class-not-in-source", "class-deleted-in-source", "class-missing-in-bookmarked", "class-deleted-in-bookmarked",
    "class-field-differs-in-bookmarked", "enrollment-missing-in-bookmarked", "enrollment-deleted-in-bookmarked",
    "extra-enrollment-in-bookmarked",
    "email-shared-in-source", "duplicate-parent-records-in-source", "parent-not-in-source", "parent-inactive-in-source",
    "parent-student-link-missing-in-source", "parent-missing-in-bookmarked", "parent-deleted-in-bookmarked",
    "parent-email-differs-in-bookmarked", "parent-name-differs-in-bookmarked", "several-parents-with-email-in-bookmarked",
    "stale-parent-email-in-bookmarked", "parent-students-differ", "parent-student-link-missing-in-bookmarked",
    "old-campus-enrollments-current-in-source", "no-new-campus-enrollments-in-source",
    "new-campus-missing-from-org-roles-in-source", "old-campus-still-in-org-roles",
    "student-school-not-updated-in-bookmarked", "phantom-enrollment-in-bookmarked",
    "new-campus-enrollment-missing-in-bookmarked",
    "import-error",
})
# The codes a sweep can report that the peers do not look for (none so far); the codes of
# NOT_FOUND, AMBIGUOUS and info findings never count in a sweep.
NOT_COVERED: frozenset[str] = frozenset()

# What the planted cases (and the generator's shared household emails) must produce.
MAIN = {
    "email-shared-in-source", "several-parents-with-email-in-bookmarked", "stale-parent-email-in-bookmarked",
    "parent-email-differs-in-bookmarked", "parent-missing-in-bookmarked", "parent-students-differ",
    "parent-inactive-in-source", "parent-student-link-missing-in-bookmarked",
    "student-missing-in-bookmarked", "student-field-differs-in-bookmarked", "student-namesake-in-bookmarked",
    "no-current-enrollments-in-source", "enrollment-missing-in-bookmarked", "extra-enrollment-in-bookmarked",
    "class-deleted-in-source", "class-field-differs-in-bookmarked",
    "old-campus-enrollments-current-in-source", "new-campus-missing-from-org-roles-in-source",
    "student-school-not-updated-in-bookmarked", "phantom-enrollment-in-bookmarked", "import-error",
}


def cdt_sweep(cdt_bin: str, district: Path) -> tuple[Findings, str]:
    """The sweep's findings on the district, and the day it ran (its 'today')."""
    out = district / "sweep.json"
    done = subprocess.run(
        [cdt_bin, "sweep", "--source", str(district / "oneroster"), "--platform", str(district / "platform-snapshot"),
         "--format", "json", "--no-progress", "--out", str(out)],
        capture_output=True, text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert not report["interrupted"] and not report["skipped"], report["skipped"]
    found = {(f["code"], tuple(sorted(f["record_ids"]))) for f in report["findings"]}
    return found, str(report["timestamp"])[:10]


def peer(name: str, district: Path, today: str) -> Findings:
    done = subprocess.run([sys.executable, str(PEERS[name]), str(district), "--today", today],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {(f["code"], tuple(sorted(f["records"]))) for f in json.loads(done.stdout)["findings"]}


def covered(found: Findings) -> Findings:
    return {f for f in found if f[0] in COVERED}


def assert_same(name: str, peer_found: Findings, sweep_found: Findings) -> None:
    missed = sorted(covered(sweep_found) - peer_found)
    extra = sorted(covered(peer_found) - sweep_found)
    assert not missed and not extra, f"{name} missed {missed[:10]} and raised {extra[:10]}"


@pytest.fixture(scope="module")
def district(cdt_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("peers") / "district"
    subprocess.run([cdt_bin, "demo", "generate", "--students", "300", "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def swept(cdt_bin: str, district: Path) -> tuple[Findings, str]:
    return cdt_sweep(cdt_bin, district)


def test_the_planted_cases_produce_the_main_codes(swept: tuple[Findings, str]) -> None:
    found, _ = swept
    codes = {code for code, _ in found}
    assert codes <= COVERED | NOT_COVERED, f"codes the peers do not know: {sorted(codes - COVERED - NOT_COVERED)}"
    assert MAIN <= codes, f"the sweep no longer finds {sorted(MAIN - codes)}"


@pytest.mark.parametrize("name", sorted(PEERS))
def test_a_peer_finds_what_the_sweep_finds(district: Path, swept: tuple[Findings, str], name: str) -> None:
    found, today = swept
    assert_same(name, peer(name, district, today), found)


def test_the_peers_follow_a_changed_platform_copy(
    cdt_bin: str, district: Path, swept: tuple[Findings, str], tmp_path: Path
) -> None:
    """Re-cased emails are no discrepancy for anyone; a renamed student is one for all."""
    copy = tmp_path / "district"
    for part in ("oneroster", "platform-snapshot"):
        shutil.copytree(district / part, copy / part)
    before, _ = swept
    snapshot = copy / "platform-snapshot"

    def upper(row: dict[str, str]) -> dict[str, str]:
        row["email"] = f"  {row['email'].upper()} " if row["email"] else ""
        return row

    rewrite_csv(snapshot / "parents.csv", upper)
    rewrite_csv(snapshot / "students.csv", upper)
    with (snapshot / "students.csv").open(newline="", encoding="utf-8") as f:
        quiet = {sid for code, ids in before for sid in ids}
        target = next(r for r in csv.DictReader(f) if r["sourced_id"] not in quiet and r["status"] == "active")

    def rename(row: dict[str, str]) -> dict[str, str]:
        if row["id"] == target["id"]:
            row["last_name"] = row["last_name"] + "-Renamed"
        return row

    rewrite_csv(snapshot / "students.csv", rename)
    after, today = cdt_sweep(cdt_bin, copy)
    renamed = ("student-field-differs-in-bookmarked", tuple(sorted([target["id"], target["sourced_id"]])))
    assert after == before | {renamed}, sorted(after ^ before)[:10]
    for name in sorted(PEERS):
        assert_same(name, peer(name, copy, today), after)
