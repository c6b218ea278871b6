//! A plugin's manifest (`plugin.toml`, format 1): who it is, what it takes, what data
//! it needs and what limits it asks for. `docs/plugin-interface.md` documents it.

use std::path::Path;

use cdt_core::{InputKind, InputSpec, Lookup, ToolSpec};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::limits::{HostLimits, PluginLimits};

/// The interface version this host speaks.
pub const ABI: &str = "cdt:plugin@1.0.0";

/// The largest `plugin.toml` read, in bytes.
const MAX_MANIFEST: u64 = 64 * 1024;

/// The SIS tables a plugin may ask for.
pub const SOURCE_TABLES: [&str; 6] = [
    "orgs",
    "users",
    "classes",
    "courses",
    "academic_sessions",
    "enrollments",
];

/// The Bookmarked tables a plugin may ask for.
pub const PLATFORM_TABLES: [&str; 8] = [
    "organizations",
    "students",
    "parents",
    "parent_students",
    "classes",
    "enrollments",
    "import_runs",
    "import_errors",
];

/// A parsed and checked manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The tool's spec: id, title, description, inputs.
    pub spec: ToolSpec,
    /// The plugin's own version.
    pub version: String,
    /// The SHA-256 of the component, hex, when the manifest pins it.
    pub sha256: Option<String>,
    /// Which inputs seed the case slice.
    pub lookup: LookupSpec,
    /// Which tables the plugin receives.
    pub data: DataSpec,
    /// The limits of a run.
    pub limits: PluginLimits,
}

/// Which inputs seed the case slice, by input name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LookupSpec {
    /// Inputs whose value is an email to look up.
    pub emails: Vec<String>,
    /// Inputs whose value is a person's name to look up.
    pub person_names: Vec<String>,
    /// Inputs whose value is a class title to look up.
    pub class_titles: Vec<String>,
}

impl LookupSpec {
    /// The lookup for validated inputs.
    #[must_use]
    pub fn lookup(&self, inputs: &cdt_core::Inputs) -> Lookup {
        let mut l = Lookup::default();
        for v in self.emails.iter().filter_map(|n| inputs.get(n)) {
            l = l.email(v);
        }
        for v in self.person_names.iter().filter_map(|n| inputs.get(n)) {
            l = l.person(v);
        }
        for v in self.class_titles.iter().filter_map(|n| inputs.get(n)) {
            l = l.class(v);
        }
        l
    }
}

/// Which tables of each side the plugin receives.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataSpec {
    /// SIS tables, from [`SOURCE_TABLES`].
    pub source: Vec<String>,
    /// Bookmarked tables, from [`PLATFORM_TABLES`].
    pub platform: Vec<String>,
}

impl DataSpec {
    /// Whether the plugin asked for this SIS table.
    #[must_use]
    pub fn wants_source(&self, table: &str) -> bool {
        self.source.iter().any(|t| t == table)
    }

    /// Whether the plugin asked for this Bookmarked table.
    #[must_use]
    pub fn wants_platform(&self, table: &str) -> bool {
        self.platform.iter().any(|t| t == table)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    version: String,
    title: String,
    #[serde(default)]
    description: String,
    abi: String,
    wasm: String,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    inputs: Vec<RawInput>,
    #[serde(default)]
    lookup: LookupSpec,
    #[serde(default)]
    data: DataSpec,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    triage: RawTriage,
}

/// `[triage]`: how `cdt triage` recognises a ticket about this plugin's issue.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTriage {
    #[serde(default)]
    phrases: Vec<String>,
}

/// The most `triage.phrases`, and the longest one, in characters.
const MAX_PHRASES: usize = 50;
const MAX_PHRASE_CHARS: usize = 80;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    name: String,
    kind: InputKind,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    help: String,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    fuel: Option<u64>,
    memory_mib: Option<u64>,
    output_kib: Option<u64>,
}

fn kebab(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn snake(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Manifest {
    /// Reads and checks `path`: a regular file (never a link, a pipe or a device) of at
    /// most 64 KiB.
    #[cfg(feature = "host")]
    pub fn read(path: &Path, host: &HostLimits) -> Result<Self> {
        let bytes = crate::files::read_capped(path, MAX_MANIFEST).map_err(|e| match e {
            crate::files::ReadError::Io(source) => Error::io(path, source),
            other => Error::Manifest {
                path: path.to_owned(),
                message: format!("{other}"),
            },
        })?;
        let text = String::from_utf8(bytes).map_err(|_| Error::Manifest {
            path: path.to_owned(),
            message: "is not UTF-8 text".into(),
        })?;
        Self::parse(&text, path, host)
    }

    /// Parses and checks a manifest's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path, host: &HostLimits) -> Result<Self> {
        let bad = |message: String| Error::Manifest {
            path: path.to_owned(),
            message,
        };
        if text.len() as u64 > MAX_MANIFEST {
            return Err(bad("the manifest is over 64 KiB".into()));
        }
        let raw: Raw = toml::from_str(text).map_err(|e| bad(e.message().to_owned() + &span(text, e.span())))?;
        if !kebab(&raw.id) {
            return Err(bad(format!("`id` must be kebab-case (a-z, 0-9, -), got `{}`", raw.id)));
        }
        if raw.abi != ABI {
            return Err(bad(format!(
                "`abi` is `{}`, but this host speaks `{ABI}`: rebuild the plugin with a matching SDK",
                raw.abi
            )));
        }
        if raw.wasm != "plugin.wasm" {
            return Err(bad(format!("`wasm` must be \"plugin.wasm\", got `{}`", raw.wasm)));
        }
        if raw.title.trim().is_empty() || raw.title.len() > 200 {
            return Err(bad("`title` must be 1 to 200 characters".into()));
        }
        if raw.description.len() > 2000 {
            return Err(bad("`description` must be at most 2000 characters".into()));
        }
        // Manifest text reaches terminals (`cdt tools`, `cdt run`) and logs: escape
        // sequences, stray line breaks and bidirectional controls are refused here,
        // once, rather than trusted to every place that prints them.
        printable("version", &raw.version, false).map_err(&bad)?;
        printable("title", &raw.title, false).map_err(&bad)?;
        printable("description", &raw.description, true).map_err(&bad)?;
        if let Some(h) = &raw.sha256
            && (h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(bad("`sha256` must be 64 hex digits".into()));
        }
        if raw.inputs.len() > 16 {
            return Err(bad("at most 16 `inputs`".into()));
        }
        let mut inputs: Vec<InputSpec> = Vec::new();
        for i in raw.inputs {
            if !snake(&i.name) {
                return Err(bad(format!("input name `{}` must be snake_case", i.name)));
            }
            if inputs.iter().any(|x| x.name == i.name) {
                return Err(bad(format!("input `{}` is declared twice", i.name)));
            }
            printable(&format!("inputs.{}.help", i.name), &i.help, false).map_err(&bad)?;
            inputs.push(InputSpec {
                name: i.name,
                kind: i.kind,
                required: i.required,
                help: i.help,
            });
        }
        for (key, names) in [
            ("lookup.emails", &raw.lookup.emails),
            ("lookup.person_names", &raw.lookup.person_names),
            ("lookup.class_titles", &raw.lookup.class_titles),
        ] {
            if let Some(n) = names.iter().find(|n| !inputs.iter().any(|i| &i.name == *n)) {
                return Err(bad(format!("`{key}` names `{n}`, which is not one of the `inputs`")));
            }
        }
        if let Some(t) = raw.data.source.iter().find(|t| !SOURCE_TABLES.contains(&t.as_str())) {
            return Err(bad(format!(
                "`data.source` names `{t}`; the SIS tables are {}",
                SOURCE_TABLES.join(", ")
            )));
        }
        if let Some(t) = raw
            .data
            .platform
            .iter()
            .find(|t| !PLATFORM_TABLES.contains(&t.as_str()))
        {
            return Err(bad(format!(
                "`data.platform` names `{t}`; the Bookmarked tables are {}",
                PLATFORM_TABLES.join(", ")
            )));
        }
        if raw.triage.phrases.len() > MAX_PHRASES {
            return Err(bad(format!("at most {MAX_PHRASES} `triage.phrases`")));
        }
        for p in &raw.triage.phrases {
            printable("triage.phrases", p, false).map_err(&bad)?;
            if p.chars().count() > MAX_PHRASE_CHARS || cdt_core::matching::tokens(p).is_empty() {
                return Err(bad(format!(
                    "`triage.phrases` holds `{p}`: a phrase has words, at most {MAX_PHRASE_CHARS} characters"
                )));
            }
        }
        let limits = host
            .plugin_limits(raw.limits.fuel, raw.limits.memory_mib, raw.limits.output_kib)
            .map_err(bad)?;
        Ok(Self {
            spec: ToolSpec {
                id: raw.id,
                title: raw.title,
                description: raw.description,
                inputs,
                triage_phrases: raw.triage.phrases,
            },
            version: raw.version,
            sha256: raw.sha256.map(|h| h.to_ascii_lowercase()),
            lookup: raw.lookup,
            data: raw.data,
            limits,
        })
    }
}

/// Refuses a manifest string with a control character (a line break only where
/// `multiline`) or a bidirectional control; the error names the key and the character.
fn printable(key: &str, value: &str, multiline: bool) -> std::result::Result<(), String> {
    match value
        .chars()
        .find(|&c| cdt_core::text::is_unsafe_char(c) && !(multiline && c == '\n'))
    {
        Some(c) => Err(format!(
            "`{key}` holds the control character U+{:04X}; manifest text must be printable",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

fn span(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let line = text[..r.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "guardians"
version = "1.0.0"
title = "Guardians"
abi = "cdt:plugin@1.0.0"
wasm = "plugin.wasm"
[[inputs]]
name = "parent_email"
kind = "email"
required = true
help = "the email"
[lookup]
emails = ["parent_email"]
[data]
source = ["users"]
platform = ["parents"]
"#;

    fn parse(text: &str) -> Result<Manifest> {
        Manifest::parse(text, Path::new("p/plugin.toml"), &HostLimits::default())
    }

    #[test]
    fn a_good_manifest_parses() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.spec.id, "guardians");
        assert_eq!(m.spec.inputs[0].kind, InputKind::Email);
        assert_eq!(m.limits, HostLimits::default().plugin_limits(None, None, None).unwrap());
        let inputs = cdt_core::Inputs::from_pairs([("parent_email", "a@b.org")]);
        assert_eq!(m.lookup.lookup(&inputs).emails, ["a@b.org"]);
    }

    #[test]
    fn bad_manifests_name_the_key() {
        for (change, expect) in [
            (GOOD.replace("guardians\"", "Guardians!\""), "`id` must be kebab-case"),
            (GOOD.replace("@1.0.0", "@2.0.0"), "this host speaks `cdt:plugin@1.0.0`"),
            (
                GOOD.replace("source = [\"users\"]", "source = [\"secrets\"]"),
                "`data.source` names `secrets`",
            ),
            (
                GOOD.replace("platform = [\"parents\"]", "platform = [\"x\"]"),
                "`data.platform` names `x`",
            ),
            (
                GOOD.replace("emails = [\"parent_email\"]", "emails = [\"email\"]"),
                "`lookup.emails` names `email`",
            ),
            (
                GOOD.replace("wasm = \"plugin.wasm\"", "wasm = \"../../etc/x.wasm\""),
                "`wasm` must be",
            ),
            (
                GOOD.replace("kind = \"email\"", "kind = \"number\""),
                "unknown variant `number`",
            ),
            (GOOD.to_owned() + "[limits]\nfuel = 99999999999999\n", "`limits.fuel`"),
            (
                GOOD.to_owned() + "[limits]\nmemory_mib = 100000\n",
                "`limits.memory_mib`",
            ),
            (GOOD.to_owned() + "net = true\n", "unknown field `net`"),
            ("id = ".to_owned(), "line 1"),
            (
                GOOD.replace("title = \"Guardians\"", "title = \"Guard\\u001b[2Jians\""),
                "`title` holds the control character U+001B",
            ),
            (
                GOOD.replace("help = \"the email\"", "help = \"the\\nemail\""),
                "`inputs.parent_email.help` holds the control character U+000A",
            ),
            (
                GOOD.replace("version = \"1.0.0\"", "version = \"1.0\\u202e0\""),
                "`version` holds the control character U+202E",
            ),
            (
                GOOD.to_owned() + "[triage]\nphrases = [\"sees \\u001b[31mno child\"]\n",
                "`triage.phrases` holds the control character U+001B",
            ),
            (GOOD.to_owned() + "[triage]\nphrases = [\"--\"]\n", "a phrase has words"),
            (GOOD.to_owned() + "[triage]\nwords = []\n", "unknown field `words`"),
        ] {
            let err = parse(&change).unwrap_err().to_string();
            assert!(err.starts_with("p/plugin.toml: "), "{err}");
            assert!(err.contains(expect), "{expect}: {err}");
        }
    }
}
