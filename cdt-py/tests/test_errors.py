"""The exception hierarchy, and the mapping of every Rust error to it."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

import cdt
from cdt import _cdt
from conftest import rewrite_csv

# variant -> (class, attributes it must carry, builtin it must also be)
MAPPING: dict[str, tuple[type[cdt.CdtError], dict[str, object], type[BaseException] | None]] = {
    "config": (cdt.ConfigurationError, {"path": "settings/x.json", "field": "integration.path"}, None),
    "customer_not_found": (cdt.CustomerNotFoundError, {"customer_id": "x"}, LookupError),
    "input": (cdt.InputError, {"input_name": "parent_email"}, ValueError),
    "unknown_tool": (cdt.UnknownToolError, {"tool_id": "nope"}, LookupError),
    "duplicate_tool": (cdt.PluginError, {"plugin_id": "twice"}, None),
    "data": (cdt.DataError, {"location": "users.csv, row 7, column email"}, ValueError),
    "connector": (cdt.ConnectorError, {"connector": "Bookmarked API (staging)"}, None),
    "secret": (cdt.SecretError, {"reference": "env:CLASSLINK_SECRET"}, None),
    "plugin": (cdt.PluginError, {"plugin_id": "guardian-orphans"}, None),
    "unsupported": (cdt.UnsupportedError, {"what": "the FTP connector"}, NotImplementedError),
    "rate_limited": (cdt.RateLimitedError, {"retry_after": 42}, None),
    "not_found": (cdt.CdtFileNotFoundError, {"filename": "/data/bundle.zip"}, builtins.FileNotFoundError),
    "permission": (cdt.CdtPermissionError, {"filename": "/data/bundle.zip"}, builtins.PermissionError),
    "is_a_directory": (cdt.CdtIsADirectoryError, {"filename": "/data/bundle.zip"}, builtins.IsADirectoryError),
    "not_a_directory": (cdt.CdtNotADirectoryError, {"filename": "/data/bundle.zip"}, builtins.NotADirectoryError),
    "io_other": (cdt.CdtOSError, {"filename": "/data/bundle.zip"}, builtins.OSError),
}


@pytest.mark.parametrize("variant", sorted(MAPPING))
def test_every_error_variant_maps_to_its_class(variant: str) -> None:
    cls, attrs, builtin = MAPPING[variant]
    with pytest.raises(cdt.CdtError) as e:
        _cdt._raise_example_error(variant)
    assert type(e.value) is cls
    for name, value in attrs.items():
        assert getattr(e.value, name) == value
    if builtin is not None:
        assert isinstance(e.value, builtin)
    assert str(e.value)


def test_internal_failures_and_cancellation() -> None:
    with pytest.raises(cdt.CdtError, match="internal error in cdt .*boom.*report"):
        _cdt._raise_example_error("panic")
    import asyncio

    with pytest.raises(asyncio.CancelledError):
        _cdt._raise_example_error("cancelled")
    with pytest.raises(ValueError, match="no example error"):
        _cdt._raise_example_error("nonsense")


def test_hierarchy() -> None:
    for cls in (cdt.ConfigurationError, cdt.ConnectorError, cdt.ValidationError, cdt.PluginError):
        assert issubclass(cls, cdt.CdtError)
    assert issubclass(cdt.CdtError, Exception)
    assert issubclass(cdt.InputError, cdt.ValidationError)
    assert issubclass(cdt.DataError, cdt.ValidationError)
    assert issubclass(cdt.CdtFileNotFoundError, cdt.ConnectorError)
    assert issubclass(cdt.SecretError, cdt.ConfigurationError)
    assert cdt.CdtError.__module__ == "cdt.exceptions"


def test_missing_bundle_is_file_not_found(demo_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.zip"
    with pytest.raises(FileNotFoundError) as e:
        cdt.run("parent-conflicts", source=missing, platform=demo_dir / "platform-snapshot", parent_email="a@b.example")
    assert isinstance(e.value, cdt.ConnectorError)
    assert e.value.filename == str(missing)
    assert e.value.errno == 2
    assert str(e.value) == f"[Errno 2] No such file or directory: '{missing}'"
    with pytest.raises(FileNotFoundError):
        cdt.load_roster(missing)
    with pytest.raises(FileNotFoundError):
        cdt.load_platform(tmp_path / "no-snapshot")


def test_broken_csv_header_is_named_in_the_warnings(demo_copy: Path) -> None:
    # The OneRoster reader validates as it reads: a missing required column is a
    # validation error of the bundle, reported in the result's warnings with the file
    # and the column, not an exception.
    users = demo_copy / "oneroster" / "users.csv"
    text = users.read_text(encoding="utf-8").replace("sourcedId,status", "id,status", 1)
    users.write_text(text, encoding="utf-8")
    r = cdt.run(
        "student-mismatch",
        parent_email="ximena.huaman@andes-mail.example",
        student_name="mateo quispe huaman",
        source=demo_copy / "oneroster",
        platform=demo_copy / "platform-snapshot",
    )
    missing = [w for w in r.warnings if "header.missing_column" in w]
    assert len(missing) == 1, r.warnings
    assert "users.csv" in missing[0] and "sourcedId" in missing[0]
    assert any("validation error(s)" in w for w in r.warnings)


def test_a_row_with_a_bad_value_is_data_or_a_warning(demo_copy: Path) -> None:
    rewrite_csv(demo_copy / "oneroster" / "enrollments.csv", lambda r: {**r, "beginDate": "not-a-date"})
    try:
        roster = cdt.load_roster(demo_copy / "oneroster")
    except cdt.DataError as e:
        assert "enrollments.csv" in e.location
    else:
        # The totals; the findings about each record are named by the results that
        # rely on it.
        assert any("validation error(s)" in w for w in roster.warnings)


def test_a_store_that_is_not_sqlite_is_a_connector_error(demo_dir: Path, tmp_path: Path) -> None:
    fake = tmp_path / "platform.sqlite"
    fake.write_text("this is not a database\n" * 100)
    with pytest.raises(cdt.CdtError) as e:
        cdt.run(
            "parent-conflicts",
            source=demo_dir / "oneroster",
            platform=fake,
            district_id="bm-org-0001",
            parent_email="a@b.example",
        )
    assert isinstance(e.value, (cdt.ConnectorError, cdt.DataError))
    assert "platform.sqlite" in str(e.value)


def test_hostile_zip_is_refused_with_a_clear_error(tmp_path: Path, demo_dir: Path) -> None:
    import zipfile

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("users.csv", b"sourcedId," + b"0" * (50 * 1024 * 1024))
        z.writestr("../../escape.csv", b"x")
    with pytest.raises(cdt.CdtError) as e:
        cdt.load_roster(bomb)
    assert "bomb.zip" in str(e.value)
