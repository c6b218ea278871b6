//! OneRoster status bodies: 1.2's single `imsx_StatusInfo`-shaped object and 1.1's
//! `statusInfoSet` array (and the `imsx_statusInfo` wrappers some servers use), with
//! both spellings of the 1.1 code-minor values (`unknown object`, `unknownobject`).

use serde_json::Value;

/// Outside text made safe for a message: controls removed, at most 200 characters.
pub(crate) fn clean(s: &str) -> String {
    cdt_core::text::one_line(s).chars().take(200).collect()
}

/// What a status body says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StatusInfo {
    /// `imsx_codeMajor`: `failure`, `unsupported`, …
    pub code_major: Option<String>,
    /// The code-minor values, normalised (lower case, no spaces or underscores):
    /// `unknownobject`, `invalidfilterfield`, `unauthorisedrequest`, …
    pub code_minor: Vec<String>,
    /// `imsx_description`, cleaned.
    pub description: Option<String>,
}

impl StatusInfo {
    /// Whether a code-minor value (normalised) is among those given.
    pub(crate) fn has(&self, minor: &str) -> bool {
        self.code_minor.iter().any(|m| m == minor)
    }

    /// ` (codes; description)` for a message, or nothing.
    pub(crate) fn suffix(&self) -> String {
        let mut parts = Vec::new();
        if !self.code_minor.is_empty() {
            parts.push(self.code_minor.join(", "));
        }
        if let Some(d) = &self.description {
            parts.push(format!("\"{d}\""));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" (server: {})", parts.join("; "))
        }
    }
}

fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Case-insensitive field access (servers spell `imsx_CodeMinor` and `imsx_codeMinor`).
fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn minor_values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(normalise(s)),
        Value::Array(items) => items.iter().for_each(|i| minor_values(i, out)),
        Value::Object(_) => {
            if let Some(value) = field(v, "imsx_codeMinorFieldValue") {
                minor_values(value, out);
            } else if let Some(inner) = field(v, "imsx_codeMinorField") {
                minor_values(inner, out);
            }
        }
        _ => {}
    }
}

/// The first status object in a body: the body itself (1.2), an element of
/// `statusInfoSet` (1.1), or the value of `imsx_statusInfo`.
fn status_object(v: &Value) -> Option<&Value> {
    if field(v, "imsx_codeMajor").is_some() || field(v, "imsx_description").is_some() {
        return Some(v);
    }
    for wrapper in ["statusInfoSet", "imsx_statusInfo", "imsx_StatusInfo", "statusInfo"] {
        if let Some(w) = field(v, wrapper) {
            let first = match w {
                Value::Array(items) => items.first(),
                other => Some(other),
            };
            if let Some(found) = first.and_then(status_object) {
                return Some(found);
            }
        }
    }
    None
}

/// Parses a status body; `None` when it is not one.
pub(crate) fn parse(body: &[u8]) -> Option<StatusInfo> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let s = status_object(&v)?;
    let text = |name: &str| {
        field(s, name)
            .and_then(Value::as_str)
            .map(clean)
            .filter(|t| !t.is_empty())
    };
    let mut code_minor = Vec::new();
    if let Some(m) = field(s, "imsx_codeMinor") {
        minor_values(m, &mut code_minor);
    }
    code_minor.retain(|c| !c.is_empty());
    Some(StatusInfo {
        code_major: text("imsx_codeMajor"),
        code_minor,
        description: text("imsx_description"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_status_bodies_parse() {
        let v12 = br#"{"imsx_codeMajor":"failure","imsx_severity":"error","imsx_description":"bad filter",
            "imsx_CodeMinor":{"imsx_codeMinorField":[{"imsx_codeMinorFieldName":"TargetEndSystem",
            "imsx_codeMinorFieldValue":"invalid_filter_field"}]}}"#;
        let s = parse(v12).unwrap();
        assert_eq!(s.code_major.as_deref(), Some("failure"));
        assert!(s.has("invalidfilterfield"));
        assert_eq!(s.description.as_deref(), Some("bad filter"));
        let v11 = br#"{"statusInfoSet":[{"imsx_codeMajor":"failure","imsx_severity":"error",
            "imsx_codeMinor":{"imsx_codeMinorField":[{"imsx_codeMinorFieldName":"TargetEndSystem",
            "imsx_codeMinorFieldValue":"unknown object"}]},"imsx_description":"no user 7\u001b[2J"}]}"#;
        let s = parse(v11).unwrap();
        assert!(s.has("unknownobject"));
        assert!(!s.description.unwrap().contains('\u{1b}'));
        let flat = br#"{"imsx_statusInfo":{"imsx_codeMajor":"failure","imsx_codeMinor":"unauthorisedrequest"}}"#;
        assert!(parse(flat).unwrap().has("unauthorisedrequest"));
        assert!(parse(b"not json").is_none());
        assert!(parse(br#"{"users":[]}"#).is_none());
    }
}
