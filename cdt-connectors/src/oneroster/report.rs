//! Findings and the validation report of a bundle.

use std::collections::BTreeMap;

use serde::Serialize;

use super::codes::{Code, Severity};

/// One problem found in a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file, as named in the bundle (`users.csv`), or the bundle itself.
    pub file: String,
    /// The row as a spreadsheet shows it (the header is row 1); `None` for the file.
    pub row: Option<u64>,
    /// The column, when the finding is about one.
    pub column: Option<String>,
    /// The stable code.
    pub code: Code,
    /// The code's severity.
    pub severity: Severity,
    /// What is wrong, in words a district admin can act on.
    pub message: String,
    /// The `sourcedId`s of the records it is about, when known: the record it refers
    /// to, and (when the bundle's records are read) the record of its row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
}

impl Finding {
    /// A finding; its severity is its code's.
    #[must_use]
    pub fn new(
        file: impl Into<String>,
        row: Option<u64>,
        column: Option<&str>,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            row,
            column: column.map(str::to_owned),
            code,
            severity: code.severity(),
            message: message.into(),
            records: Vec::new(),
        }
    }

    /// The finding, about the record with this `sourcedId` too.
    #[must_use]
    pub fn about(mut self, sourced_id: &str) -> Self {
        if !sourced_id.is_empty() && !self.records.iter().any(|r| r == sourced_id) {
            self.records.push(sourced_id.to_owned());
        }
        self
    }

    /// `file, row N, column C`.
    #[must_use]
    pub fn location(&self) -> String {
        use std::fmt::Write as _;
        let mut s = self.file.clone();
        if let Some(r) = self.row {
            let _ = write!(s, ", row {r}");
        }
        if let Some(c) = &self.column {
            let _ = write!(s, ", column {c}");
        }
        s
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} [{} {}]",
            self.location(),
            self.message,
            self.severity.as_str(),
            self.code
        )
    }
}

/// Counts of findings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Findings of error severity.
    pub errors: u64,
    /// Findings of warning severity.
    pub warnings: u64,
    /// Findings of info severity.
    pub infos: u64,
    /// Findings by code id.
    pub by_code: BTreeMap<String, u64>,
    /// Findings by file.
    pub by_file: BTreeMap<String, u64>,
}

/// What validating a bundle found. Every finding is kept, sorted by file, row and
/// column; `counts` summarises them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// What was read, e.g. `OneRoster 1.1 CSV bundle, folder demo/oneroster`.
    pub bundle: String,
    /// The OneRoster version the bundle was read as.
    pub oneroster_version: String,
    /// Data rows read, by file.
    pub rows: BTreeMap<String, u64>,
    /// The findings, at most [`Limits::max_findings_per_code`](crate::Limits) of
    /// each code; the rest are only counted.
    pub findings: Vec<Finding>,
    /// How many findings were counted but not kept.
    pub omitted: u64,
    /// The counts of all findings, kept or not.
    pub counts: Counts,
}

impl ValidationReport {
    /// Whether any finding has error severity.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.counts.errors > 0
    }

    /// Whether no file of the bundle was recognised as a OneRoster file, so nothing
    /// was checked (`package.nothing_recognised`): never a valid bundle.
    #[must_use]
    pub fn recognised_nothing(&self) -> bool {
        self.counts.by_code.contains_key(Code::PackageNothingRecognised.id())
    }

    /// The findings with this code.
    pub fn with_code(&self, code: Code) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// Takes the findings of a sink, sorts them and computes the counts.
    pub(crate) fn finish(&mut self, sink: Sink) {
        let mut counts = Counts::default();
        let mut add = |file: &str, code: Code, n: u64| {
            match code.severity() {
                Severity::Error => counts.errors += n,
                Severity::Warning => counts.warnings += n,
                Severity::Info => counts.infos += n,
            }
            *counts.by_code.entry(code.id().to_owned()).or_default() += n;
            *counts.by_file.entry(file.to_owned()).or_default() += n;
        };
        for f in &sink.kept {
            add(&f.file, f.code, 1);
        }
        let mut omitted = 0;
        for ((file, code), n) in &sink.omitted {
            add(file, *code, *n);
            omitted += n;
        }
        self.findings = sink.kept;
        self.findings
            .sort_by(|a, b| (&a.file, a.row, &a.column, a.code).cmp(&(&b.file, b.row, &b.column, b.code)));
        self.omitted = omitted;
        self.counts = counts;
    }
}

/// Collects findings, keeping at most `cap` of each code and counting the rest, so a
/// bundle with an error on every row still takes bounded memory.
#[derive(Debug)]
pub(crate) struct Sink {
    cap: usize,
    kept: Vec<Finding>,
    per_code: BTreeMap<Code, usize>,
    omitted: BTreeMap<(String, Code), u64>,
}

impl Sink {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            kept: Vec::new(),
            per_code: BTreeMap::new(),
            omitted: BTreeMap::new(),
        }
    }

    /// Adds a finding built only when it will be kept.
    pub(crate) fn add(&mut self, file: &str, code: Code, make: impl FnOnce() -> Finding) {
        let n = self.per_code.entry(code).or_default();
        if *n < self.cap {
            *n += 1;
            self.kept.push(make());
        } else {
            *self.omitted.entry((file.to_owned(), code)).or_default() += 1;
        }
    }

    /// Adds a finding.
    pub(crate) fn push(&mut self, f: Finding) {
        let file = f.file.clone();
        self.add(&file, f.code, || f);
    }

    /// Moves another sink's findings into this one.
    pub(crate) fn merge(&mut self, other: Sink) {
        for f in other.kept {
            self.push(f);
        }
        for (k, n) in other.omitted {
            *self.omitted.entry(k).or_default() += n;
        }
    }
}
