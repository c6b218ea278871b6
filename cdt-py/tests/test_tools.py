"""cdt.tools(), cdt.tool(): the registry seen from Python."""

from __future__ import annotations

import pytest

import cdt

BUILTIN = ["campus-transfer", "missing-data", "parent-conflicts", "student-mismatch"]


def test_tools_lists_the_builtins_sorted() -> None:
    ids = [t.id for t in cdt.tools()]
    assert ids == sorted(ids)
    assert set(BUILTIN) <= set(ids)


def test_tool_spec_attributes() -> None:
    t = cdt.tool("student-mismatch")
    assert t.title == "Student mismatch"
    assert "agentSourcedIds" in t.description
    names = [i.name for i in t.inputs]
    assert names == ["parent_email", "student_name"]
    email = t.inputs[0]
    assert (email.kind, email.required) == ("email", True)
    assert email.help
    assert t == cdt.tool("student-mismatch")
    assert t != cdt.tool("missing-data")


def test_optional_inputs_are_marked() -> None:
    t = cdt.tool("missing-data")
    assert {i.name: i.required for i in t.inputs} == {"student_name": False, "class_name": False, "school": False}
    assert "student_name?" in repr(t)


def test_to_dict_is_plain_data() -> None:
    d = cdt.tool("parent-conflicts").to_dict()
    assert d["id"] == "parent-conflicts"
    assert d["inputs"] == [
        {"name": "parent_email", "kind": "email", "required": True, "help": d["inputs"][0]["help"]}
    ]
    assert cdt.tool("parent-conflicts").inputs[0].to_dict() == d["inputs"][0]


def test_unknown_tool_is_a_lookup_error_naming_it() -> None:
    with pytest.raises(cdt.UnknownToolError) as e:
        cdt.tool("no-such-tool")
    assert e.value.tool_id == "no-such-tool"
    assert "no-such-tool" in str(e.value)
    assert isinstance(e.value, LookupError)
    assert isinstance(e.value, ValueError)
    assert isinstance(e.value, cdt.CdtError)


def test_tool_html_is_escaped() -> None:
    html = cdt.tool("student-mismatch")._repr_html_()
    assert "<code>parent_email</code>" in html
    assert "`Ríos, Mateo`" in html
    assert "InputSpec(name=" in repr(cdt.tool("student-mismatch").inputs[0])
