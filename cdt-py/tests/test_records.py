"""Rosters and platform data as records: dicts, Arrow, pandas, polars."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import cdt


@pytest.fixture(scope="module")
def roster() -> cdt.Roster:
    from conftest import DEMO

    return cdt.load_roster(DEMO / "oneroster")


@pytest.fixture(scope="module")
def platform() -> cdt.Platform:
    from conftest import DEMO

    return cdt.load_platform(DEMO / "platform.sqlite")


def test_roster_tables(roster: cdt.Roster) -> None:
    assert roster.table_names == ["orgs", "users", "classes", "courses", "academic_sessions", "enrollments"]
    sizes = {name: len(t) for name, t in roster.tables().items()}
    assert sizes == {"orgs": 4, "users": 647, "classes": 129, "courses": 116, "academic_sessions": 3, "enrollments": 1705}
    assert roster.version == "1.1"
    assert "demo/oneroster" in roster.description
    assert isinstance(roster.warnings, list)
    assert "647 users" in repr(roster)
    assert roster.users is roster.users  # built once, then cached


def test_platform_tables_match_across_sources(platform: cdt.Platform, demo_dir: Path, settings: Path) -> None:
    snap = cdt.load_platform(demo_dir / "platform-snapshot", "bm-org-0001")
    via_customer = cdt.load_customer("demo-district", settings).platform()
    for name in platform.table_names:
        assert getattr(platform, name).to_dicts() == getattr(snap, name).to_dicts() == getattr(via_customer, name).to_dicts(), name
    assert len(platform.students) == 325
    assert "325 students" in repr(platform)


def test_customer_roster(settings: Path, roster: cdt.Roster) -> None:
    r = cdt.load_customer("demo-district", settings).roster(progress=False)
    assert r.users.to_dicts() == roster.users.to_dicts()


def test_records_are_a_sequence_of_dicts(roster: cdt.Roster) -> None:
    users = roster.users
    assert users.name == "users"
    assert users.columns[0] == "sourced_id"
    first = users[0]
    assert set(first) == set(users.columns)
    assert users[-1] == users.to_dicts()[-1]
    assert [u["sourced_id"] for u in users][:3] == [u["sourced_id"] for u in users.to_dicts()[:3]]
    with pytest.raises(IndexError, match="users: index 647 out of range"):
        users[647]
    with pytest.raises(IndexError):
        users[-648]
    mateo = next(u for u in users if u["sourced_id"] == "demo-stu-mateo")
    assert mateo["agent_sourced_ids"] == ["demo-par-rodrigo"]
    assert "647 rows" in repr(users)


def test_arrow_pycapsule_stream_and_schema(roster: cdt.Roster) -> None:
    pa = pytest.importorskip("pyarrow")
    table = pa.table(roster.users)
    assert table.num_rows == 647
    assert table.column_names == roster.users.columns
    assert table.schema.field("enabled").type == pa.bool_()
    assert table.schema.field("agent_sourced_ids").type == pa.list_(pa.string())
    assert table.to_pylist()[5]["sourced_id"] == roster.users[5]["sourced_id"]
    schema = pa.schema(roster.users)
    assert schema.names == table.column_names
    reader = pa.RecordBatchReader.from_stream(roster.enrollments)
    assert sum(b.num_rows for b in reader) == 1705
    assert roster.users.to_arrow().equals(table)


def test_polars_and_pandas_frames(roster: cdt.Roster, platform: cdt.Platform) -> None:
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    df = roster.users.to_polars()
    assert isinstance(df, pl.DataFrame)
    assert df.height == 647 and df.columns == roster.users.columns
    assert pl.DataFrame(roster.users).equals(df)
    pdf = platform.students.to_pandas()
    assert isinstance(pdf, pd.DataFrame)
    assert list(pdf.columns) == platform.students.columns
    assert len(pdf) == 325


def test_pandas_without_pyarrow(roster: cdt.Roster, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    df = roster.orgs.to_pandas()
    assert list(df["sourced_id"]) == [o["sourced_id"] for o in roster.orgs]


def test_a_missing_frame_library_says_what_to_install(roster: cdt.Roster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ModuleNotFoundError, match="pip install polars"):
        roster.users.to_polars()
    with pytest.raises(ModuleNotFoundError, match="pip install pyarrow"):
        roster.users.to_arrow()
    with pytest.raises(ModuleNotFoundError, match="pip install pandas"):
        roster.users.to_pandas()


def test_empty_tables(platform: cdt.Platform) -> None:
    pa = pytest.importorskip("pyarrow")
    empty = cdt.findings_table([])
    assert len(empty) == 0 and empty.to_dicts() == []
    t = pa.table(empty)
    assert t.num_rows == 0 and t.column_names == empty.columns


def test_findings_table(settings: Path, demo_cases: list[dict[str, object]]) -> None:
    demo = cdt.load_customer("demo-district", settings)
    results = [demo.run(c["tool_id"], c["inputs"]) for c in demo_cases[:6]]  # type: ignore[arg-type]
    table = cdt.findings_table(results)
    assert len(table) == sum(len(r.findings) for r in results)
    assert table.columns == ["tool_id", "customer_id", "status", "code", "severity", "system", "message", "record_ids"]
    row = table[0]
    assert row["tool_id"] == results[0].tool_id and row["code"] == results[0].findings[0].code
    with pytest.raises(TypeError, match="DiagnosticResult"):
        cdt.findings_table(["not a result"])  # type: ignore[list-item]
    pl = pytest.importorskip("polars")
    df = table.to_polars()
    assert df.schema["record_ids"] == pl.List(pl.String)
