"""Records as frames. pandas, polars and pyarrow are optional: each is imported when asked for."""

from __future__ import annotations

from typing import Any


def _need(module: str, what: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ModuleNotFoundError(f"{what} needs {module}: pip install {module}", name=module) from e


def to_arrow(records: Any) -> Any:
    """A ``pyarrow.Table``, read through the Arrow PyCapsule interface."""
    pa = _need("pyarrow", "to_arrow()")
    return pa.table(records)


def to_polars(records: Any) -> Any:
    """A ``polars.DataFrame``, read through the Arrow PyCapsule interface."""
    pl = _need("polars", "to_polars()")
    return pl.DataFrame(records)


def to_pandas(records: Any) -> Any:
    """A ``pandas.DataFrame``: through Arrow when pyarrow is installed, else from dicts."""
    pd = _need("pandas", "to_pandas()")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return pd.DataFrame(records.to_dicts(), columns=records.columns)
    return to_arrow(records).to_pandas()
