"""Notebook HTML: rich, and every value escaped (roster names are untrusted)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import cdt
from conftest import rewrite_csv

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _assert_inert(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    # Tags in the output are only our own.
    tags = set(re.findall(r"</?([a-zA-Z]+)", html))
    assert tags <= {"style", "div", "p", "b", "br", "i", "code", "span", "small", "table", "tr", "th", "td",
                    "details", "summary", "pre", "ol", "ul", "li", "strong"}, tags


def test_result_html_shows_status_findings_differences_and_remediation(settings: Path) -> None:
    r = cdt.run(
        "student-mismatch",
        customer="demo-district",
        settings_dir=settings,
        parent_email="ximena.huaman@andes-mail.example",
        student_name="mateo quispe huaman",
    )
    html = r._repr_html_()
    _assert_inert(html)
    assert "ISSUE_IN_SOURCE" in html
    assert "parent-student-link-missing-in-source" in html
    assert "<th>SIS</th><th>Bookmarked</th>" in html
    assert "Remediation" in html and "<ol><li>" in html
    assert "Ximena Huamán" in html


def test_hostile_names_in_the_data_are_escaped(demo_copy: Path) -> None:
    def poison(row: dict[str, str]) -> dict[str, str]:
        if row["sourcedId"] == "demo-stu-mateo":
            row["givenName"] = HOSTILE
        return row

    rewrite_csv(demo_copy / "oneroster" / "users.csv", poison)
    roster = cdt.load_roster(demo_copy / "oneroster")
    html = roster.users._repr_html_()
    mateo_row = next(u for u in roster.users if u["sourced_id"] == "demo-stu-mateo")
    assert mateo_row["given_name"] == HOSTILE
    _assert_inert(html)
    r = cdt.run(
        "student-mismatch",
        source=demo_copy / "oneroster",
        platform=demo_copy / "platform-snapshot",
        parent_email="ximena.huaman@andes-mail.example",
        student_name="demo-stu-mateo",
    )
    assert HOSTILE in r.summary
    html = r._repr_html_()
    _assert_inert(html)
    assert "&lt;script&gt;" in html
    _assert_inert(r.to_hubspot_comment())


def test_every_field_of_a_result_is_escaped(settings: Path) -> None:
    r = cdt.run("parent-conflicts", customer="demo-district", settings_dir=settings, parent_email="oyelaran.home@naija-mail.example")
    d = r.to_dict()

    def poison(v: object) -> object:
        if isinstance(v, str):
            return HOSTILE
        if isinstance(v, list):
            return [poison(i) for i in v]
        if isinstance(v, dict):
            return {HOSTILE + k: poison(i) for k, i in v.items()}
        return v

    for key in ("tool_name", "tool_id", "summary", "customer_id", "hubspot_ticket_id"):
        d[key] = HOSTILE
    for key in ("source_data", "bookmarked_data", "comparison", "warnings", "inputs"):
        d[key] = poison(d[key])
    for f in d["findings"]:
        f.update(code=HOSTILE, message=HOSTILE, record_ids=[HOSTILE])
    for s in d["remediation"]:
        s.update(action=HOSTILE, record_ids=[HOSTILE], field=HOSTILE)
    d["comparison"][HOSTILE] = {"sis_email": HOSTILE, "bookmarked_email": "x", "name": HOSTILE}
    hostile = cdt.DiagnosticResult.from_json(json.dumps(d))
    html = hostile._repr_html_()
    _assert_inert(html)
    assert html.count("&lt;script&gt;") >= 10

def test_records_are_matched_across_the_sides_with_differences_highlighted(settings: Path) -> None:
    r = cdt.run(
        "student-mismatch",
        customer="demo-district",
        settings_dir=settings,
        parent_email="marguerite.la@norrsken.example",
        student_name="Soren Lindqvist-Amadi",
    )
    html = r._repr_html_()
    _assert_inert(html)
    assert "Records on both sides" in html
    # Sören's row: the name Bookmarked misspells is highlighted on both sides, once each.
    row = html[html.index("demo-stu-soren</code>"):]
    row = row[: row.index("</tr>")]
    assert row.count('<div class="cdt-diff"><span class="cdt-k">name</span>') == 2
    assert "Lindqvist-Amaid" in row and "Lindqvist-Amadi" in row
    # The findings come before the records.
    assert html.index("student-field-differs-in-bookmarked") < html.index("Records on both sides")


def test_tables_html(settings: Path) -> None:
    platform = cdt.load_customer("demo-district", settings).platform()
    html = platform._repr_html_()
    _assert_inert(html)
    assert "<th>students</th><td>325</td>" in html
    html = platform.students._repr_html_()
    _assert_inert(html)
    assert "… 305 more rows" in html
