//! `manifest.csv`: the version and each file's mode, checked against the files present.

use std::collections::BTreeMap;

use super::codes::Code;
use super::report::{Finding, Sink};
use super::scan::Records;
use super::spec::{OTHER_FILES, Table};
use super::table::clip;

/// A file's mode as the manifest declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Declared {
    Bulk,
    Delta,
    Absent,
    /// Blank or not a mode: the file's mode is inferred from its content, and the file
    /// is not reported missing.
    Unknown,
}

/// What the manifest says.
#[derive(Debug, Default)]
pub(crate) struct Manifest {
    pub(crate) version: Option<String>,
    /// `file.<stem>` (stem in lower case) -> mode.
    pub(crate) files: BTreeMap<String, Declared>,
}

const FILE: &str = "manifest.csv";

/// Parses and checks a manifest.
pub(crate) fn parse(bytes: &[u8], sink: &mut Sink) -> Manifest {
    let mut m = Manifest::default();
    let mut records = Records::new(bytes, 1 << 20, 64 * 1024, 100);
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut manifest_version = None;
    let mut first = true;
    loop {
        let rec = match records.next() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(_) => {
                sink.push(Finding::new(
                    FILE,
                    None,
                    None,
                    Code::CsvMalformed,
                    "the manifest could not be read as CSV",
                ));
                break;
            }
        };
        let cell = |i: usize| {
            String::from_utf8_lossy(rec.get(i).unwrap_or_default())
                .trim()
                .to_owned()
        };
        if first {
            first = false;
            let (a, b) = (cell(0), cell(1));
            if !a.eq_ignore_ascii_case("propertyName") || !b.eq_ignore_ascii_case("value") {
                sink.push(Finding::new(
                    FILE,
                    Some(1),
                    None,
                    Code::ManifestInvalidHeader,
                    format!(
                        "the header is `{},{}`; expected `propertyName,value`",
                        clip(&a),
                        clip(&b)
                    ),
                ));
                return m;
            }
            continue;
        }
        if rec.is_blank() {
            continue;
        }
        let row = rec.row;
        let (name, value) = (cell(0), cell(1));
        if let Some(first_row) = seen.get(&name) {
            sink.push(Finding::new(
                FILE,
                Some(row),
                Some("propertyName"),
                Code::ManifestDuplicateProperty,
                format!(
                    "`{}` is already on row {first_row}; the first value is used",
                    clip(&name)
                ),
            ));
            continue;
        }
        seen.insert(name.clone(), row);
        if name == "manifest.version" {
            manifest_version = Some(value);
        } else if name == "oneroster.version" {
            m.version = Some(value);
        } else if let Some(stem) = name.strip_prefix("file.") {
            let known = Table::ALL.iter().any(|t| t.stem().eq_ignore_ascii_case(stem))
                || OTHER_FILES.iter().any(|f| f.eq_ignore_ascii_case(stem));
            if !known {
                sink.push(Finding::new(
                    FILE,
                    Some(row),
                    Some("propertyName"),
                    Code::ManifestUnknownProperty,
                    format!("`{}` names a file OneRoster does not define", clip(&name)),
                ));
                continue;
            }
            let mode = match value.as_str() {
                "bulk" => Declared::Bulk,
                "delta" => Declared::Delta,
                "absent" => Declared::Absent,
                other => {
                    sink.push(Finding::new(
                        FILE,
                        Some(row),
                        Some("value"),
                        Code::ManifestInvalidFileMode,
                        if other.is_empty() {
                            format!(
                                "the mode of {stem}.csv is blank; expected bulk, delta or absent. Its mode is inferred from its content"
                            )
                        } else if ["bulk", "delta", "absent"].iter().any(|m| m.eq_ignore_ascii_case(other)) {
                            format!(
                                "`{}` should be written `{}`; it was read as that mode",
                                clip(other),
                                other.to_ascii_lowercase()
                            )
                        } else {
                            format!(
                                "`{}` is not bulk, delta or absent; the mode of {stem}.csv is inferred from its content",
                                clip(other)
                            )
                        },
                    ));
                    if other.eq_ignore_ascii_case("delta") {
                        Declared::Delta
                    } else if other.eq_ignore_ascii_case("absent") {
                        Declared::Absent
                    } else if other.eq_ignore_ascii_case("bulk") {
                        Declared::Bulk
                    } else {
                        Declared::Unknown
                    }
                }
            };
            m.files.insert(stem.to_ascii_lowercase(), mode);
        } else if !name.starts_with("source.") {
            sink.push(Finding::new(
                FILE,
                Some(row),
                Some("propertyName"),
                Code::ManifestUnknownProperty,
                format!("`{}` is not a manifest property; it is ignored", clip(&name)),
            ));
        }
    }
    if manifest_version.as_deref() != Some("1.0") {
        sink.push(Finding::new(
            FILE,
            None,
            Some("manifest.version"),
            Code::ManifestInvalidManifestVersion,
            match manifest_version {
                Some(v) => format!("manifest.version is `{}`; expected 1.0", clip(&v)),
                None => "manifest.version is missing; expected 1.0".into(),
            },
        ));
    }
    m
}
