"""cdt.triage(): a ticket in, the choices with their reasons, the diagnosis and the note."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cdt

ROOT = Path(__file__).resolve().parents[2]
TICKETS = ROOT / "tests" / "fixtures" / "tickets"


def _demo_case_tickets() -> list[dict[str, Any]]:
    out = []
    for path in sorted(TICKETS.glob("*.json")):
        ticket = json.loads(path.read_text())
        if "demo_case" in ticket["expect"]:
            out.append(ticket)
    return out


def test_demo_case_tickets_get_the_cases_tool_and_status(settings: Path) -> None:
    tickets = _demo_case_tickets()
    assert len(tickets) == 34
    for ticket in tickets:
        expect = ticket["expect"]
        fields = {k: ticket[k] for k in ("subject", "content", "company", "contact_email")}
        out = cdt.triage(fields, settings_dir=settings)
        result = out["result"]
        assert isinstance(result, cdt.DiagnosticResult), out["held"]
        assert result.tool_id == expect["tool"]
        assert result.status == expect["status"], result.to_text()
        assert out["understanding"]["tool"]["value"] == expect["tool"]
        assert out["customer"]["value"] == "demo-district"
        assert expect["status"] in out["note_html"]


def test_a_ticket_about_none_of_the_tools_is_held() -> None:
    out = cdt.triage(
        {"subject": "Invoice for next year", "content": "Hi, can you send the invoice and the renewal pricing? Thanks", "company": "Demo Unified School District"},
        settings_dir=ROOT / "customer-integration-settings",
    )
    assert out["result"] is None
    assert out["note_html"] is None
    assert out["understanding"]["tool"] is None
    assert "no diagnostic" in out["held"]


def test_a_ticket_that_is_not_a_mapping_of_strings_is_an_input_error() -> None:
    with pytest.raises(cdt.InputError, match="ticket"):
        cdt.triage({"subject": 3}, settings_dir=ROOT / "customer-integration-settings")  # type: ignore[dict-item]


def test_a_hubspot_ticket_without_hubspot_settings_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "_hubspot.json"
    with pytest.raises(cdt.CdtError, match="_hubspot.json"):
        cdt.triage("12345", settings_dir=ROOT / "customer-integration-settings", hubspot_settings=missing)


def test_post_needs_a_hubspot_ticket() -> None:
    with pytest.raises(TypeError, match="HubSpot ticket"):
        cdt.triage({"subject": "s", "content": "c"}, settings_dir=ROOT / "customer-integration-settings", post=True)
