//! The OneRoster connector: reads and validates a bundle (CSV folder, ZIP, single CSV
//! file or Excel workbooks, OneRoster 1.1 or 1.2) into a [`Roster`] and a
//! [`ValidationReport`].
//!
//! The version comes from `manifest.csv` (`oneroster.version`); without one it is
//! guessed from `users.csv` (a `role` column means 1.1). Files are read in parallel,
//! each in one streaming pass that checks every row and builds its records; what needs
//! several files (references, duplicate ids, 1.2 roles) is checked on hashes of the
//! ids once every file is read. Findings are data: a bundle with errors still loads
//! what it can, and the roster remembers which records came from rows that failed
//! validation. Only what makes the bundle unreadable (not a bundle, a hostile archive)
//! is an `Err`.
//!
//! [`write`] writes a roster back as a OneRoster 1.1 CSV bundle.

mod check;
pub mod codes;
mod dates;
mod header;
mod ids;
pub mod index;
mod manifest;
mod names;
mod pipe;
pub mod report;
mod scan;
mod spec;
mod table;
mod values;
pub mod write;
#[cfg(feature = "xlsx")]
pub(crate) mod xlsx;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use cdt_core::SourceConnector;
use cdt_core::roster::{Provenance, Roster};
use tracing::{debug, info};

pub use codes::{Code, Severity};
pub use index::IndexPolicy;
pub use report::{Counts, Finding, ValidationReport};

use crate::bundle::{Bundle, Limits, Member};
use crate::error::Result;
use manifest::Declared;
use names::{Known, Match};
use report::Sink;
use spec::{Table, Version};
use table::{FileJob, FileOutput, Mode};

/// Reads OneRoster bundles (ZIP, folder, single CSV file or XLSX).
#[derive(Clone, Debug)]
pub struct OneRosterCsv {
    path: PathBuf,
    limits: Limits,
    index: IndexPolicy,
    index_dir: Option<PathBuf>,
}

impl OneRosterCsv {
    /// A connector for the bundle at `path`, with default [`Limits`]; single-ticket
    /// fetches use the bundle index as `CDT_BUNDLE_INDEX` says (default `auto`, see
    /// [`index`]), kept in [`index::default_index_dir`].
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            limits: Limits::default(),
            index: IndexPolicy::from_env(),
            index_dir: index::default_index_dir(),
        }
    }

    /// With this index policy, the indexes kept in `dir` (see [`index`]).
    #[must_use]
    pub fn with_index(mut self, policy: IndexPolicy, dir: impl Into<PathBuf>) -> Self {
        self.index = policy;
        self.index_dir = Some(dir.into());
        self
    }

    /// With other limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads the whole bundle (blocking).
    pub fn read(&self) -> Result<Roster> {
        read_bundle(&self.path, self.limits)
    }

    /// Reads the whole bundle and its validation report (blocking).
    pub fn read_with_report(&self) -> Result<(Roster, ValidationReport)> {
        read_bundle_with_report(&self.path, self.limits)
    }

    /// Validates the bundle without keeping its records (blocking, bounded memory).
    pub fn validate(&self) -> Result<ValidationReport> {
        validate_bundle(&self.path, self.limits)
    }
}

#[async_trait]
impl SourceConnector for OneRosterCsv {
    fn describe(&self) -> String {
        format!("OneRoster bundle {}", self.path.display())
    }

    async fn load(&self) -> cdt_core::Result<Roster> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.read())
            .await
            .map_err(|e| cdt_core::Error::connector(self.describe(), format!("reader task failed: {e}")))?
            .map_err(Into::into)
    }

    /// The slice of one lookup: through the bundle index when the policy allows it
    /// (see [`index`]), else from a full read; the same roster either way.
    async fn fetch(&self, lookup: &cdt_core::Lookup) -> cdt_core::Result<Roster> {
        index::fetch(&self.path, self.limits, self.index, self.index_dir.as_deref(), lookup).await
    }
}

/// Reads a bundle at `path` into a roster. Validation findings are summarised in
/// [`Roster::warnings`]; see [`read_bundle_with_report`] for all of them.
///
/// A bundle in which no OneRoster file was recognised is an error: an empty roster
/// would read as "nobody is there".
pub fn read_bundle(path: &Path, limits: Limits) -> Result<Roster> {
    let (roster, report) = read_bundle_with_report(path, limits)?;
    if report.recognised_nothing() {
        let message = report
            .with_code(Code::PackageNothingRecognised)
            .next()
            .map_or_else(|| "no OneRoster file was recognised".to_owned(), |f| f.message.clone());
        return Err(crate::error::Error::Bundle {
            path: path.to_owned(),
            message,
        });
    }
    Ok(roster)
}

/// Reads a bundle at `path` into a roster, with its validation report.
pub fn read_bundle_with_report(path: &Path, limits: Limits) -> Result<(Roster, ValidationReport)> {
    let (roster, report) = run(path, limits, true)?;
    Ok((roster.unwrap_or_default(), report))
}

/// Validates a bundle at `path` without keeping its records: memory stays bounded by
/// the limits and the number of distinct ids, not by the size of the data.
pub fn validate_bundle(path: &Path, limits: Limits) -> Result<ValidationReport> {
    run(path, limits, false).map(|(_, r)| r)
}

/// Validates a bundle held in memory (an upload): a ZIP or one CSV file, named by
/// `name` (e.g. `bundle.zip`, `users.csv`).
pub fn validate_bytes(name: &str, bytes: Vec<u8>, limits: Limits) -> Result<ValidationReport> {
    let bundle = Bundle::from_bytes(name, bytes, limits)?;
    run_bundle(&bundle, Path::new(name), limits, false).map(|(_, r)| r)
}

/// Reads a bundle held in memory into a roster, with its validation report.
pub fn read_bytes_with_report(name: &str, bytes: Vec<u8>, limits: Limits) -> Result<(Roster, ValidationReport)> {
    let bundle = Bundle::from_bytes(name, bytes, limits)?;
    let (roster, report) = run_bundle(&bundle, Path::new(name), limits, true)?;
    Ok((roster.unwrap_or_default(), report))
}

fn run(path: &Path, limits: Limits, build: bool) -> Result<(Option<Roster>, ValidationReport)> {
    let bundle = Bundle::open(path, limits)?;
    run_bundle(&bundle, path, limits, build)
}

fn run_bundle(bundle: &Bundle, path: &Path, limits: Limits, build: bool) -> Result<(Option<Roster>, ValidationReport)> {
    let mut sink = Sink::new(limits.max_findings_per_code);
    let bundle_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("bundle").to_owned();
    if bundle.is_xlsx() {
        sink.push(Finding::new(
            &bundle_name,
            None,
            None,
            Code::PackageXlsx,
            "the bundle is an Excel workbook, which OneRoster does not define; each sheet was read as the CSV file of its name",
        ));
    }

    // Which member is which file.
    let Some(Recognised {
        tables,
        manifest: manifest_member,
        present,
    }) = recognise_files(bundle, &bundle_name, &mut sink)
    else {
        let description = format!("OneRoster bundle, {}", bundle.describe());
        let mut report = ValidationReport {
            bundle: description,
            ..ValidationReport::default()
        };
        report.finish(sink);
        return Ok((build.then(Roster::default), report));
    };

    // The manifest and the version.
    let manifest = if let Some(m) = manifest_member {
        Some(manifest::parse(&bundle.read_small(m, 1 << 20)?, &mut sink))
    } else {
        {
            if !bundle.is_single() {
                sink.push(Finding::new(
                    "manifest.csv",
                    None,
                    None,
                    Code::PackageMissingManifest,
                    "the bundle has no manifest.csv: the version was guessed and each file's mode inferred from its content",
                ));
            }
            None
        }
    };
    let guessed = guess_version(bundle, tables.get(&Table::Users).copied(), &limits);
    let version = match manifest.as_ref().and_then(|m| m.version.as_deref()) {
        Some("1.1") => Version::V11,
        Some("1.2") => Version::V12,
        Some(other) => {
            sink.push(Finding::new(
                "manifest.csv",
                None,
                Some("oneroster.version"),
                Code::ManifestInvalidVersion,
                format!(
                    "oneroster.version `{}` is not 1.1 or 1.2; the bundle was read as {} from its users.csv header",
                    table::clip(other),
                    guessed.as_str()
                ),
            ));
            guessed
        }
        None => {
            if manifest.is_some() {
                sink.push(Finding::new(
                    "manifest.csv",
                    None,
                    Some("oneroster.version"),
                    Code::ManifestMissingVersion,
                    format!(
                        "oneroster.version is missing; the bundle was read as {} from its users.csv header",
                        guessed.as_str()
                    ),
                ));
            }
            guessed
        }
    };

    // The manifest against the files present.
    let mut jobs = Vec::new();
    if let Some(m) = &manifest {
        for (stem, mode) in &m.files {
            let present = present.contains(stem.as_str());
            let file = format!("{stem}.csv");
            match (mode, present) {
                (Declared::Bulk | Declared::Delta, false) => sink.push(Finding::new(
                    "manifest.csv",
                    None,
                    Some(&format!("file.{stem}")),
                    Code::ManifestFileMissing,
                    format!("the manifest declares {file} but the bundle does not have it"),
                )),
                (Declared::Absent, true) => sink.push(Finding::new(
                    "manifest.csv",
                    None,
                    Some(&format!("file.{stem}")),
                    Code::ManifestFileUnexpected,
                    format!("the manifest declares {file} absent but the bundle has it; consumers will ignore it"),
                )),
                _ => {}
            }
        }
    }
    for (table, member) in &tables {
        if !table.in_version(version) {
            sink.push(Finding::new(
                &member.name,
                None,
                None,
                Code::PackageUnknownFile,
                format!(
                    "`{}` is a OneRoster 1.2 file but the bundle is {}; it is ignored",
                    member.name,
                    version.as_str()
                ),
            ));
            continue;
        }
        let declared = manifest
            .as_ref()
            .and_then(|m| m.files.get(&table.stem().to_ascii_lowercase()).copied());
        if manifest.is_some() && declared.is_none() {
            sink.push(Finding::new(
                "manifest.csv",
                None,
                Some(&format!("file.{}", table.stem())),
                Code::ManifestMissingFileMode,
                format!(
                    "the bundle has {} but the manifest has no file.{} row; it is read as bulk",
                    member.name,
                    table.stem()
                ),
            ));
        }
        jobs.push((
            FileJob {
                name: member.name.clone(),
                table: *table,
                version,
                mode: match declared {
                    Some(Declared::Delta) => Mode::Delta,
                    Some(Declared::Bulk | Declared::Absent) => Mode::Bulk,
                    None if manifest.is_some() => Mode::Bulk,
                    None | Some(Declared::Unknown) => Mode::Infer,
                },
                build,
                size: member.size,
            },
            (*member).clone(),
        ));
    }

    let mut outputs = read_files(bundle, jobs, &limits)?;
    let description = format!("OneRoster {} bundle, {}", version.as_str(), bundle.describe());
    let mut report = ValidationReport {
        bundle: description.clone(),
        oneroster_version: version.as_str().to_owned(),
        ..ValidationReport::default()
    };
    check::cross_file(&outputs, version, bundle, &limits, &mut sink);
    for o in &outputs {
        report.rows.insert(o.job.name.clone(), o.rows);
    }
    let row_index = RowIndex::take(&mut outputs);
    let roster = if build {
        Some(check::assemble(outputs, version, &mut sink))
    } else {
        check::drain(outputs, &mut sink);
        None
    };
    let mut outputs_sink = Sink::new(limits.max_findings_per_code);
    std::mem::swap(&mut outputs_sink, &mut sink);
    report.finish(outputs_sink);
    let roster = roster.map(|mut r| {
        r.provenance = Provenance {
            description,
            oneroster_version: Some(version.as_str().to_owned()),
        };
        row_index.name_records(&mut report.findings, &r);
        r.warnings = summary_warnings(&report, path);
        r.record_findings = record_findings(&report);
        info!(
            users = r.users.len(),
            classes = r.classes.len(),
            enrollments = r.enrollments.len(),
            errors = report.counts.errors,
            warnings = report.counts.warnings,
            "read {}",
            r.provenance.description
        );
        r
    });
    Ok((roster, report))
}

/// The files of a bundle recognised as OneRoster files.
struct Recognised<'a> {
    tables: HashMap<Table, &'a Member>,
    manifest: Option<&'a Member>,
    /// The stems (in lower case) of every OneRoster file present, read or not.
    present: HashSet<String>,
}

/// Tells which member is which OneRoster file, with findings for names that are not
/// the specification's; `None` (with a finding listing what was found) when no file
/// was recognised.
fn recognise_files<'a>(bundle: &'a Bundle, bundle_name: &str, sink: &mut Sink) -> Option<Recognised<'a>> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut candidates: Vec<(Known, Match, &Member)> = Vec::new();
    for m in bundle.members() {
        let lower = m.name.to_ascii_lowercase();
        if let Some(first) = seen.get(&lower) {
            sink.push(Finding::new(
                &m.name,
                None,
                None,
                Code::PackageDuplicateFile,
                format!(
                    "`{}` and `{first}` are the same file once case is ignored; only `{first}` is read",
                    m.name
                ),
            ));
            continue;
        }
        seen.insert(lower, &m.name);
        match names::recognise(&m.name) {
            Some((known, how)) => candidates.push((known, how, m)),
            None => sink.push(Finding::new(
                &m.name,
                None,
                None,
                Code::PackageUnknownFile,
                format!("`{}` is not a OneRoster file; it is ignored", m.name),
            )),
        }
    }
    let mut out = Recognised {
        tables: HashMap::new(),
        manifest: None,
        present: candidates
            .iter()
            .map(|(k, _, _)| k.file_name().trim_end_matches(".csv").to_ascii_lowercase())
            .collect(),
    };
    let mut known: Vec<Known> = Vec::new();
    for (k, _, _) in &candidates {
        if !known.contains(k) {
            known.push(*k);
        }
    }
    for k in known {
        let mut these: Vec<(Match, &Member)> = candidates
            .iter()
            .filter(|(x, _, _)| *x == k)
            .map(|&(_, how, m)| (how, m))
            .collect();
        these.sort_by_key(|&(how, m)| (how, m.name.clone()));
        let spec_name = k.file_name();
        let chosen = match these.as_slice() {
            [] => None,
            [(how, m)] => Some((*how, *m)),
            [(how, m), rest @ ..] if *how != Match::Affixed => {
                for (_, other) in rest {
                    sink.push(Finding::new(
                        &other.name,
                        None,
                        None,
                        Code::PackageAmbiguousFile,
                        format!(
                            "`{}` looks like {spec_name}, but `{}` is in the bundle too and was read as {spec_name}; `{}` is ignored",
                            other.name, m.name, other.name
                        ),
                    ));
                }
                Some((*how, *m))
            }
            all => {
                let listed = all
                    .iter()
                    .map(|(_, m)| format!("`{}`", m.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                for (_, m) in all {
                    sink.push(Finding::new(
                        &m.name,
                        None,
                        None,
                        Code::PackageAmbiguousFile,
                        format!(
                            "{listed} all look like {spec_name}; none of them was read. Keep one, named {spec_name}"
                        ),
                    ));
                }
                None
            }
        };
        let Some((how, m)) = chosen else { continue };
        if matches!(k, Known::Other(_)) {
            continue;
        }
        match how {
            Match::Exact => {}
            Match::Case => sink.push(Finding::new(
                &m.name,
                None,
                None,
                Code::PackageFileNameCase,
                format!("`{}` should be named `{spec_name}`; it was read as {spec_name}", m.name),
            )),
            Match::Affixed => sink.push(Finding::new(
                &m.name,
                None,
                None,
                Code::PackageNonstandardFileName,
                format!(
                    "`{}` is not a OneRoster file name; it looks like {spec_name} and was read as it. Name it `{spec_name}`",
                    m.name
                ),
            )),
        }
        match k {
            Known::Manifest => out.manifest = Some(m),
            Known::Table(t) => {
                out.tables.insert(t, m);
            }
            Known::Other(_) => {}
        }
    }
    if out.tables.is_empty() && out.manifest.is_none() {
        sink.push(Finding::new(
            bundle_name,
            None,
            None,
            Code::PackageNothingRecognised,
            nothing_recognised_message(bundle),
        ));
        return None;
    }
    Some(out)
}

/// What a bundle in which no OneRoster file was recognised holds, for its finding.
fn nothing_recognised_message(bundle: &Bundle) -> String {
    use std::fmt::Write as _;
    const SHOWN: usize = 20;
    let mut names: Vec<&str> = bundle.members().iter().map(|m| m.name.as_str()).collect();
    names.extend(bundle.others.iter().map(String::as_str));
    let mut msg = String::from("no OneRoster file was recognised, so nothing was checked; ");
    if names.is_empty() {
        msg.push_str("the bundle holds no file");
    } else {
        let listed: Vec<String> = names
            .iter()
            .take(SHOWN)
            .map(|n| format!("`{}`", table::clip(n)))
            .collect();
        let _ = write!(msg, "found: {}", listed.join(", "));
        if names.len() > SHOWN {
            let _ = write!(msg, " and {} more", names.len() - SHOWN);
        }
    }
    msg.push_str(". OneRoster files are named users.csv, orgs.csv, classes.csv, enrollments.csv…");
    msg
}

/// The roster's warnings: the totals of the findings by severity, and the first
/// findings about whole files (the manifest, a header, a file missing), errors first,
/// which concern every record. Findings about records are in [`Roster::record_findings`], for the
/// engine to name those about the records of a case.
fn summary_warnings(report: &ValidationReport, path: &Path) -> Vec<String> {
    const SHOWN: usize = 10;
    let c = &report.counts;
    if c.errors + c.warnings == 0 {
        return Vec::new();
    }
    let mut out = vec![format!(
        "the OneRoster bundle has {} validation error(s) and {} warning(s) ({} info); those about the records of this result, if any, follow; run `cdt validate {}` for all of them",
        c.errors,
        c.warnings,
        c.infos,
        path.display()
    )];
    // Errors first: a missing column matters more than ten missing optional ones.
    let mut whole_file: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning && f.records.is_empty() && f.row.is_none_or(|r| r <= 1))
        .collect();
    whole_file.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out.extend(whole_file.into_iter().take(SHOWN).map(ToString::to_string));
    out
}

/// The findings about records (errors and warnings), by the `sourcedId` of each record
/// they are about, at most [`MAX_FINDINGS_PER_RECORD`] a record.
fn record_findings(report: &ValidationReport) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.severity >= Severity::Warning) {
        let line = f.to_string();
        for id in &f.records {
            let lines = out.entry(id.clone()).or_default();
            if lines.len() < MAX_FINDINGS_PER_RECORD {
                lines.push(line.clone());
            }
        }
    }
    out
}

/// The most findings kept about one record.
const MAX_FINDINGS_PER_RECORD: usize = 20;

/// For each file whose records were built, the row of each record: names the record a
/// finding's row holds.
struct RowIndex {
    /// File name -> (table, index of its first record in the roster's table, rows).
    files: HashMap<String, (Table, usize, Vec<u32>)>,
}

impl RowIndex {
    /// Takes the rows of each file's records, in the order [`check::assemble`] puts
    /// the records together.
    fn take(outputs: &mut [FileOutput]) -> Self {
        let mut next: HashMap<Table, usize> = HashMap::new();
        let mut files = HashMap::new();
        for o in outputs {
            let rows = std::mem::take(&mut o.built.rows);
            if rows.is_empty() {
                continue;
            }
            let start = next.entry(o.job.table).or_default();
            files.insert(o.job.name.clone(), (o.job.table, *start, rows));
            *start += o.built.records();
        }
        Self { files }
    }

    /// Adds to each finding about a row the `sourcedId` of the record read from it.
    fn name_records(&self, findings: &mut [Finding], roster: &Roster) {
        for f in findings {
            let Some(row) = f.row.and_then(|r| u32::try_from(r).ok()) else {
                continue;
            };
            let Some((table, start, rows)) = self.files.get(&f.file) else {
                continue;
            };
            let Ok(i) = rows.binary_search(&row) else { continue };
            let i = start + i;
            let id = match table {
                Table::Orgs => roster.orgs.get(i).map(|r| &r.sourced_id),
                Table::Users => roster.users.get(i).map(|r| &r.sourced_id),
                Table::Courses => roster.courses.get(i).map(|r| &r.sourced_id),
                Table::Classes => roster.classes.get(i).map(|r| &r.sourced_id),
                Table::AcademicSessions => roster.academic_sessions.get(i).map(|r| &r.sourced_id),
                Table::Enrollments => roster.enrollments.get(i).map(|r| &r.sourced_id),
                _ => None,
            };
            if let Some(id) = id
                && !f.records.contains(id)
            {
                f.records.push(id.clone());
            }
        }
    }
}

/// The version a bundle without a usable manifest is: 1.1 if `users.csv` has a `role`
/// column.
fn guess_version(bundle: &Bundle, users: Option<&Member>, limits: &Limits) -> Version {
    let Some(users) = users else { return Version::V11 };
    let has_role = bundle
        .with_reader(users, |r| {
            let mut records = scan::Records::new(r, limits.max_file_bytes, limits.max_row_bytes, limits.max_columns);
            let Ok(Some(rec)) = records.next() else { return false };
            (0..rec.len()).any(|i| {
                rec.get(i).is_some_and(|c| {
                    String::from_utf8_lossy(c)
                        .trim()
                        .trim_start_matches('\u{feff}')
                        .eq_ignore_ascii_case("role")
                })
            })
        })
        .unwrap_or(true);
    if has_role { Version::V11 } else { Version::V12 }
}

/// Reads the files on a few threads, biggest first.
fn read_files(bundle: &Bundle, mut jobs: Vec<(FileJob, Member)>, limits: &Limits) -> Result<Vec<FileOutput>> {
    jobs.sort_by_key(|(j, _)| std::cmp::Reverse(j.size));
    let threads = if limits.threads == 0 {
        std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
    } else {
        limits.threads
    }
    .clamp(1, jobs.len().max(1));
    let queue = Mutex::new(jobs.into_iter());
    let outputs: Mutex<Vec<Result<FileOutput>>> = Mutex::new(Vec::new());
    let work = || {
        loop {
            let next = queue.lock().ok().and_then(|mut q| q.next());
            let Some((job, member)) = next else { break };
            debug!(file = %job.name, "reading");
            let res = bundle.with_reader(&member, |r| table::process(&job, r, limits));
            if let Ok(mut o) = outputs.lock() {
                o.push(res);
            }
        }
    };
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    if let Some(e) = bundle.refused() {
        return Err(e);
    }
    let mut out = outputs
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|o| o.job.table);
    Ok(out)
}
