"""Executes a notebook with a real Jupyter kernel; exits non-zero if any cell fails.

Usage: python run_notebook.py NOTEBOOK [--write OUT]
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[0]).resolve()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as e:
        print(f"{path.name}: a cell failed:\n{e}", file=sys.stderr)
        return 1
    if len(argv) >= 3 and argv[1] == "--write":
        nbformat.write(nb, argv[2])
    cells = [c for c in nb.cells if c.cell_type == "code"]
    print(f"{path.name}: {len(cells)} code cells ran without error")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
