"""The native part of cdt (``cdt._cdt``). Import :mod:`cdt`, not this module."""

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal, final

from typing_extensions import CapsuleType

__version__: str

__all__ = [
    "Customer",
    "DiagnosticResult",
    "Finding",
    "InputSpec",
    "Job",
    "Platform",
    "Records",
    "Remediation",
    "Roster",
    "ToolSpec",
    "__version__",
    "_raise_example_error",
    "customer_ids",
    "findings_table",
    "load_customer",
    "load_plugins",
    "set_query_budget",
    "start_load_platform",
    "start_load_roster",
    "start_run",
    "start_sweep",
    "start_triage",
    "tool",
    "tools",
]

_Path = str | os.PathLike[str]
_Progress = bool | Callable[[str, int, int], object] | None
_Status = Literal["NO_ISSUE", "ISSUE_IN_SOURCE", "ISSUE_IN_BOOKMARKED", "ISSUE_IN_BOTH", "NOT_FOUND", "AMBIGUOUS"]
_System = Literal["sis", "bookmarked", "support"]

@final
class InputSpec:
    """One input of a tool."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> Literal["text", "email"]: ...
    @property
    def required(self) -> bool: ...
    @property
    def help(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class ToolSpec:
    """A diagnostic: its stable id, title, description and inputs."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def inputs(self) -> list[InputSpec]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...

def tools() -> list[ToolSpec]:
    """Every tool that can run, sorted by id."""

def load_plugins(dir: _Path) -> list[str]:
    """Loads every WASM plugin in ``dir`` into the registry; returns their ids, sorted.
    Raises ``PluginError`` (and loads none) when any cannot be loaded."""

def tool(tool_id: str) -> ToolSpec:
    """The tool with this id; raises ``UnknownToolError``."""

@final
class Finding:
    """One fact a diagnostic established."""

    @property
    def code(self) -> str: ...
    @property
    def severity(self) -> Literal["info", "warning", "error"]: ...
    @property
    def system(self) -> _System: ...
    @property
    def message(self) -> str: ...
    @property
    def record_ids(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Remediation:
    """One concrete step to fix the problem."""

    @property
    def system(self) -> _System: ...
    @property
    def action(self) -> str: ...
    @property
    def record_ids(self) -> list[str]: ...
    @property
    def field(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class DiagnosticResult:
    """The result of one diagnostic."""

    @staticmethod
    def from_json(text: str) -> DiagnosticResult: ...
    @property
    def tool_id(self) -> str: ...
    @property
    def tool_name(self) -> str: ...
    @property
    def customer_id(self) -> str | None: ...
    @property
    def timestamp(self) -> datetime: ...
    @property
    def inputs(self) -> dict[str, str]: ...
    @property
    def status(self) -> _Status: ...
    @property
    def needs_action(self) -> bool: ...
    @property
    def summary(self) -> str: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def source_data(self) -> Any: ...
    @property
    def bookmarked_data(self) -> Any: ...
    @property
    def comparison(self) -> Any: ...
    @property
    def remediation(self) -> list[Remediation]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def hubspot_ticket_id(self) -> str | None: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self, indent: int | None = 2) -> str: ...
    def to_hubspot_comment(self) -> str: ...
    def to_text(self) -> str: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class Records:
    """A table of records: a sequence of dicts that also speaks Arrow."""

    @property
    def name(self) -> str: ...
    @property
    def columns(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> dict[str, Any]: ...
    def __iter__(self) -> Iterator[dict[str, Any]]: ...
    def to_dicts(self) -> list[dict[str, Any]]: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def to_arrow(self) -> Any: ...
    def __arrow_c_schema__(self) -> CapsuleType: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> CapsuleType: ...
    def _repr_html_(self) -> str: ...

@final
class Roster:
    """A district's SIS roster as tables of records."""

    @property
    def orgs(self) -> Records: ...
    @property
    def users(self) -> Records: ...
    @property
    def classes(self) -> Records: ...
    @property
    def courses(self) -> Records: ...
    @property
    def academic_sessions(self) -> Records: ...
    @property
    def enrollments(self) -> Records: ...
    @property
    def table_names(self) -> list[str]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def version(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    def tables(self) -> dict[str, Records]: ...
    def _repr_html_(self) -> str: ...

@final
class Platform:
    """The platform's copy of one district as tables of records."""

    @property
    def organizations(self) -> Records: ...
    @property
    def students(self) -> Records: ...
    @property
    def parents(self) -> Records: ...
    @property
    def parent_students(self) -> Records: ...
    @property
    def classes(self) -> Records: ...
    @property
    def enrollments(self) -> Records: ...
    @property
    def import_runs(self) -> Records: ...
    @property
    def import_errors(self) -> Records: ...
    @property
    def table_names(self) -> list[str]: ...
    def tables(self) -> dict[str, Records]: ...
    def _repr_html_(self) -> str: ...

def findings_table(results: Iterable[DiagnosticResult]) -> Records:
    """The findings of several results as one table, a row per finding."""

@final
class Job:
    """A call running in the background: a diagnostic or a load."""

    @property
    def label(self) -> str: ...
    def done(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...
    def join(self, progress: _Progress = None) -> Any: ...
    def result(self) -> Any: ...
    def cancel(self) -> bool: ...
    def add_done_callback(self, callback: Callable[[], object]) -> None: ...
    def progress(self) -> tuple[str, int, int]: ...

@final
class Customer:
    """A district's integration settings."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def environment(self) -> str: ...
    @property
    def bookmarked_org_id(self) -> str: ...
    @property
    def integration(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def start_run(
        self,
        tool_id: str,
        inputs: Mapping[str, str | None] | None = None,
        *,
        ticket: str | None = None,
        fresh: bool = False,
        **kwargs: str | None,
    ) -> Job: ...
    def run(
        self,
        tool_id: str,
        inputs: Mapping[str, str | None] | None = None,
        *,
        ticket: str | None = None,
        fresh: bool = False,
        progress: _Progress = None,
        **kwargs: str | None,
    ) -> DiagnosticResult: ...
    async def run_async(
        self,
        tool_id: str,
        inputs: Mapping[str, str | None] | None = None,
        *,
        ticket: str | None = None,
        fresh: bool = False,
        **kwargs: str | None,
    ) -> DiagnosticResult: ...
    def roster(self, *, progress: _Progress = None) -> Roster: ...
    def platform(self, *, progress: _Progress = None) -> Platform: ...

def customer_ids(settings_dir: _Path) -> list[str]:
    """The customer ids in a settings folder, sorted."""

def load_customer(settings_dir: _Path, customer_id: str) -> Customer:
    """Loads ``<settings_dir>/<customer_id>.json``."""

def start_run(
    tool_id: str,
    inputs: Mapping[str, str | None] | None = None,
    *,
    source: _Path,
    platform: _Path,
    district_id: str | None = None,
    ticket: str | None = None,
    **kwargs: str | None,
) -> Job:
    """Starts a diagnostic on files."""

def set_query_budget(username: str | None, *, database_url: str | None = None) -> None:
    """Charges later runs' platform queries to a service user's budget."""

def start_sweep(
    settings_dir: _Path,
    *,
    customer_id: str | None = None,
    source: _Path | None = None,
    platform: _Path | None = None,
    district_id: str | None = None,
    threads: int = 0,
) -> Job:
    """Starts a sweep of a district."""

def start_triage(
    ticket: Mapping[str, str | None] | str,
    settings_dir: _Path,
    *,
    customer: str | None = None,
    tool: str | None = None,
    inputs: Mapping[str, str | None] | None = None,
    confirmed: bool = False,
    hubspot_settings: _Path | None = None,
    post: bool = False,
    stage: str | None = None,
) -> Job:
    """Starts a triage of a ticket."""

def start_load_roster(source: _Path) -> Job:
    """Starts reading a OneRoster bundle."""

def start_load_platform(platform: _Path, district_id: str | None = None) -> Job:
    """Starts reading a platform snapshot folder or embedded store."""

def _raise_example_error(variant: str) -> None:
    """Raises the exception mapped from an example of an error variant (for tests)."""
