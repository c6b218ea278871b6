"""HTML for notebooks (``_repr_html_``).

Roster data is untrusted: a student's name can be ``<script>…``. Every value and
every key goes through :func:`esc` before it reaches the page; nothing here builds
HTML from data any other way.
"""

from __future__ import annotations

import html
import json
from typing import Any, Iterable

#: Rows of a table shown in a notebook before "… N more".
MAX_ROWS = 20

_STATUS_COLOURS = {
    "NO_ISSUE": "#2e7d32",
    "ISSUE_IN_SOURCE": "#c62828",
    "ISSUE_IN_BOOKMARKED": "#ad1457",
    "ISSUE_IN_BOTH": "#6a1b9a",
    "NOT_FOUND": "#ef6c00",
    "AMBIGUOUS": "#f9a825",
}

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


def _pairs(d: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The fields a comparison row holds for both sides: (label, SIS key, Bookmarked key)."""
    out = []
    for key in d:
        if key.startswith("sis_") and "bookmarked_" + key[4:] in d:
            out.append((key[4:], key, "bookmarked_" + key[4:]))
        elif key.endswith("_in_sis") and key[: -len("_in_sis")] + "_in_bookmarked" in d:
            base = key[: -len("_in_sis")]
            out.append((base, key, base + "_in_bookmarked"))
    return out


def _side_by_side(d: dict[str, Any]) -> str:
    pairs = _pairs(d)
    if not pairs:
        return _kv_table(d)
    paired = {k for _, a, b in pairs for k in (a, b)}
    title = ", ".join(f"{esc(k)}: {_scalar(v)}" for k, v in d.items() if k not in paired)
    diff = ' class="cdt-diff"'
    rows = "".join(
        f"<tr{diff if d[a] != d[b] else ''}>"
        f"<th>{esc(label)}</th><td>{_scalar(d[a])}</td><td>{_scalar(d[b])}</td></tr>"
        for label, a, b in pairs
    )
    return f"<div>{title}</div><table><tr><th></th><th>SIS</th><th>Bookmarked</th></tr>{rows}</table>"


def _kv_table(d: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{_scalar(v)}</td></tr>" for k, v in d.items())
    return f"<table>{rows}</table>"


def _comparison(value: Any) -> str:
    if isinstance(value, dict):
        parts = []
        for key, v in value.items():
            if isinstance(v, dict):
                parts.append(f"<p><b>{esc(key)}</b></p>{_side_by_side(v)}")
            elif isinstance(v, list) and v and all(isinstance(i, dict) for i in v):
                parts.append(f"<p><b>{esc(key)}</b></p>" + "".join(_side_by_side(i) for i in v))
            else:
                parts.append(f"<p><b>{esc(key)}</b>: {_scalar(v)}</p>")
        return "".join(parts)
    return _scalar(value)


def _list(items: Iterable[str], tag: str = "ul") -> str:
    inner = "".join(f"<li>{i}</li>" for i in items)
    return f"<{tag}>{inner}</{tag}>" if inner else ""


def result_html(r: Any) -> str:
    """A ``DiagnosticResult``: status, summary, findings, differences side by side, remediation."""
    colour = _STATUS_COLOURS.get(r.status, "#555")
    inputs = ", ".join(f"{esc(k)}={esc(v)}" for k, v in r.inputs.items())
    parts = [
        _STYLE,
        '<div class="cdt-r">',
        f"<p><b>{esc(r.tool_name)}</b> <code>{esc(r.tool_id)}</code> "
        f'<span class="cdt-badge" style="background:{colour}">{esc(r.status)}</span></p>',
        f"<p>{esc(r.summary)}</p>",
        f"<p><small>customer {esc(r.customer_id or '(files)')} · inputs {inputs}"
        + (f" · ticket {esc(r.hubspot_ticket_id)}" if r.hubspot_ticket_id else "")
        + f" · {esc(r.timestamp.strftime('%Y-%m-%d %H:%M:%S UTC'))}</small></p>",
    ]
    if r.findings:
        rows = "".join(
            f"<tr><td>{esc(f.severity)}</td><td>{esc(f.system)}</td><td><code>{esc(f.code)}</code></td>"
            f"<td>{esc(f.message)}</td><td>{esc(', '.join(f.record_ids))}</td></tr>"
            for f in r.findings
        )
        parts.append(
            "<p><b>Findings</b></p><table><tr><th>severity</th><th>system</th><th>code</th>"
            f"<th>message</th><th>records</th></tr>{rows}</table>"
        )
    if r.comparison:
        parts.append(f"<details open><summary><b>Differences</b></summary>{_comparison(r.comparison)}</details>")
    if r.remediation:
        parts.append("<p><b>Remediation</b></p>" + _list((esc(str(step)) for step in r.remediation), "ol"))
    if r.warnings:
        parts.append("<p><b>Warnings</b></p>" + _list(esc(w) for w in r.warnings))
    parts.append(
        "<details><summary>Data on both sides</summary><table><tr><th>SIS</th><th>Bookmarked</th></tr>"
        f"<tr><td>{_pre(r.source_data)}</td><td>{_pre(r.bookmarked_data)}</td></tr></table></details>"
    )
    parts.append("</div>")
    return "".join(parts)


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
