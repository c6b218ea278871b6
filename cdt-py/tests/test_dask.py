"""cdt.dask.sweep_customers(): a fleet of generated districts swept on a real Dask
LocalCluster with two worker processes, equal to sequential sweeps, with a broken
district reported without losing the others."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

import cdt

distributed = pytest.importorskip("distributed", reason="pip install distributed (the [dask] extra)")

SEEDS = (11, 22, 33)


@pytest.fixture(scope="module")
def fleet_settings(tmp_path_factory: pytest.TempPathFactory, cdt_bin: str) -> Path:
    """A settings folder with three generated districts (their data inside it) and one
    customer whose bundle is missing."""
    root = tmp_path_factory.mktemp("fleet")
    exe = cdt_bin
    for seed in SEEDS:
        out = root / f"district-{seed}"
        subprocess.run(
            [exe, "demo", "generate", "--students", "120", "--seed", str(seed), "--out", str(out)],
            check=True,
            capture_output=True,
        )
        (root / f"district-{seed}.json").write_text(json.dumps(_customer(f"district-{seed}", f"district-{seed}")))
    (root / "broken.json").write_text(json.dumps(_customer("broken", "no-such-district")))
    return root


def _customer(cid: str, folder: str) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "customer_name": f"Generated {cid}",
        "active": True,
        "integration": {"type": "oneroster_csv", "location": {"kind": "path", "path": f"{folder}/oneroster"}},
        "bookmarked_environment": "staging",
        "bookmarked_org_id": "bm-org-0001",
        "platform": {"type": "embedded", "path": f"{folder}/platform.sqlite"},
    }


def test_a_fleet_on_two_worker_processes_equals_sequential_sweeps(fleet_settings: Path) -> None:
    import cdt.dask

    ids = [f"district-{s}" for s in SEEDS] + ["broken"]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        fleet = cdt.dask.sweep_customers(client, ids, settings_dir=fleet_settings, progress=False)
        # The cluster has its two worker processes (which tasks ran where is not asserted).
        assert len(client.scheduler_info()["workers"]) == 2

    assert [d["customer_id"] for d in fleet["districts"]] == ids
    assert fleet["totals"]["districts"] == 4
    assert fleet["totals"]["swept"] == 3 and fleet["totals"]["failed"] == 1
    (failure,) = fleet["failures"]
    assert failure["customer_id"] == "broken"
    assert failure["type"] == "ConnectorError", failure  # its embedded store is missing
    assert "no-such-district" in failure["message"]

    by_code: dict[str, int] = {}
    for cid in ids[:3]:
        sequential = cdt.sweep(cid, settings_dir=fleet_settings)
        distributed_report = fleet["reports"][cid]
        assert distributed_report["findings"] == sequential["findings"], cid
        assert distributed_report["by_code"] == sequential["by_code"], cid
        assert distributed_report["cases"] == sequential["cases"], cid
        for row in sequential["by_code"]:
            by_code[row["key"]] = by_code.get(row["key"], 0) + row["count"]
    assert {r["key"]: r["count"] for r in fleet["totals"]["by_code"]} == by_code
    assert fleet["totals"]["findings"] == sum(len(fleet["reports"][c]["findings"]) for c in ids[:3]) > 0
    # Districts generated from different seeds differ.
    assert fleet["reports"]["district-11"]["findings"] != fleet["reports"]["district-22"]["findings"]


def test_a_district_that_fails_is_a_row_not_an_exception(fleet_settings: Path) -> None:
    import cdt.dask

    out = cdt.dask.sweep_one("broken", str(fleet_settings))
    assert out["ok"] is False and out["error"]["type"] == "ConnectorError"
    out = cdt.dask.sweep_one("district-11", str(fleet_settings))
    assert out["ok"] is True and out["report"]["cases"] > 0
