"""The async variants, and the sync API inside a running event loop (as in Jupyter)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import cdt


def test_run_async(settings: Path) -> None:
    async def main() -> cdt.DiagnosticResult:
        return await cdt.run_async(
            "parent-conflicts", customer="demo-district", settings_dir=settings, parent_email="oyelaran.home@naija-mail.example"
        )

    assert asyncio.run(main()).status == "ISSUE_IN_BOTH"


def test_many_at_once(settings: Path, demo_cases: list[dict[str, object]]) -> None:
    demo = cdt.load_customer("demo-district", settings)

    async def main() -> list[cdt.DiagnosticResult]:
        return await asyncio.gather(*(demo.run_async(c["tool_id"], c["inputs"]) for c in demo_cases))  # type: ignore[arg-type]

    results = asyncio.run(main())
    assert [r.status for r in results] == [c["expected_status"] for c in demo_cases]


def test_sync_api_inside_a_running_loop(settings: Path) -> None:
    """Jupyter runs an event loop; the blocking API must not need one of its own."""

    async def main() -> str:
        asyncio.get_running_loop()
        return cdt.run(
            "parent-conflicts", customer="demo-district", settings_dir=settings, parent_email="nobody.here@unknown-family.example"
        ).status

    assert asyncio.run(main()) == "NOT_FOUND"


def test_errors_come_through_await(demo_dir: Path, tmp_path: Path) -> None:
    async def main() -> None:
        await cdt.run_async(
            "parent-conflicts", source=tmp_path / "missing", platform=demo_dir / "platform-snapshot", parent_email="a@b.example"
        )

    with pytest.raises(FileNotFoundError):
        asyncio.run(main())


def test_cancelling_the_task_cancels_the_job(fifo_bundle: Path, demo_dir: Path) -> None:
    async def main() -> None:
        task = asyncio.ensure_future(
            cdt.run_async(
                "parent-conflicts",
                source=fifo_bundle,
                platform=demo_dir / "platform-snapshot",
                district_id="bm-org-0001",
                parent_email="a@b.example",
            )
        )
        await asyncio.sleep(0.2)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_load_async(demo_dir: Path) -> None:
    async def main() -> tuple[cdt.Roster, cdt.Platform]:
        return await asyncio.gather(
            cdt.load_roster_async(demo_dir / "oneroster"), cdt.load_platform_async(demo_dir / "platform.sqlite")
        )

    roster, platform = asyncio.run(main())
    assert len(roster.users) == 647
    assert len(platform.students) == 325
