"""cdt.set_query_budget(): runs charge a service user's platform queries in the
service's application database, the budget `cdt serve` and `cdt run --as` share."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import cdt

ARGS = {"parent_email": "ximena.huaman@andes-mail.example", "student_name": "mateo quispe huaman"}


@pytest.fixture
def database(tmp_path: Path, cdt_bin: str) -> Iterator[str]:
    url = f"sqlite://{tmp_path / 'service.sqlite'}"
    env = {**os.environ, "CDT_DATABASE_URL": url}
    subprocess.run([cdt_bin, "users", "add", "sam", "--role", "support"], check=True, env=env, capture_output=True)
    yield url
    cdt.set_query_budget(None)


def test_runs_charge_the_users_budget_until_it_is_spent(database: str, settings: Path) -> None:
    cdt.set_query_budget("sam", database_url=database)
    done = 0
    with pytest.raises(cdt.RateLimitedError) as e:
        for _ in range(150):
            cdt.run("student-mismatch", ARGS, customer="demo-district", settings_dir=settings)
            done += 1
    assert done == 100, "one platform query a run, 100 a minute"
    assert 1 <= e.value.retry_after <= 60
    assert "100 platform queries a minute" in str(e.value)
    # Without a budget the runs are not counted.
    cdt.set_query_budget(None)
    assert cdt.run("student-mismatch", ARGS, customer="demo-district", settings_dir=settings).status == "ISSUE_IN_SOURCE"


def test_an_unknown_user_is_an_input_error(database: str) -> None:
    with pytest.raises(cdt.InputError, match="no enabled user `nobody`"):
        cdt.set_query_budget("nobody", database_url=database)
