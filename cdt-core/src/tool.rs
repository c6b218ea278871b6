//! The [`Tool`] trait: a diagnostic as a pure function of data already fetched.
//!
//! A tool never does I/O, never reads the clock and never touches globals, so it runs
//! the same natively, in Python, over HTTP and inside a WASM sandbox. It works in two
//! pure steps:
//!
//! 1. [`Tool::lookup`] turns the inputs into a [`Lookup`]: what data the case needs;
//! 2. [`Tool::run`] turns the inputs and the fetched [`Case`] into a [`Verdict`].
//!
//! The engine ([`crate::diagnose`]) does the fetching in between, and stamps the
//! verdict into a [`crate::DiagnosticResult`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lookup::Lookup;
use crate::platform::PlatformData;
use crate::result::{Finding, Remediation, Status};
use crate::roster::Roster;

/// The type of a tool input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InputKind {
    /// Free text (a name, a school).
    Text,
    /// An email address.
    Email,
}

/// One input a tool takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InputSpec {
    /// The input's name, e.g. `parent_email`.
    pub name: String,
    /// Its type.
    pub kind: InputKind,
    /// Whether it must be given.
    pub required: bool,
    /// One sentence of help.
    pub help: String,
}

impl InputSpec {
    /// A required input.
    #[must_use]
    pub fn required(name: &str, kind: InputKind, help: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            required: true,
            help: help.to_owned(),
        }
    }

    /// An optional input.
    #[must_use]
    pub fn optional(name: &str, kind: InputKind, help: &str) -> Self {
        Self {
            required: false,
            ..Self::required(name, kind, help)
        }
    }
}

/// What a tool is: its stable id, title, description and inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolSpec {
    /// Stable kebab-case id, never renamed: `student-mismatch`.
    pub id: String,
    /// Title for people: `Student mismatch`.
    pub title: String,
    /// What it checks, in a sentence or two.
    pub description: String,
    /// Its inputs.
    pub inputs: Vec<InputSpec>,
    /// Phrases that describe on a support ticket the issue this tool diagnoses, for
    /// `cdt triage` (`"sees no child"`); each weighs as a strong phrase. The built-in
    /// tools' weighed phrases are in `triage/classify.rs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triage_phrases: Vec<String>,
}

impl ToolSpec {
    /// Checks inputs against the spec: no unknown names, required ones present and
    /// not blank, at most [`MAX_INPUT_CHARS`] characters and no control characters,
    /// emails shaped like emails. Returns the inputs trimmed.
    pub fn validate(&self, inputs: &Inputs) -> Result<Inputs> {
        for name in inputs.0.keys() {
            if !self.inputs.iter().any(|i| &i.name == name) {
                let known: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
                return Err(Error::input(
                    crate::text::clip(name, 64),
                    format!("`{}` takes no such input; it takes: {}", self.id, known.join(", ")),
                ));
            }
        }
        for (name, v) in &inputs.0 {
            let n = v.chars().count();
            if n > MAX_INPUT_CHARS {
                return Err(Error::input(
                    name,
                    format!("at most {MAX_INPUT_CHARS} characters (this one has {n})"),
                ));
            }
            if v.chars().any(char::is_control) {
                return Err(Error::input(name, "contains a control character"));
            }
        }
        let mut out = BTreeMap::new();
        for spec in &self.inputs {
            match inputs.get(&spec.name) {
                Some(v) if !v.is_empty() => {
                    if spec.kind == InputKind::Email && !looks_like_email(v) {
                        return Err(Error::input(&spec.name, format!("`{v}` is not an email address")));
                    }
                    out.insert(spec.name.clone(), v.to_owned());
                }
                _ if spec.required => {
                    return Err(Error::input(&spec.name, format!("required: {}", spec.help)));
                }
                _ => {}
            }
        }
        Ok(Inputs(out))
    }
}

/// The longest tool input accepted, in characters: longer than any name, email,
/// school or class a ticket is about, short enough that no input can make a diagnostic
/// slow.
pub const MAX_INPUT_CHARS: usize = 256;

fn looks_like_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !v.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// A tool's inputs: names to values, trimmed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs(pub BTreeMap<String, String>);

impl Inputs {
    /// Builds inputs from pairs.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into().trim().to_owned()))
                .collect(),
        )
    }

    /// The value of an input, trimmed, if given.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// The value of an input that must be there.
    pub fn require(&self, name: &str) -> Result<&str> {
        self.get(name).ok_or_else(|| Error::input(name, "required"))
    }
}

/// The data of one case: the slices of both sides that the lookup selected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The SIS side.
    pub source: Roster,
    /// The Bookmarked side, scoped to the district.
    pub platform: PlatformData,
    /// The district's `id` in Bookmarked's `organizations`.
    pub bookmarked_org_id: String,
    /// Today, as the engine saw it: tools must not read the clock themselves.
    pub today: chrono::NaiveDate,
}

/// What a tool concludes about a case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The outcome.
    pub status: Status,
    /// One or two sentences.
    pub summary: String,
    /// The facts established.
    pub findings: Vec<Finding>,
    /// What the SIS holds for this case.
    pub source_data: serde_json::Value,
    /// What Bookmarked holds for this case.
    pub bookmarked_data: serde_json::Value,
    /// The side-by-side comparison.
    pub comparison: serde_json::Value,
    /// What to do, in order.
    pub remediation: Vec<Remediation>,
}

/// A diagnostic. Implementations are pure: no I/O, no clock, no globals.
pub trait Tool: Send + Sync {
    /// What the tool is.
    fn spec(&self) -> &ToolSpec;

    /// What data the case needs, from validated inputs.
    fn lookup(&self, inputs: &Inputs) -> Result<Lookup>;

    /// The verdict on the fetched case.
    fn run(&self, inputs: &Inputs, case: &Case) -> Result<Verdict>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ToolSpec {
        ToolSpec {
            id: "t".into(),
            title: "T".into(),
            description: String::new(),
            inputs: vec![
                InputSpec::required("parent_email", InputKind::Email, "the parent's email"),
                InputSpec::optional("school", InputKind::Text, "the school"),
            ],
            triage_phrases: Vec::new(),
        }
    }

    #[test]
    fn inputs_are_capped_and_plain() {
        let s = spec();
        let at_cap = "é".repeat(MAX_INPUT_CHARS);
        let ok = s.validate(&Inputs::from_pairs([
            ("parent_email", "a@b.org"),
            ("school", at_cap.as_str()),
        ]));
        assert!(ok.is_ok(), "{ok:?}");
        let over = "x".repeat(MAX_INPUT_CHARS + 1);
        let err = s
            .validate(&Inputs::from_pairs([
                ("parent_email", "a@b.org"),
                ("school", over.as_str()),
            ]))
            .unwrap_err();
        assert!(err.to_string().contains("at most 256 characters"), "{err}");
        let err = s
            .validate(&Inputs::from_pairs([
                ("parent_email", "a@b.org"),
                ("school", "North\u{1b}[2J"),
            ]))
            .unwrap_err();
        assert!(err.to_string().contains("control character"), "{err}");
        let long_name = "k".repeat(100_000);
        let err = s
            .validate(&Inputs::from_pairs([(long_name.as_str(), "v")]))
            .unwrap_err();
        assert!(err.to_string().len() < 300, "an unknown name is not echoed whole");
    }

    #[test]
    fn validation_names_the_input() {
        let s = spec();
        let err = s.validate(&Inputs::from_pairs([("school", "x")])).unwrap_err();
        assert!(err.to_string().starts_with("input `parent_email`: required"), "{err}");
        let err = s
            .validate(&Inputs::from_pairs([("parent_email", "a@b.org"), ("colour", "x")]))
            .unwrap_err();
        assert!(err.to_string().contains("`colour`"), "{err}");
        let err = s.validate(&Inputs::from_pairs([("parent_email", "nope")])).unwrap_err();
        assert!(err.to_string().contains("not an email"), "{err}");
        let ok = s
            .validate(&Inputs::from_pairs([("parent_email", "  A@B.org "), ("school", " ")]))
            .unwrap();
        assert_eq!(ok.get("parent_email"), Some("A@B.org"));
        assert_eq!(ok.get("school"), None);
    }
}
