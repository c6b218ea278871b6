"""HTML for notebooks (``_repr_html_``) of tables and tool specs.

A ``DiagnosticResult`` is rendered in Rust (``cdt_core::html``), the same way the
service's page shows it.

Roster data is untrusted: a student's name can be ``<script>…``. Every value and
every key goes through :func:`esc` before it reaches the page; nothing here builds
HTML from data any other way.
"""

from __future__ import annotations

import html
import json
from typing import Any

#: Rows of a table shown in a notebook before "… N more".
MAX_ROWS = 20

_STYLE = (
    "<style>"
    ".cdt-r{font-family:system-ui,sans-serif;line-height:1.4;max-width:72em}"
    ".cdt-r table{border-collapse:collapse;margin:.3em 0}"
    ".cdt-r th,.cdt-r td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    ".cdt-r .cdt-badge{color:#fff;border-radius:4px;padding:1px 6px;font-weight:bold}"
    ".cdt-r .cdt-diff{background:#fdecea}"
    ".cdt-r pre{max-height:30em;overflow:auto;background:#f7f7f7;padding:4px;margin:0}"
    "</style>"
)


def esc(value: Any) -> str:
    """Any value as escaped HTML text (quotes too, so it is safe in attributes)."""
    if value is None:
        return "<i>—</i>"
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def _pre(value: Any) -> str:
    return "<pre>" + esc(json.dumps(value, indent=2, ensure_ascii=False, default=str)) + "</pre>"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return esc(", ".join(str(v) for v in value)) if value else "<i>none</i>"
    if isinstance(value, (dict, list)):
        return _pre(value)
    return esc(value)


def records_html(records: Any, max_rows: int = MAX_ROWS) -> str:
    """A ``Records`` table: its first ``max_rows`` rows."""
    cols = records.columns
    head = "".join(f"<th>{esc(c)}</th>" for c in cols)
    body = []
    for i, row in enumerate(records):
        if i >= max_rows:
            break
        body.append("<tr>" + "".join(f"<td>{_scalar(row[c])}</td>" for c in cols) + "</tr>")
    more = len(records) - min(len(records), max_rows)
    tail = f"<p><small>… {more} more rows</small></p>" if more > 0 else ""
    return (
        f'{_STYLE}<div class="cdt-r"><p><b>{esc(records.name)}</b>: {len(records)} rows × {len(cols)} columns</p>'
        f"<table><tr>{head}</tr>{''.join(body)}</table>{tail}</div>"
    )


def tables_html(data: Any) -> str:
    """A ``Roster`` or ``Platform``: the size of each table."""
    rows = "".join(
        f"<tr><th>{esc(name)}</th><td>{len(getattr(data, name))}</td></tr>" for name in data.table_names
    )
    return f'{_STYLE}<div class="cdt-r"><p><b>{esc(type(data).__name__)}</b></p><table>{rows}</table></div>'


def tool_html(tool: Any) -> str:
    """A ``ToolSpec``: id, title, description and inputs."""
    rows = "".join(
        f"<tr><td><code>{esc(i.name)}</code></td><td>{esc(i.kind)}</td>"
        f"<td>{'required' if i.required else 'optional'}</td><td>{esc(i.help)}</td></tr>"
        for i in tool.inputs
    )
    return (
        f'{_STYLE}<div class="cdt-r"><p><b>{esc(tool.title)}</b> <code>{esc(tool.id)}</code></p>'
        f"<p>{esc(tool.description)}</p><table><tr><th>input</th><th>kind</th><th></th><th>help</th></tr>"
        f"{rows}</table></div>"
    )
