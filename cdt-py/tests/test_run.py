"""cdt.run() and Customer.run(): every demo case, on a customer and on files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import cdt

XIMENA = {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['tool_id']}-{case['expected_status']}-" + "-".join(case["inputs"].values())


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        from conftest import DEMO

        cases = json.loads((DEMO / "cases.json").read_text())
        metafunc.parametrize("case", cases, ids=[_case_id(c) for c in cases])


def test_every_demo_case_on_the_customer(case: dict[str, Any], settings: Path) -> None:
    r = cdt.run(case["tool_id"], case["inputs"], customer="demo-district", settings_dir=settings)
    assert r.status == case["expected_status"], r.to_text()
    assert r.tool_id == case["tool_id"]
    assert r.customer_id == "demo-district"
    assert r.needs_action is (r.status != "NO_ISSUE")


def test_demo_cases_agree_on_files_and_customer(demo_cases: list[dict[str, Any]], demo_dir: Path, settings: Path) -> None:
    demo = cdt.load_customer("demo-district", settings)
    for case in demo_cases:
        on_customer = demo.run(case["tool_id"], case["inputs"])
        on_snapshot = cdt.run(
            case["tool_id"], case["inputs"], source=demo_dir / "oneroster", platform=demo_dir / "platform-snapshot"
        )
        on_store = cdt.run(
            case["tool_id"], case["inputs"], source=str(demo_dir / "oneroster"), platform=str(demo_dir / "platform.sqlite")
        )
        assert on_snapshot.customer_id is None
        for r in (on_snapshot, on_store):
            assert (r.status, r.findings, r.remediation) == (on_customer.status, on_customer.findings, on_customer.remediation)


def test_result_attributes_are_typed(settings: Path) -> None:
    r = cdt.run("student-mismatch", XIMENA, customer="demo-district", settings_dir=settings, ticket="HS-42")
    assert r.status == "ISSUE_IN_SOURCE"
    assert r.tool_name == "Student mismatch"
    assert r.inputs == XIMENA
    assert r.hubspot_ticket_id == "HS-42"
    assert isinstance(r.timestamp, dt.datetime) and r.timestamp.tzinfo is not None
    assert abs((dt.datetime.now(dt.timezone.utc) - r.timestamp).total_seconds()) < 3600
    assert "Ximena" in r.summary
    (f,) = r.findings
    assert f.code == "parent-student-link-missing-in-source"
    assert (f.severity, f.system) == ("error", "sis")
    assert f.record_ids == ["demo-par-ximena", "demo-stu-mateo"]
    assert f.to_dict()["code"] == f.code
    (step,) = r.remediation
    assert step.system == "sis"
    assert step.field == "agentSourcedIds"
    assert "demo-stu-mateo" in step.record_ids
    assert step.action in str(step)
    assert step.to_dict()["field"] == "agentSourcedIds"
    assert r.source_data["student"]["sourcedId"] == "demo-stu-mateo"
    assert r.bookmarked_data["district_id"] == "bm-org-0001"
    assert r.comparison["parents"][0]["linked_in_sis"] is False
    # The demo bundle carries two planted lifecycle warnings, summarised first.
    assert r.warnings[0].startswith("the OneRoster bundle has 0 validation error(s) and 2 warning(s)")
    assert all(isinstance(w, str) for w in r.warnings)


def test_serialisations(settings: Path) -> None:
    r = cdt.load_customer("demo-district", settings).run("student-mismatch", XIMENA)
    d = r.to_dict()
    assert d == json.loads(r.to_json())
    assert d["status"] == "ISSUE_IN_SOURCE"
    assert "\n" not in r.to_json(indent=None)
    assert r.to_json(indent=4).startswith('{\n    "tool_id"')
    back = cdt.DiagnosticResult.from_json(r.to_json())
    assert back == r
    assert back != cdt.DiagnosticResult.from_json(r.to_json().replace("ISSUE_IN_SOURCE", "NO_ISSUE"))
    assert "status: ISSUE_IN_SOURCE" in r.to_text() == str(r)
    hub = r.to_hubspot_comment()
    assert hub.startswith("<p><strong>cdt · Student mismatch</strong>")
    assert "ISSUE_IN_SOURCE" in repr(r)


def test_from_json_rejects_garbage_naming_the_place() -> None:
    with pytest.raises(cdt.DataError) as e:
        cdt.DiagnosticResult.from_json('{"tool_id": 3}')
    assert "line 1" in e.value.location


def test_inputs_as_mapping_and_keywords_merge(settings: Path) -> None:
    r = cdt.run(
        "student-mismatch",
        {"parent_email": XIMENA["parent_email"]},
        customer="demo-district",
        settings_dir=settings,
        student_name=XIMENA["student_name"],
    )
    assert r.status == "ISSUE_IN_SOURCE"


def test_none_inputs_are_left_out(settings: Path) -> None:
    r = cdt.run(
        "missing-data",
        customer="demo-district",
        settings_dir=settings,
        student_name="Zebulon Quartermaine-Ashdown",
        school=None,
    )
    assert r.inputs == {"student_name": "Zebulon Quartermaine-Ashdown"}
    assert r.status == "NOT_FOUND"


def test_input_errors_are_raised_at_once(settings: Path) -> None:
    demo = cdt.load_customer("demo-district", settings)
    with pytest.raises(cdt.InputError) as e:
        demo.run("student-mismatch", parent_email="not-an-email", student_name="x")
    assert e.value.input_name == "parent_email"
    assert isinstance(e.value, ValueError)
    with pytest.raises(cdt.InputError, match="student_name"):
        demo.run("student-mismatch", parent_email="a@b.example")
    with pytest.raises(cdt.InputError, match="colour"):
        demo.start_run("parent-conflicts", parent_email="a@b.example", colour="blue")
    with pytest.raises(cdt.InputError, match="must be a string, not int"):
        demo.run("parent-conflicts", parent_email=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="input names must be strings"):
        demo.run("parent-conflicts", {1: "a@b.example"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="mapping"):
        demo.run("parent-conflicts", ["parent_email"])  # type: ignore[arg-type]
    with pytest.raises(cdt.UnknownToolError):
        demo.run("no-such-tool")


def test_run_takes_a_customer_object(settings: Path) -> None:
    demo = cdt.load_customer("demo-district", settings)
    r = cdt.run("parent-conflicts", customer=demo, parent_email="pereira.lund.family@nordmail.example")
    assert r.status == "ISSUE_IN_SOURCE"
    assert r.customer_id == "demo-district"


def test_run_needs_one_target(demo_dir: Path) -> None:
    with pytest.raises(TypeError, match="customer="):
        cdt.run("parent-conflicts", parent_email="a@b.example")
    with pytest.raises(TypeError, match="not both"):
        cdt.run("parent-conflicts", customer="demo-district", source=demo_dir, parent_email="a@b.example")
    with pytest.raises(TypeError):
        cdt.run("parent-conflicts", source=demo_dir / "oneroster", parent_email="a@b.example")


def test_district_id_is_needed_when_the_data_holds_several(demo_copy: Path, demo_dir: Path) -> None:
    snap = demo_copy / "platform-snapshot"
    with (snap / "organizations.csv").open("a", encoding="utf-8") as f:
        f.write("bm-org-9999,other-district-sid,Other District,district,\n")
    with pytest.raises(cdt.InputError) as e:
        cdt.run("parent-conflicts", source=demo_copy / "oneroster", platform=snap, parent_email="a@b.example")
    assert e.value.input_name == "district_id"
    assert "bm-org-0001" in str(e.value) and "bm-org-9999" in str(e.value)
    r = cdt.run(
        "parent-conflicts",
        source=demo_copy / "oneroster",
        platform=snap,
        district_id="bm-org-0001",
        parent_email="oyelaran.home@naija-mail.example",
    )
    assert r.status == "ISSUE_IN_BOTH"


def test_inactive_customer_runs_with_a_warning(settings: Path, tmp_path: Path, demo_dir: Path) -> None:
    data = json.loads((settings / "demo-district.json").read_text())
    data["active"] = False
    data["integration"]["location"]["path"] = str(demo_dir / "oneroster")
    data["platform"]["path"] = str(demo_dir / "platform.sqlite")
    (tmp_path / "demo-district.json").write_text(json.dumps(data))
    # Paths outside the settings folder need the administrator's data_roots.
    (tmp_path / "_environments.json").write_text(
        json.dumps({"data_roots": [str(demo_dir)], "staging": {}, "production": {}})
    )
    r = cdt.load_customer("demo-district", tmp_path).run("parent-conflicts", parent_email="nobody.here@unknown-family.example")
    assert r.status == "NOT_FOUND"
    assert any("inactive" in w for w in r.warnings)
