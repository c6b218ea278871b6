"""Customers: listing, loading, settings errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cdt


def test_customer_ids(settings: Path) -> None:
    ids = cdt.customer_ids(settings)
    assert "demo-district" in ids
    assert ids == sorted(ids)


def test_load_customer_attributes(settings: Path) -> None:
    c = cdt.load_customer("demo-district", settings)
    assert c.id == "demo-district"
    assert c.name == "Demo Unified School District"
    assert c.active is True
    assert c.environment == "staging"
    assert c.bookmarked_org_id == "bm-org-0001"
    assert c.integration == "OneRoster CSV"
    assert "demo-district" in repr(c)
    d = c.to_dict()
    assert d["customer_id"] == "demo-district"
    assert d["platform"]["type"] == "embedded"


def test_settings_dir_from_environment(settings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDT_SETTINGS_DIR", str(settings))
    monkeypatch.chdir(settings.parent.parent)
    assert cdt.settings_dir() == settings
    assert cdt.load_customer("demo-district").id == "demo-district"
    assert cdt.settings_dir("elsewhere") == Path("elsewhere")


def test_customers_skips_an_invalid_file_with_a_warning(settings: Path, tmp_path: Path) -> None:
    shutil.copy(settings / "demo-district.json", tmp_path / "demo-district.json")
    (tmp_path / "broken.json").write_text('{"customer_id": "broken"}')
    with pytest.warns(cdt.CdtWarning, match="broken"):
        found = cdt.customers(tmp_path)
    assert [c.id for c in found] == ["demo-district"]


def test_missing_customer_is_a_lookup_error(settings: Path) -> None:
    with pytest.raises(cdt.CustomerNotFoundError) as e:
        cdt.load_customer("no-such-district", settings)
    assert e.value.customer_id == "no-such-district"
    assert e.value.path.endswith("no-such-district.json")
    assert isinstance(e.value, LookupError)
    assert isinstance(e.value, cdt.ConfigurationError)


def test_invalid_settings_name_the_file_and_field(settings: Path, tmp_path: Path) -> None:
    data = json.loads((settings / "demo-district.json").read_text())
    data["bookmarked_environment"] = "moon"
    (tmp_path / "demo-district.json").write_text(json.dumps(data))
    with pytest.raises(cdt.ConfigurationError) as e:
        cdt.load_customer("demo-district", tmp_path)
    assert e.value.path.endswith("demo-district.json")
    assert e.value.field == "bookmarked_environment"
    assert "demo-district.json" in str(e.value)


def test_hostile_customer_id_is_refused(settings: Path) -> None:
    with pytest.raises(cdt.InputError) as e:
        cdt.load_customer("../../etc/passwd", settings)
    assert e.value.input_name == "customer"
    assert "letters, digits" in str(e.value)


def test_a_drop_customer_names_its_missing_secret(settings: Path, tmp_path: Path) -> None:
    data = json.loads((settings / "demo-district.json").read_text())
    data["integration"] = {
        "type": "oneroster_csv",
        "location": {
            "kind": "ftp",
            "host": "127.0.0.1",
            "username": "u",
            "password": "env:CDT_TEST_NOPE",
            "remote_path": "/roster.zip",
        },
    }
    data["platform"] = {"type": "embedded", "path": "platform.sqlite"}
    shutil.copy(settings.parent / "demo" / "platform.sqlite", tmp_path / "platform.sqlite")
    (tmp_path / "demo-district.json").write_text(json.dumps(data))
    c = cdt.load_customer("demo-district", tmp_path)
    assert c.integration == "OneRoster CSV"
    with pytest.raises(cdt.SecretError) as e:
        c.run("parent-conflicts", parent_email="a@b.example", fresh=True)
    assert "env:CDT_TEST_NOPE" in str(e.value)
