//! The page's HTML: a layout and one function per view. Every value from a user, a
//! customer file or a roster goes through [`esc`]; nothing else builds HTML from data.
//! Results are rendered by [`cdt_core::html::result_html`], the notebook's rendering.

use std::fmt::Write as _;

use cdt_core::result::escape_html as esc;
use cdt_core::{Status, ToolSpec};
use cdt_store::User;
use cdt_store::runs::{Run, RunStats};

use crate::routes::CustomerItem;

/// The page's own style (the result fragment carries its own).
const STYLE: &str = "<style>\
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}\
header{background:#1f3a5f;color:#fff;padding:.5em 1em;display:flex;gap:1em;align-items:center}\
header a{color:#fff}header form{margin:0 0 0 auto}\
main{padding:1em;max-width:82em}\
table.list{border-collapse:collapse;margin:.5em 0}\
table.list th,table.list td{border:1px solid #ccc;padding:3px 8px;text-align:left}\
.stats span{display:inline-block;margin-right:1.5em}\
.error{background:#fdecea;border:1px solid #c62828;padding:.5em 1em}\
label{display:block;margin:.6em 0}label small{color:#555;display:block}\
input[type=text],input[type=email],input[type=password],select{width:24em;padding:3px}\
</style>";

/// A whole page: the header (with the user and a log-out button when logged in) and
/// `body`.
pub(crate) fn layout(title: &str, who: Option<(&User, &str)>, body: &str) -> String {
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{} · cdt</title>{STYLE}</head><body>\
         <header><b><a href=\"/\">cdt</a></b><span>Customer Data Tools</span>",
        esc(title)
    );
    if let Some((user, csrf)) = who {
        let _ = write!(
            h,
            "<form method=\"post\" action=\"/ui/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <span>{} ({})</span> <button type=\"submit\">Log out</button></form>",
            esc(csrf),
            esc(&user.username),
            user.role.as_str()
        );
    }
    let _ = write!(h, "</header><main>{body}</main></body></html>");
    h
}

/// An error box.
pub(crate) fn error_box(message: &str) -> String {
    format!("<p class=\"error\" role=\"alert\">{}</p>", esc(message))
}

/// The login form.
pub(crate) fn login(error: Option<&str>, username: &str) -> String {
    let mut h = String::from("<h1>Log in</h1>");
    if let Some(e) = error {
        h.push_str(&error_box(e));
    }
    let _ = write!(
        h,
        "<form method=\"post\" action=\"/ui/login\">\
         <label>Username <input type=\"text\" name=\"username\" value=\"{}\" required autocomplete=\"username\" autofocus></label>\
         <label>Password <input type=\"password\" name=\"password\" required autocomplete=\"current-password\"></label>\
         <label>Code <small>the 6-digit code of your authenticator, if you have one; production needs it</small>\
         <input type=\"text\" name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"8\"></label>\
         <button type=\"submit\">Log in</button></form>",
        esc(username)
    );
    h
}

/// A status as a badge.
fn badge(status: &str) -> String {
    Status::parse(status).map_or_else(|| format!("<b>{}</b>", esc(status)), cdt_core::html::status_badge)
}

/// When, from Unix milliseconds.
fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// The dashboard: quick stats, the tools to run, recent runs.
pub(crate) fn dashboard(user: &User, tools: &[ToolSpec], stats: &RunStats, runs: &[Run]) -> String {
    let mut h = String::from("<h1>Diagnostics</h1><p class=\"stats\">");
    let _ = write!(h, "<span><b>{}</b> runs in the last 24 hours</span>", stats.runs);
    for (status, n) in &stats.by_status {
        let _ = write!(h, "<span>{} {n}</span>", badge(status));
    }
    h.push_str("</p>");
    if user.may_run() {
        h.push_str("<h2>Run a diagnostic</h2><ul>");
        for t in tools {
            let _ = write!(
                h,
                "<li><a href=\"/ui/tools/{}\">{}</a> · {}</li>",
                esc(&t.id),
                esc(&t.title),
                esc(&t.description)
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("<h2>Recent diagnostics</h2>");
    if runs.is_empty() {
        h.push_str("<p>None yet.</p>");
        return h;
    }
    h.push_str(
        "<table class=\"list\" id=\"runs\"><tr><th>when</th><th>who</th><th>customer</th><th>tool</th>\
         <th>status</th><th>ms</th><th>ticket</th></tr>",
    );
    for r in runs {
        let _ = write!(
            h,
            "<tr><td><a href=\"/ui/runs/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.id),
            when(r.created_at),
            esc(r.run.username.as_deref().unwrap_or("-")),
            esc(r.run.customer_id.as_deref().unwrap_or("(files)")),
            esc(&r.run.tool_id),
            badge(&r.run.status),
            r.run.runtime_ms,
            esc(r.run.ticket.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>");
    h
}

/// What the run form holds when it is shown again after an error.
#[derive(Debug, Default)]
pub(crate) struct Filled<'a> {
    pub(crate) customer: &'a str,
    pub(crate) ticket: &'a str,
    pub(crate) inputs: Vec<(&'a str, &'a str)>,
}

/// The form of a tool, built from its input spec, over the customers the user may run
/// it on.
pub(crate) fn tool_form(
    spec: &ToolSpec,
    customers: &[&CustomerItem],
    csrf: &str,
    filled: &Filled<'_>,
    error: Option<&str>,
) -> String {
    let mut h = String::new();
    let _ = write!(h, "<h1>{}</h1><p>{}</p>", esc(&spec.title), esc(&spec.description));
    if let Some(e) = error {
        h.push_str(&error_box(e));
    }
    if customers.is_empty() {
        h.push_str("<p>You may run diagnostics on no customer.</p>");
        return h;
    }
    let _ = write!(
        h,
        "<form method=\"post\" action=\"/ui/tools/{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>Customer <select name=\"customer\" required>",
        esc(&spec.id),
        esc(csrf)
    );
    for c in customers {
        let env = c.environment.map(|e| e.to_string()).unwrap_or_default();
        let _ = write!(
            h,
            "<option value=\"{}\"{}>{} ({env})</option>",
            esc(&c.customer_id),
            if c.customer_id == filled.customer {
                " selected"
            } else {
                ""
            },
            esc(c.customer_name.as_deref().unwrap_or(&c.customer_id))
        );
    }
    h.push_str("</select></label>");
    for input in &spec.inputs {
        let value = filled
            .inputs
            .iter()
            .find(|(k, _)| *k == input.name)
            .map_or("", |(_, v)| v);
        let kind = match input.kind {
            cdt_core::InputKind::Email => "email",
            cdt_core::InputKind::Text => "text",
        };
        let _ = write!(
            h,
            "<label>{} <small>{}{}</small><input type=\"{kind}\" name=\"input.{}\" value=\"{}\" maxlength=\"{}\"{}></label>",
            esc(&input.name),
            esc(&input.help),
            if input.required { "" } else { " (optional)" },
            esc(&input.name),
            esc(value),
            cdt_core::tool::MAX_INPUT_CHARS,
            if input.required { " required" } else { "" }
        );
    }
    let _ = write!(
        h,
        "<label>HubSpot ticket <small>optional: the ticket this diagnostic is for</small>\
         <input type=\"text\" name=\"ticket\" value=\"{}\" maxlength=\"64\"></label>\
         <label><input type=\"checkbox\" name=\"fresh\" value=\"true\"> Read a file drop again, not from the caches</label>\
         <button type=\"submit\">Run</button></form>",
        esc(filled.ticket)
    );
    h
}

/// A recorded run: who ran it, then its result (or its error).
pub(crate) fn run(run: &Run, result: Option<&cdt_core::DiagnosticResult>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<h1>Diagnostic <code>{}</code></h1><p><small>run by {} · {} · {} ms",
        esc(&run.id),
        esc(run.run.username.as_deref().unwrap_or("-")),
        when(run.created_at),
        run.run.runtime_ms
    );
    if let Some(env) = &run.run.environment {
        let _ = write!(h, " · {}", esc(env));
    }
    h.push_str("</small></p>");
    match result {
        Some(r) => h.push_str(&cdt_core::html::result_html(r)),
        None if run.run.tool_id == "sweep" && run.run.result.is_some() => {
            if let Some(report) = &run.run.result {
                h.push_str(&sweep_summary(&run.run.status, report));
            }
        }
        None => {
            let _ = write!(
                h,
                "<p>{}</p>{}",
                badge(&run.run.status),
                error_box(run.run.error.as_deref().unwrap_or("the run left no result"))
            );
        }
    }
    h
}

/// A sweep's run: its counts by code and by system (the whole report is
/// `POST /customers/{id}/sweep?format=html`, or the run's JSON at `/runs/{id}`).
fn sweep_summary(status: &str, report: &serde_json::Value) -> String {
    let mut h = format!(
        "<p>District sweep {} · {} cases, {} findings</p>",
        badge(status),
        report["cases"].as_u64().unwrap_or(0),
        report["findings"].as_array().map_or(0, Vec::len)
    );
    for (title, key) in [("Findings by code", "by_code"), ("Findings by system", "by_system")] {
        let Some(rows) = report[key].as_array() else { continue };
        let _ = write!(h, "<h2>{title}</h2><table class=\"list\">");
        for row in rows {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(row["key"].as_str().unwrap_or_default()),
                row["count"].as_u64().unwrap_or(0)
            );
        }
        h.push_str("</table>");
    }
    h
}
