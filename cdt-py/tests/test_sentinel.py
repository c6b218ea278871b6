"""The secret sentinel from Python: secrets planted in the process environment, a
``.env`` file and a settings file are used on error paths (a server that refuses the
token, a database that refuses the password, a literal secret in the settings), and
no planted secret appears in any exception, attribute, representation or result."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import cdt

MARK = "SnTl9f2c41"
ROOT = Path(__file__).resolve().parents[2]


class _Refusing(BaseHTTPRequestHandler):
    """A Bookmarked API that answers every request 401, as the real one does for a
    wrong token."""

    def _refuse(self) -> None:
        body = json.dumps({"error": "unauthorized", "message": "invalid token"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _refuse
    do_POST = _refuse

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture()
def refusing_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _customer(folder: Path, cid: str, env: str, platform: str) -> None:
    (folder / f"{cid}.json").write_text(
        json.dumps(
            {
                "customer_id": cid,
                "customer_name": f"Sentinel {cid}",
                "active": True,
                "integration": {"type": "oneroster_csv", "location": {"kind": "path", "path": str(ROOT / "demo/oneroster")}},
                "bookmarked_environment": env,
                "bookmarked_org_id": "bm-org-0001",
                "platform": {"type": platform},
            }
        )
    )


def _texts(value: object) -> list[str]:
    out = [str(value), repr(value)]
    for attr in ("args", "__dict__", "__notes__"):
        out.append(repr(getattr(value, attr, None)))
    if isinstance(value, BaseException) and value.__cause__ is not None:
        out.extend(_texts(value.__cause__))
    return out


def _assert_clean(value: object, what: str) -> None:
    for text in _texts(value):
        assert MARK not in text, f"{what}: a planted secret appears: {text}"


def test_no_planted_secret_reaches_python(
    tmp_path: Path, refusing_api: str, monkeypatch: pytest.MonkeyPatch, demo_cases: list[dict[str, Any]]
) -> None:
    dotenv = tmp_path / "secrets.env"
    dotenv.write_text(f"CDT_PY_SENT_DB_PW={MARK}-dotenv\n")
    monkeypatch.setenv("CDT_DOTENV", str(dotenv))
    monkeypatch.setenv("CDT_PY_SENT_TOKEN", f"{MARK}-env")
    settings = tmp_path / "settings"
    settings.mkdir()
    (settings / "_environments.json").write_text(
        json.dumps(
            {
                "data_roots": [str(ROOT / "demo")],
                "staging": {"api": {"base_url": refusing_api, "token": "env:CDT_PY_SENT_TOKEN"}},
                "production": {
                    "database": {
                        "host": "127.0.0.1",
                        "database": "cdt_test",
                        "username": "cdt_readonly",
                        "password": "env:CDT_PY_SENT_DB_PW",
                        "ssl_mode": "disable",
                        "connect_timeout_secs": 5,
                    }
                },
            }
        )
    )
    _customer(settings, "api", "staging", "api")
    _customer(settings, "pg", "production", "postgres")
    literal = tmp_path / "literal"
    literal.mkdir()
    (literal / "_environments.json").write_text(
        json.dumps({"staging": {"api": {"base_url": refusing_api, "token": f"{MARK}-literal"}}, "production": {}})
    )
    _customer(literal, "lit", "staging", "api")

    case = next(c for c in demo_cases if c["tool_id"] == "student-mismatch")
    for folder, cid in [(settings, "api"), (settings, "pg"), (literal, "lit")]:
        customer = cdt.load_customer(cid, settings_dir=folder)
        _assert_clean(customer, f"customer {cid}")
        _assert_clean(customer.to_dict(), f"customer {cid} as a dict")
        with pytest.raises(cdt.CdtError) as e:
            cdt.run(case["tool_id"], case["inputs"], customer=cid, settings_dir=folder)
        _assert_clean(e.value, f"the error of a run on {cid}")
    for folder in (settings, literal):
        for c in cdt.customers(folder):
            _assert_clean(c, "a listed customer")
