"""cdt: why a school district's roster differs between its SIS and Bookmarked, and what to do.

>>> import cdt
>>> [t.id for t in cdt.tools()]                       # doctest: +SKIP
['campus-transfer', 'missing-data', 'parent-conflicts', 'student-mismatch']
>>> demo = cdt.load_customer("demo-district")         # doctest: +SKIP
>>> r = demo.run("parent-conflicts", parent_email="HANA.TM@famille-moreau.example")  # doctest: +SKIP
>>> r.status                                          # doctest: +SKIP
'NO_ISSUE'

Every call that reads data runs on cdt's own threads with the GIL released; Ctrl-C
(or a notebook's "interrupt kernel") stops it. Long calls show a progress bar when
tqdm is installed (``cdt.set_progress(False)`` or ``progress=False`` turns it off).
Each blocking call has an ``async`` twin for code already inside an event loop; the
blocking ones work inside a running loop too (as in Jupyter).

WASM plugins join the built-in tools with ``cdt.load_plugins(dir)``, or at import from
the folder named by the environment variable ``CDT_PLUGINS_DIR``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal, Mapping, Union

from cdt import _aio
from cdt._cdt import (
    Customer,
    DiagnosticResult,
    Finding,
    InputSpec,
    Job,
    Platform,
    Records,
    Remediation,
    Roster,
    ToolSpec,
    __version__,
    findings_table,
    tool,
    tools,
)
from cdt._cdt import customer_ids as _customer_ids
from cdt._cdt import load_customer as _load_customer
from cdt._cdt import load_plugins as _load_plugins
from cdt._cdt import set_query_budget
from cdt._cdt import start_load_platform as _start_load_platform
from cdt._cdt import start_load_roster as _start_load_roster
from cdt._cdt import start_run as _start_run
from cdt._cdt import start_sweep as _start_sweep
from cdt._cdt import start_triage as _start_triage
from cdt._progress import ProgressArg, progress_enabled, set_progress
from cdt.exceptions import (
    CdtError,
    CdtFileNotFoundError,
    CdtIsADirectoryError,
    CdtNotADirectoryError,
    CdtOSError,
    CdtPermissionError,
    CdtWarning,
    ConfigurationError,
    ConnectorError,
    CustomerNotFoundError,
    DataError,
    InputError,
    PluginError,
    RateLimitedError,
    SecretError,
    UnknownToolError,
    UnsupportedError,
    ValidationError,
)

__all__ = [
    "CdtError",
    "CdtFileNotFoundError",
    "CdtIsADirectoryError",
    "CdtNotADirectoryError",
    "CdtOSError",
    "CdtPermissionError",
    "CdtWarning",
    "ConfigurationError",
    "ConnectorError",
    "Customer",
    "CustomerNotFoundError",
    "DataError",
    "DiagnosticResult",
    "Finding",
    "InputError",
    "InputSpec",
    "Job",
    "Platform",
    "PluginError",
    "RateLimitedError",
    "Records",
    "Remediation",
    "Roster",
    "SecretError",
    "Status",
    "ToolSpec",
    "UnknownToolError",
    "UnsupportedError",
    "ValidationError",
    "__version__",
    "customer_ids",
    "customers",
    "findings_table",
    "load_customer",
    "load_platform",
    "load_platform_async",
    "load_plugins",
    "load_roster",
    "load_roster_async",
    "progress_enabled",
    "run",
    "run_async",
    "set_progress",
    "set_query_budget",
    "settings_dir",
    "start_run",
    "start_sweep",
    "sweep",
    "tool",
    "triage",
    "tools",
]

#: The statuses a ``DiagnosticResult`` can have.
Status = Literal["NO_ISSUE", "ISSUE_IN_SOURCE", "ISSUE_IN_BOOKMARKED", "ISSUE_IN_BOTH", "NOT_FOUND", "AMBIGUOUS"]

PathLike = Union[str, "os.PathLike[str]"]


def settings_dir(path: PathLike | None = None) -> Path:
    """The folder of customer settings files: ``path`` if given, else the environment
    variable ``CDT_SETTINGS_DIR``, else ``customer-integration-settings`` in the
    current directory."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get("CDT_SETTINGS_DIR", "customer-integration-settings"))


def load_plugins(dir: PathLike) -> list[str]:
    """Loads every WASM plugin in ``dir`` (one folder each, holding ``plugin.toml`` and
    ``plugin.wasm``) beside the built-in tools, and returns their ids, sorted. From then
    on :func:`tools` lists them and :func:`run` runs them like any built-in tool.

    All or nothing: when the folder cannot be read, or any plugin in it cannot be loaded
    (bad manifest, wrong hash, refused component, an id already taken, so also a folder
    loaded twice), it raises ``PluginError`` naming each plugin at fault, and loads none.
    A plugin that fails while running raises ``PluginError`` too, never a verdict.
    """
    return _load_plugins(dir)


def customer_ids(settings_dir: PathLike | None = None) -> list[str]:
    """The ids of the customers in the settings folder, sorted."""
    return _customer_ids(_settings(settings_dir))


def load_customer(customer_id: str, settings_dir: PathLike | None = None) -> Customer:
    """Loads a customer's settings; raises ``CustomerNotFoundError`` or ``ConfigurationError``."""
    return _load_customer(_settings(settings_dir), customer_id)


def customers(settings_dir: PathLike | None = None) -> list[Customer]:
    """Every customer whose settings file is valid. An invalid file is skipped with a
    ``CdtWarning`` naming the file and the field at fault."""
    folder = _settings(settings_dir)
    out = []
    for cid in _customer_ids(folder):
        try:
            out.append(_load_customer(folder, cid))
        except ConfigurationError as e:
            warnings.warn(f"skipped customer {cid!r}: {e}", CdtWarning, stacklevel=2)
    return out


def _settings(path: PathLike | None) -> Path:
    return settings_dir(path)


def start_run(
    tool_id: str,
    /,
    inputs: Mapping[str, str | None] | None = None,
    *,
    customer: str | Customer | None = None,
    source: PathLike | None = None,
    platform: PathLike | None = None,
    district_id: str | None = None,
    ticket: str | None = None,
    fresh: bool = False,
    settings_dir: PathLike | None = None,
    **kw_inputs: str | None,
) -> Job:
    """Starts a diagnostic and returns its ``Job`` at once; see :func:`run`."""
    if customer is not None:
        if source is not None or platform is not None or district_id is not None:
            raise TypeError("give either customer=, or source= and platform= (with district_id=), not both")
        if isinstance(customer, str):
            customer = load_customer(customer, settings_dir)
        return customer.start_run(tool_id, inputs, ticket=ticket, fresh=fresh, **kw_inputs)
    if source is None or platform is None:
        raise TypeError("give customer=, or both source= (a OneRoster bundle) and platform= (a snapshot or store)")
    if fresh:
        raise TypeError("fresh=True is for customers (their file drops are cached); files are read every time")
    return _start_run(
        tool_id, inputs, source=source, platform=platform, district_id=district_id, ticket=ticket, **kw_inputs
    )


def run(
    tool_id: str,
    /,
    inputs: Mapping[str, str | None] | None = None,
    *,
    customer: str | Customer | None = None,
    source: PathLike | None = None,
    platform: PathLike | None = None,
    district_id: str | None = None,
    ticket: str | None = None,
    fresh: bool = False,
    settings_dir: PathLike | None = None,
    progress: ProgressArg = None,
    **kw_inputs: str | None,
) -> DiagnosticResult:
    """Runs the diagnostic ``tool_id`` and returns its ``DiagnosticResult``.

    Inputs are keywords (``parent_email="…"``), or a mapping in ``inputs`` for names
    that clash with this function's own. Run it on a customer (an id or a
    ``Customer``), or on files: ``source`` a OneRoster bundle (ZIP, folder or CSV
    file) and ``platform`` a platform snapshot folder or embedded store
    (``district_id`` picks the district when the data holds several).

    ``fresh=True`` reads a customer's file drop (FTP, FTPS, SFTP) again rather than
    from the caches.

    ``progress``: ``None`` follows :func:`set_progress`; ``True``/``False``; or a
    callable ``(stage, done, total)``.
    """
    job = start_run(
        tool_id,
        inputs,
        customer=customer,
        source=source,
        platform=platform,
        district_id=district_id,
        ticket=ticket,
        fresh=fresh,
        settings_dir=settings_dir,
        **kw_inputs,
    )
    result: DiagnosticResult = job.join(progress)
    return result


async def run_async(
    tool_id: str,
    /,
    inputs: Mapping[str, str | None] | None = None,
    *,
    customer: str | Customer | None = None,
    source: PathLike | None = None,
    platform: PathLike | None = None,
    district_id: str | None = None,
    ticket: str | None = None,
    fresh: bool = False,
    settings_dir: PathLike | None = None,
    **kw_inputs: str | None,
) -> DiagnosticResult:
    """:func:`run` as a coroutine: awaits the diagnostic without blocking the event loop.
    Cancelling the awaiting task cancels the diagnostic."""
    job = start_run(
        tool_id,
        inputs,
        customer=customer,
        source=source,
        platform=platform,
        district_id=district_id,
        ticket=ticket,
        fresh=fresh,
        settings_dir=settings_dir,
        **kw_inputs,
    )
    result: DiagnosticResult = await _aio.wait(job)
    return result


def sweep(
    customer_id: str | None = None,
    *,
    settings_dir: PathLike | None = None,
    source: PathLike | None = None,
    platform: PathLike | None = None,
    district_id: str | None = None,
    progress: ProgressArg = None,
    threads: int = 0,
) -> dict[str, Any]:
    """Every built-in diagnostic over a whole district (each student with their family,
    each parent email, each class, each school change); the same as ``cdt sweep`` on the
    command line. Give ``customer_id`` (read from ``settings_dir``), or ``source`` (a
    OneRoster bundle) and ``platform`` (a snapshot folder or embedded store).

    Returns the report as a dict: ``cases``, ``by_code``, ``by_system``, ``by_school``
    (lists of ``{"key", "count"}``, most first) and ``findings``, each once with its
    ``code``, ``message``, ``record_ids``, ``school``, ``remediation`` and ``found_by``
    (the tool and inputs that give it again with :func:`run`). ``threads`` is how many
    threads run the cases (0: one per core); the report is the same whatever it is.
    """
    job = start_sweep(
        customer_id,
        settings_dir=settings_dir,
        source=source,
        platform=platform,
        district_id=district_id,
        threads=threads,
    )
    out: dict[str, Any] = job.join(progress)
    return out


def start_sweep(
    customer_id: str | None = None,
    *,
    settings_dir: PathLike | None = None,
    source: PathLike | None = None,
    platform: PathLike | None = None,
    district_id: str | None = None,
    threads: int = 0,
) -> Job:
    """Starts :func:`sweep` and returns its ``Job`` at once: ``job.progress()`` says how
    far it is (``("sweeping", cases done, cases)``), ``job.cancel()`` stops it between
    two batches of cases, and ``job.join()`` waits for the report."""
    return _start_sweep(
        _settings(settings_dir),
        customer_id=customer_id,
        source=source,
        platform=platform,
        district_id=district_id,
        threads=threads,
    )


def triage(
    ticket: Mapping[str, str | None] | str,
    *,
    settings_dir: PathLike | None = None,
    customer: str | None = None,
    tool: str | None = None,
    inputs: Mapping[str, str | None] | None = None,
    confirmed: bool = False,
    hubspot_settings: PathLike | None = None,
    post: bool = False,
    stage: str | None = None,
    progress: ProgressArg = None,
) -> dict[str, Any]:
    """Reads a support ticket, chooses the customer, the diagnostic and its inputs, and
    runs it; the same as ``cdt triage`` on the command line.

    ``ticket`` is a HubSpot ticket's id or link (read with ``hubspot_settings``, by
    default ``_hubspot.json`` in the settings folder; ``post=True`` posts the note and
    ``stage=`` moves the ticket), or a mapping with ``subject`` and ``content`` (and
    optionally ``company``, ``contact_email``, ``company_id``, ``customer_property``). Returns a
    dict: ``customer`` and ``understanding`` (each choice with its ``confidence``, the
    words that decided it in ``because``, and ``options``), ``result`` (a
    ``DiagnosticResult``, or ``None`` when it did not run), ``held`` (why it did not run)
    and ``note_html`` (the note for the ticket). ``customer``, ``tool`` and ``inputs``
    replace the ticket's choices; ``confirmed=True`` runs on a production customer even
    when a choice is unsure (a person checked them).
    """
    job = _start_triage(
        ticket,
        _settings(settings_dir),
        customer=customer,
        tool=tool,
        inputs=inputs,
        confirmed=confirmed,
        hubspot_settings=hubspot_settings,
        post=post,
        stage=stage,
    )
    out: dict[str, Any] = job.join(progress)
    return out


def load_roster(source: PathLike, *, progress: ProgressArg = None) -> Roster:
    """Reads a whole OneRoster bundle (ZIP, folder or CSV file) into a ``Roster``."""
    roster: Roster = _start_load_roster(source).join(progress)
    return roster


async def load_roster_async(source: PathLike) -> Roster:
    """:func:`load_roster` as a coroutine."""
    roster: Roster = await _aio.wait(_start_load_roster(source))
    return roster


def load_platform(platform: PathLike, district_id: str | None = None, *, progress: ProgressArg = None) -> Platform:
    """Reads a district's data from a platform snapshot folder or embedded store
    (``district_id`` picks the district when the data holds several)."""
    data: Platform = _start_load_platform(platform, district_id).join(progress)
    return data


async def load_platform_async(platform: PathLike, district_id: str | None = None) -> Platform:
    """:func:`load_platform` as a coroutine."""
    data: Platform = await _aio.wait(_start_load_platform(platform, district_id))
    return data




def _load_env_plugins() -> None:
    """At import: the plugins in ``CDT_PLUGINS_DIR``, when it is set and not empty."""
    folder = os.environ.get("CDT_PLUGINS_DIR")
    if folder:
        _load_plugins(folder)


_load_env_plugins()
