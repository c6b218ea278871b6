"""Sweeps of many districts on a Dask cluster: one task per district.

A fleet of hundreds of districts outgrows one machine; this module hands the work to
Dask distributed (an existing, maintained scheduler) and gathers one fleet report::

    from distributed import Client
    import cdt.dask

    client = Client("tcp://scheduler:8786")        # or LocalCluster() on a laptop
    fleet = cdt.dask.sweep_customers(client, ["district-a", "district-b"],
                                     settings_dir="/shared/customer-integration-settings")
    fleet["totals"]["by_code"]                      # findings by code across the fleet
    fleet["failures"]                               # the districts that could not be swept

Each task is :func:`cdt.sweep` on one customer, run in a worker process, so a worker
needs this package installed and the settings folder (and any local bundles it names)
at the same path; secrets are resolved on the worker from its own environment or
secret store, never shipped with the task. A district that fails (a missing bundle, an
unreachable platform) is reported in ``failures`` with the error's type and message;
the others are not lost.

Install with ``pip install "customer-data-tools[dask]"`` (``distributed``).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = ["sweep_customers", "sweep_one"]


def sweep_one(customer_id: str, settings_dir: str | None) -> dict[str, Any]:
    """One district's sweep, as a task runs it on a worker: the report, or the error.

    Never raises for a district's own failure (bad settings, unreadable data): the
    outcome says ``ok`` and carries ``report`` or ``error``, so one district's failure
    is a row of the fleet report, not a lost task.
    """
    import cdt

    try:
        # One thread a task: Dask runs as many tasks at once as its workers have threads.
        report = cdt.sweep(customer_id, settings_dir=settings_dir, progress=False, threads=1)
    except cdt.CdtError as e:
        return {
            "customer_id": customer_id,
            "ok": False,
            "error": {"type": type(e).__name__, "message": str(e)},
        }
    return {"customer_id": customer_id, "ok": True, "report": report}


def _merge(counts: Counter[str], rows: Iterable[Mapping[str, Any]]) -> None:
    for row in rows:
        counts[str(row["key"])] += int(row["count"])


def _ranked(counts: Counter[str]) -> list[dict[str, Any]]:
    return [{"key": k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def sweep_customers(
    client: Any,
    customer_ids: Iterable[str],
    *,
    settings_dir: str | os.PathLike[str] | None = None,
    retries: int = 0,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Sweeps each customer's district as one Dask task on ``client`` (a
    ``distributed.Client``) and gathers one fleet report.

    ``settings_dir`` is the folder of customer settings as the workers see it (by
    default ``CDT_SETTINGS_DIR`` or ``customer-integration-settings``, resolved on the
    caller and passed as an absolute path). ``retries`` re-runs a task whose worker
    died (a district's own error is not retried: it would fail again). ``progress``
    shows a tqdm bar as districts finish (default: when tqdm is installed and this is
    a terminal or a notebook).

    Returns a dict:

    - ``districts``: per customer, in the order given: ``customer_id``, ``ok``, and
      ``cases`` and ``findings`` (counts) when it ran;
    - ``failures``: ``customer_id``, ``type`` and ``message`` of each district that
      could not be swept (a task lost with its worker too);
    - ``totals``: ``districts``, ``swept``, ``failed``, ``cases``, ``findings``, and
      ``by_code`` and ``by_system`` summed over the fleet (``{"key", "count"}``, most
      first);
    - ``reports``: each swept district's full report (as :func:`cdt.sweep` returns it),
      by customer id.
    """
    from distributed import as_completed

    ids = list(dict.fromkeys(customer_ids))
    settings = settings_dir if settings_dir is not None else os.environ.get("CDT_SETTINGS_DIR")
    settings = str(Path(settings or "customer-integration-settings").resolve())
    futures = {
        client.submit(sweep_one, cid, settings, key=f"cdt-sweep-{cid}-{os.urandom(4).hex()}", pure=False,
                      retries=retries): cid
        for cid in ids
    }
    outcomes: dict[str, dict[str, Any]] = {}
    bar = _bar(len(ids), progress)
    try:
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            cid = futures[future]
            if future.status == "error":
                exc = future.exception()
                outcomes[cid] = {
                    "customer_id": cid,
                    "ok": False,
                    "error": {"type": type(exc).__name__, "message": str(exc)},
                }
            else:
                outcomes[cid] = future.result()
            if bar is not None:
                bar.update(1)
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        if bar is not None:
            bar.close()
    return _fleet(ids, outcomes)


def _fleet(ids: list[str], outcomes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    by_code: Counter[str] = Counter()
    by_system: Counter[str] = Counter()
    districts, failures, reports = [], [], {}
    cases = findings = 0
    for cid in ids:
        out = outcomes[cid]
        if out["ok"]:
            report = out["report"]
            reports[cid] = report
            n = len(report["findings"])
            districts.append({"customer_id": cid, "ok": True, "cases": report["cases"], "findings": n})
            cases += int(report["cases"])
            findings += n
            _merge(by_code, report["by_code"])
            _merge(by_system, report["by_system"])
        else:
            districts.append({"customer_id": cid, "ok": False})
            failures.append({"customer_id": cid, **out["error"]})
    return {
        "districts": districts,
        "failures": failures,
        "totals": {
            "districts": len(ids),
            "swept": len(reports),
            "failed": len(failures),
            "cases": cases,
            "findings": findings,
            "by_code": _ranked(by_code),
            "by_system": _ranked(by_system),
        },
        "reports": reports,
    }


def _bar(total: int, progress: bool | None) -> Any:
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    if progress is None:
        from cdt._progress import progress_enabled

        if not progress_enabled():
            return None
    return tqdm(total=total, desc="districts swept", unit="district")
