//! One file of a bundle: its header checked against the specification, then every row
//! validated and (when a roster is wanted) turned into a record, in one streaming pass.
//!
//! What needs other files (references, roles of 1.2 users) is collected here as hashes
//! of sourcedIds and checked once every file is read (see `check.rs`).

use std::collections::HashSet;
use std::io::Read;

use cdt_core::roster::{AcademicSession, Class, Course, Enrollment, Org, RecordStatus, Role, User, UserRole};

use super::codes::{Code, Severity};
use super::dates::{self, DateColumn};
use super::header;
use super::pipe;
use super::report::{Finding, Sink};
use super::scan::{Record, Records, RowSource, Stop};
use super::spec::{self, Col, Kind, Table, Version};
use super::values;
use crate::bundle::Limits;

pub(crate) use super::ids::{IdHash, IdTable, id_hash};

/// A record's row and what references to it need to know, in 8 bytes (an id map's
/// entry stays 24 bytes): the row (capped at 2^30 - 1), whether it is `tobedeleted`,
/// whether it is a school, a user's role, a class's school.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdInfo {
    bits: u32,
    /// Low byte: a user's role in `users.csv` (`spec::role_kind::code`). High 24 bits:
    /// a class's school, as an index into `FileOutput::schools` plus one (0: none).
    aux: u32,
}

impl IdInfo {
    const ROW: u32 = (1 << 30) - 1;

    fn new(row: u32, deleted: bool, school: bool, role: u8) -> Self {
        Self {
            bits: row.min(Self::ROW) | (u32::from(deleted) << 30) | (u32::from(school) << 31),
            aux: u32::from(role),
        }
    }

    /// A class's school, as an index into its file's `FileOutput::schools`.
    pub(crate) fn school_index(self) -> Option<u32> {
        (self.aux >> 8).checked_sub(1)
    }

    fn set_school_index(&mut self, i: u32) {
        if i < (1 << 24) - 1 {
            self.aux = (self.aux & 0xff) | ((i + 1) << 8);
        }
    }

    pub(crate) fn row(self) -> u32 {
        self.bits & Self::ROW
    }

    pub(crate) fn deleted(self) -> bool {
        self.bits & (1 << 30) != 0
    }

    pub(crate) fn school(self) -> bool {
        self.bits & (1 << 31) != 0
    }

    /// The user's role in `users.csv`, as `spec::role_kind::code`.
    pub(crate) fn role(self) -> u8 {
        u8::try_from(self.aux & 0xff).unwrap_or(0)
    }
}

/// The uses of one referenced id by one column, in 16 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RefUse {
    pub(crate) first_row: u32,
    /// How many rows refer to the id (low 28 bits, saturating), and the
    /// `spec::role_kind` bits those rows give it (high 4 bits; see [`RefUse::tag`]).
    count_tag: u32,
    /// The first row of an active record holding the reference (`u32::MAX`: none).
    first_active: u32,
    /// Where the id's text is in the column's arena (a length byte, then the text).
    at: u32,
}

impl RefUse {
    const COUNT: u32 = (1 << 28) - 1;

    /// The first row of an active record holding the reference.
    pub(crate) fn first_active_row(&self) -> Option<u32> {
        (self.first_active != u32::MAX).then_some(self.first_active)
    }

    /// How many times the id is referred to (saturating at 2^28 - 1).
    pub(crate) fn count(&self) -> u32 {
        self.count_tag & Self::COUNT
    }

    /// The `spec::role_kind` bits of the active rows referring to the id: for
    /// `enrollments.userSourcedId` the kinds of the enrollments' roles, for
    /// `roles.userSourcedId` the kinds of the user's 1.2 roles; 0 for other columns.
    pub(crate) fn tag(&self) -> u8 {
        u8::try_from(self.count_tag >> 28).unwrap_or(0)
    }
}

/// In `FileOutput::class_schools` of `enrollments.csv`: the class's active
/// enrollments name more than one school.
pub(crate) const MIXED_SCHOOLS: u32 = u32::MAX;

/// The references one column makes: each distinct id once, with its text kept in an
/// arena for messages.
#[derive(Debug)]
pub(crate) struct RefColumn {
    pub(crate) column: &'static str,
    pub(crate) target: Table,
    /// Whether the column holds a list of ids.
    pub(crate) list: bool,
    pub(crate) uses: IdTable<RefUse>,
    arena: Vec<u8>,
}

impl RefColumn {
    /// The text of a referenced id.
    pub(crate) fn text(&self, u: &RefUse) -> &str {
        let a = u.at as usize;
        let Some(&len) = self.arena.get(a) else { return "?" };
        self.arena
            .get(a + 1..a + 1 + usize::from(len))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("?")
    }
}

/// How the manifest declares a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Bulk,
    Delta,
    /// Not declared: inferred from the file's content once it is read (see
    /// [`Lifecycle`]); the file's output then holds the inferred mode.
    Infer,
}

/// How many rows of a file of undeclared mode have `status` and `dateLastModified`
/// filled, to infer its mode: both on every row is delta, neither on any row bulk.
#[derive(Debug, Default)]
pub(crate) struct Lifecycle {
    /// Rows with both filled, and the first of them.
    full: (u64, u64),
    /// Rows with both blank, and the first of them.
    blank: (u64, u64),
    /// Rows with one filled and not the other, and the first of them.
    partial: (u64, u64),
}

impl Lifecycle {
    fn note(&mut self, row: u64, status: bool, modified: bool) {
        let slot = match (status, modified) {
            (true, true) => &mut self.full,
            (false, false) => &mut self.blank,
            _ => &mut self.partial,
        };
        if slot.0 == 0 {
            slot.1 = row;
        }
        slot.0 += 1;
    }

    /// The mode the rows show, with the finding that says so.
    fn infer(&self, file: &str) -> (Mode, Finding) {
        let (full, blank, partial) = (self.full.0, self.blank.0, self.partial.0);
        if partial == 0 && blank == 0 && full > 0 {
            return (
                Mode::Delta,
                Finding::new(
                    file,
                    None,
                    None,
                    Code::LifecycleInferredMode,
                    format!(
                        "the mode of {file} is not declared; status and dateLastModified are filled on every row, so it was read as delta"
                    ),
                ),
            );
        }
        if partial == 0 && full == 0 {
            return (
                Mode::Bulk,
                Finding::new(
                    file,
                    None,
                    None,
                    Code::LifecycleInferredMode,
                    format!(
                        "the mode of {file} is not declared; status and dateLastModified are blank on every row, so it was read as bulk"
                    ),
                ),
            );
        }
        let mut parts = Vec::new();
        for (what, (n, row)) in [
            ("filled", self.full),
            ("blank", self.blank),
            ("filled for one and blank for the other", self.partial),
        ] {
            if n > 0 {
                parts.push(format!("{what} on {n} row(s) (first row {row})"));
            }
        }
        // The first row unlike the first row of the file.
        let kinds = [self.full, self.blank, self.partial];
        let first = kinds.iter().filter(|k| k.0 > 0).map(|k| k.1).min().unwrap_or(0);
        let first_odd = kinds
            .iter()
            .filter(|k| k.0 > 0 && k.1 != first)
            .map(|k| k.1)
            .min()
            .unwrap_or(first);
        (
            Mode::Bulk,
            Finding::new(
                file,
                Some(first_odd),
                None,
                Code::LifecycleMixedMode,
                format!(
                    "the mode of {file} is not declared, and its rows are neither bulk nor delta: status and dateLastModified are {}. A bulk file leaves both blank on every row, a delta file fills both; it was read as bulk",
                    parts.join(", ")
                ),
            ),
        )
    }
}

/// What reading one file needs to know.
#[derive(Clone, Debug)]
pub(crate) struct FileJob {
    pub(crate) name: String,
    pub(crate) table: Table,
    pub(crate) version: Version,
    pub(crate) mode: Mode,
    pub(crate) build: bool,
    pub(crate) size: u64,
}

/// The records of one file.
#[derive(Debug, Default)]
pub(crate) struct Built {
    pub(crate) orgs: Vec<Org>,
    pub(crate) users: Vec<User>,
    pub(crate) courses: Vec<Course>,
    pub(crate) classes: Vec<Class>,
    pub(crate) sessions: Vec<AcademicSession>,
    pub(crate) enrollments: Vec<Enrollment>,
    /// 1.2 roles: (userSourcedId, role).
    pub(crate) roles: Vec<(String, UserRole)>,
    /// Records from rows with errors: sourcedId -> `file, row N: code`.
    pub(crate) invalid: Vec<(String, String)>,
    /// The row of each record built, in order (orgs, users, courses, classes, sessions
    /// and enrollments: one file builds one of them), to name the record a finding's
    /// row holds.
    pub(crate) rows: Vec<u32>,
}

impl Built {
    /// How many records with a `sourcedId` were built.
    pub(crate) fn records(&self) -> usize {
        self.orgs.len()
            + self.users.len()
            + self.courses.len()
            + self.classes.len()
            + self.sessions.len()
            + self.enrollments.len()
    }

    fn reserve(&mut self, table: Table, n: usize) {
        match table {
            Table::Orgs => self.orgs.reserve(n),
            Table::Users => self.users.reserve(n),
            Table::Courses => self.courses.reserve(n),
            Table::Classes => self.classes.reserve(n),
            Table::AcademicSessions => self.sessions.reserve(n),
            Table::Enrollments => self.enrollments.reserve(n),
            Table::Roles => self.roles.reserve(n),
            Table::Demographics | Table::UserProfiles => {}
        }
    }
}

/// What reading one file produced.
#[derive(Debug)]
pub(crate) struct FileOutput {
    pub(crate) job: FileJob,
    pub(crate) rows: u64,
    pub(crate) sink: Sink,
    pub(crate) ids: IdTable<IdInfo>,
    pub(crate) refs: Vec<RefColumn>,
    /// 1.2 users: (user, primaryOrgSourcedId, row).
    pub(crate) primary_orgs: Vec<(IdHash, IdHash, u32)>,
    /// 1.2 roles: (user, org) pairs.
    pub(crate) role_pairs: HashSet<(IdHash, IdHash)>,
    /// `classes.csv` and `enrollments.csv`: the schools named in `schoolSourcedId`,
    /// each once (a district has few), for `IdInfo::school_index` and `class_schools`.
    pub(crate) schools: Vec<IdHash>,
    school_ids: IdTable<u32>,
    /// `enrollments.csv`: for each class, the school of its active enrollments (an
    /// index into `schools`), or [`MIXED_SCHOOLS`].
    pub(crate) class_schools: IdTable<u32>,
    /// `enrollments.csv`: the last (class, school) put in `class_schools`, as
    /// enrollments usually come class by class.
    last_class_school: Option<(IdHash, IdHash)>,
    pub(crate) built: Built,
    /// Whether the header has the columns the records need (else nothing is built).
    pub(crate) readable: bool,
    /// The date columns, read the same way in the whole column.
    pub(crate) dates: Vec<DateColumn>,
    /// For a file of undeclared mode, what its rows show.
    pub(crate) lifecycle: Lifecycle,
}

impl FileOutput {
    /// The index of a school in `schools`, added if new.
    fn school_index(&mut self, school: IdHash) -> u32 {
        let (i, new) = self.school_ids.entry(school);
        if new {
            *i = u32::try_from(self.schools.len()).unwrap_or(u32::MAX - 1);
            self.schools.push(school);
        }
        *i
    }

    /// The school at `i` in `schools`.
    pub(crate) fn school(&self, i: u32) -> Option<&IdHash> {
        self.schools.get(usize::try_from(i).ok()?)
    }
}

/// The header, resolved against the specification.
struct Header {
    /// For each cell position, the column it is, if known.
    cols: Vec<Option<Col>>,
    width: usize,
}

impl Header {
    fn pos(&self, name: &str) -> Option<usize> {
        self.cols.iter().position(|c| c.is_some_and(|c| c.name == name))
    }
}

fn resolve_header(job: &FileJob, rec: &Record<'_>, sink: &mut Sink) -> Header {
    let spec_cols = spec::columns(job.table, job.version);
    let mut cols = Vec::with_capacity(rec.len());
    let mut seen: Vec<&'static str> = Vec::new();
    let raws: Vec<String> = (0..rec.len())
        .map(|i| {
            String::from_utf8_lossy(rec.get(i).unwrap_or_default())
                .trim()
                .to_owned()
        })
        .collect();
    for (i, name) in raws.iter().enumerate() {
        let name = name.as_str();
        let mut col = None;
        if name.is_empty() {
            sink.push(Finding::new(
                &job.name,
                Some(1),
                None,
                Code::HeaderEmptyColumnName,
                format!(
                    "header cell {} is empty (a trailing comma?); every column needs a name, and this one is ignored",
                    i + 1
                ),
            ));
        } else if let Some(c) = spec_cols.iter().find(|c| c.name.eq_ignore_ascii_case(name)) {
            if c.name != name {
                sink.push(Finding::new(
                    &job.name,
                    Some(1),
                    Some(name),
                    Code::HeaderCase,
                    format!("header `{name}` should be spelled `{}`", c.name),
                ));
            }
            col = Some(*c);
        } else if header::is_metadata(name) {
        } else if let Some(c) = spec::legacy_alias(job.table, job.version, name) {
            sink.push(Finding::new(
                &job.name,
                Some(1),
                Some(name),
                Code::HeaderOtherVersion,
                format!(
                    "`{name}` is the OneRoster 1.0 name of `{}`; it was read as that column",
                    c.name
                ),
            ));
            col = Some(c);
        } else if let Some(c) = spec::other_version_column(job.table, job.version, name) {
            sink.push(Finding::new(
                &job.name,
                Some(1),
                Some(name),
                Code::HeaderOtherVersion,
                format!(
                    "`{name}` is not a column of OneRoster {} {}; it was read leniently",
                    job.version.as_str(),
                    job.table.file_name()
                ),
            ));
            col = Some(c);
        } else {
            sink.push(Finding::new(
                &job.name,
                Some(1),
                Some(name),
                Code::HeaderUnknownColumn,
                format!("`{name}` is not a OneRoster column (extensions are named `metadata.<name>`); it is ignored"),
            ));
        }
        if let Some(c) = col {
            if seen.contains(&c.name) {
                sink.push(Finding::new(
                    &job.name,
                    Some(1),
                    Some(name),
                    Code::HeaderDuplicateColumn,
                    format!("column `{}` appears twice; the first is read", c.name),
                ));
                col = None;
            } else {
                seen.push(c.name);
            }
        }
        cols.push(col);
    }
    for c in spec_cols {
        if c.required && !seen.contains(&c.name) {
            sink.push(Finding::new(
                &job.name,
                Some(1),
                Some(c.name),
                Code::HeaderMissingColumn,
                format!("required column `{}` is missing from the header", c.name),
            ));
        }
    }
    let names: Vec<&str> = raws.iter().map(String::as_str).collect();
    header::check(&job.name, &names, &cols, spec_cols, sink);
    Header {
        width: cols.len(),
        cols,
    }
}

/// Row-local state of the checks.
struct RowCtx<'a> {
    job: &'a FileJob,
    row: u64,
    sink: &'a mut Sink,
    error: Option<Code>,
}

impl RowCtx<'_> {
    fn add(&mut self, col: &str, code: Code, msg: impl FnOnce() -> String) {
        if code.severity() == Severity::Error && self.error.is_none() {
            self.error = Some(code);
        }
        let (file, row) = (&self.job.name, self.row);
        self.sink.add(file, code, || {
            Finding::new(file.as_str(), Some(row), Some(col), code, msg())
        });
    }
}

/// The cells of a row as text.
struct Cells<'a> {
    text: &'a str,
    ranges: &'a [(usize, usize)],
}

impl<'a> Cells<'a> {
    fn get(&self, pos: Option<usize>) -> &'a str {
        pos.and_then(|p| self.ranges.get(p))
            .map_or("", |&(a, b)| self.text[a..b].trim_ascii())
    }
}

/// Rows read before the id map is sized from the file size.
const SAMPLE_ROWS: u64 = 256;
/// The most ids the map is sized for in advance.
const MAX_PRESIZE: u64 = 4_000_000;

/// Files from this size on are read on two threads (see `pipe.rs`).
const PIPELINE_MIN_BYTES: u64 = 4 << 20;
/// The bytes of records handed from one thread to the other at once.
const PIPELINE_BATCH_BYTES: usize = 128 << 10;

/// Reads and checks one file; a big one on two threads when more than one is allowed.
pub(crate) fn process<R: Read>(job: &FileJob, reader: R, limits: &Limits) -> FileOutput {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let two_threads = job.size >= PIPELINE_MIN_BYTES && limits.threads != 1 && cores > 1;
    process_with(job, reader, limits, two_threads.then_some(PIPELINE_BATCH_BYTES))
}

/// Reads and checks one file, on one thread, or on two with batches of about
/// `batch_bytes`: the result is the same.
pub(crate) fn process_with<R: Read>(
    job: &FileJob,
    reader: R,
    limits: &Limits,
    batch_bytes: Option<usize>,
) -> FileOutput {
    let mut sink = Sink::new(limits.max_findings_per_code);
    let mut out = FileOutput {
        rows: 0,
        sink: Sink::new(0),
        ids: IdTable::default(),
        refs: Vec::new(),
        primary_orgs: Vec::new(),
        role_pairs: HashSet::new(),
        schools: Vec::new(),
        school_ids: IdTable::default(),
        class_schools: IdTable::default(),
        last_class_school: None,
        built: Built::default(),
        readable: true,
        dates: Vec::new(),
        lifecycle: Lifecycle::default(),
        job: job.clone(),
    };
    let mut records = Records::new(reader, limits.max_file_bytes, limits.max_row_bytes, limits.max_columns);
    let stop = match batch_bytes {
        None => run(job, &mut records, &mut sink, &mut out),
        Some(n) => pipe::run(&mut records, n, |rows| run(job, rows, &mut sink, &mut out)),
    };
    let name = job.name.as_str();
    match stop {
        Ok(()) => {}
        Err(Stop::Io(e)) => sink.push(Finding::new(
            name,
            None,
            None,
            Code::CsvMalformed,
            format!("reading stopped after row {}: {e}", out.rows + 1),
        )),
        Err(Stop::Unsupported(enc)) => sink.push(Finding::new(
            name,
            None,
            None,
            Code::EncodingUnsupported,
            format!("the file is {enc}; it was not read. Save it as UTF-8"),
        )),
        Err(Stop::RowTooLong(row)) => sink.push(Finding::new(
            name,
            Some(row),
            None,
            Code::CsvRowTooLong,
            format!(
                "the row is longer than {} bytes (a quote never closed?); reading of the file stopped here",
                limits.max_row_bytes
            ),
        )),
        Err(Stop::TooManyColumns(row)) => sink.push(Finding::new(
            name,
            Some(row),
            None,
            Code::CsvTooManyColumns,
            format!(
                "the row has more than {} cells; reading of the file stopped here",
                limits.max_columns
            ),
        )),
        Err(Stop::TooLarge) => sink.push(Finding::new(
            name,
            None,
            None,
            Code::CsvTooLarge,
            format!(
                "the file is larger than {} bytes; reading stopped there",
                limits.max_file_bytes
            ),
        )),
    }
    finish_columns(&mut out, name, &mut sink);
    if job.mode == Mode::Infer {
        let (mode, finding) = out.lifecycle.infer(name);
        out.job.mode = mode;
        if out.rows > 0 {
            sink.push(finding);
        }
    }
    let notes = records.notes();
    if notes.bom {
        sink.push(Finding::new(
            name,
            Some(1),
            None,
            Code::EncodingBom,
            "the file starts with a UTF-8 byte-order mark",
        ));
    }
    if let Some(at) = notes.windows_1252_at {
        sink.push(Finding::new(
            name,
            None,
            None,
            Code::EncodingWindows1252,
            format!("the file is not UTF-8 (first non-UTF-8 byte at offset {at}); it was read as Windows-1252"),
        ));
    }
    if notes.quotes % 2 == 1 {
        sink.push(Finding::new(
            name,
            None,
            None,
            Code::CsvMalformed,
            "the file has an odd number of double quotes: a quote was opened and never closed, or a quote inside a cell is not doubled; rows after it may be merged",
        ));
    }
    out.sink = sink;
    out
}

fn run(job: &FileJob, records: &mut impl RowSource, sink: &mut Sink, out: &mut FileOutput) -> Result<(), Stop> {
    let Some(first) = records.next_record()? else {
        sink.push(Finding::new(
            &job.name,
            None,
            None,
            Code::CsvEmptyFile,
            "the file is empty: a header row is required",
        ));
        out.readable = false;
        return Ok(());
    };
    let header = resolve_header(job, &first, sink);
    let plan = Plan::new(job, &header);
    out.readable = plan.readable;
    for (i, c) in header.cols.iter().enumerate() {
        if let Some(c) = c {
            if c.kind == Kind::Date {
                out.dates.push(DateColumn::new(c.name, i));
            }
            match c.kind {
                Kind::Ref(t) | Kind::RefList(t) => {
                    out.refs.push(RefColumn {
                        column: c.name,
                        target: t,
                        list: matches!(c.kind, Kind::RefList(_)),
                        uses: IdTable::default(),
                        arena: Vec::new(),
                    });
                    let _ = i;
                }
                _ => {}
            }
        }
    }
    let mut text_buf = String::new();
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(header.width);
    let mut invalid_cells: Vec<usize> = Vec::new();
    let mut sample_bytes = 0u64;
    while let Some(rec) = records.next_record()? {
        if rec.is_blank() {
            continue;
        }
        out.rows += 1;
        if out.rows <= SAMPLE_ROWS {
            sample_bytes += rec.bytes().len() as u64 + 1;
            if out.rows == SAMPLE_ROWS && job.table.owns_ids() {
                // Size the id map once from the file size, instead of growing it (and
                // holding two tables while it grows).
                let estimate = (job.size / (sample_bytes / SAMPLE_ROWS).max(1)).min(MAX_PRESIZE);
                let estimate = usize::try_from(estimate + estimate / 16).unwrap_or(0);
                out.ids.reserve(estimate);
                if job.build {
                    out.built.reserve(job.table, estimate);
                }
            }
        }
        ranges.clear();
        invalid_cells.clear();
        let text: &str = if let Ok(t) = std::str::from_utf8(rec.bytes()) {
            for i in 0..rec.len() {
                let (start, end) = rec.range(i);
                if t.is_char_boundary(start) && t.is_char_boundary(end) {
                    ranges.push((start, end));
                } else {
                    ranges.push((0, 0));
                    invalid_cells.push(i);
                }
            }
            t
        } else {
            text_buf.clear();
            for i in 0..rec.len() {
                let cell = rec.get(i).unwrap_or_default();
                let a = text_buf.len();
                if let Ok(s) = std::str::from_utf8(cell) {
                    text_buf.push_str(s);
                } else {
                    invalid_cells.push(i);
                    text_buf.push_str(&String::from_utf8_lossy(cell));
                }
                ranges.push((a, text_buf.len()));
            }
            &text_buf
        };
        let cells = Cells { text, ranges: &ranges };
        let mut ctx = RowCtx {
            job,
            row: rec.row,
            sink,
            error: None,
        };
        for &i in &invalid_cells {
            let col = header.cols.get(i).copied().flatten().map_or("?", |c| c.name);
            ctx.add(col, Code::EncodingInvalidUtf8, || {
                "the cell holds bytes that are neither UTF-8 nor Windows-1252; they were replaced with \u{fffd}".into()
            });
        }
        if rec.len() != header.width {
            ctx.add("", Code::CsvRowWidth, || {
                format!("the row has {} cells, the header {}", rec.len(), header.width)
            });
        }
        check_row(&header, &cells, &mut ctx, out, &plan);
        if job.mode == Mode::Infer {
            out.lifecycle.note(
                rec.row,
                !cells.get(plan.status).is_empty(),
                !cells.get(plan.modified).is_empty(),
            );
        }
        let before = dated_records(out);
        if job.build && plan.readable {
            build(job, &plan, &cells, out);
            if out.built.records() > out.built.rows.len() {
                out.built.rows.push(u32::try_from(rec.row).unwrap_or(u32::MAX));
            }
        }
        if !out.dates.is_empty() {
            let built = dated_records(out) > before;
            let at = u32::try_from(before).unwrap_or(u32::MAX);
            for d in &mut out.dates {
                if d.row_either && built {
                    d.records.push(at);
                }
                d.row_either = false;
            }
        }
        if let Some(code) = ctx.error {
            let id = cells.get(plan.id);
            if job.build && !id.is_empty() {
                out.built
                    .invalid
                    .push((id.to_owned(), format!("{}, row {}: {}", job.name, rec.row, code.id())));
            }
        }
    }
    Ok(())
}

/// Reads a file again and calls `f` with each row's number and the values of
/// `columns` (trimmed; blank when the header lacks the column), as the first read
/// numbered and decoded them. The cross-file checks use it to name every row that
/// refers to a record with a problem, only when one is referred to from more than one
/// row. Nothing is checked: reading stops silently where the first read stopped.
pub(crate) fn visit_rows<R: Read>(
    job: &FileJob,
    reader: R,
    limits: &Limits,
    columns: &[&str],
    mut f: impl FnMut(u64, Values<'_>),
) {
    let mut records = Records::new(reader, limits.max_file_bytes, limits.max_row_bytes, limits.max_columns);
    let Ok(Some(first)) = records.next_record() else { return };
    let header = resolve_header(job, &first, &mut Sink::new(0));
    let pos: Vec<Option<usize>> = columns.iter().map(|c| header.pos(c)).collect();
    let mut buf = String::new();
    let mut ends: Vec<usize> = Vec::with_capacity(columns.len());
    while let Ok(Some(rec)) = records.next_record() {
        if rec.is_blank() {
            continue;
        }
        buf.clear();
        ends.clear();
        for p in &pos {
            if let Some(cell) = p.and_then(|p| rec.get(p)) {
                buf.push_str(String::from_utf8_lossy(cell).trim_ascii());
            }
            ends.push(buf.len());
        }
        f(rec.row, Values { buf: &buf, ends: &ends });
    }
}

/// The values of the columns asked of [`visit_rows`], for one row.
#[derive(Clone, Copy)]
pub(crate) struct Values<'a> {
    buf: &'a str,
    ends: &'a [usize],
}

impl<'a> Values<'a> {
    /// The value of the `i`th column asked for.
    pub(crate) fn get(&self, i: usize) -> &'a str {
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.buf.get(start..end).unwrap_or_default()
    }
}

/// Column positions a file's checks and records need.
struct Plan {
    id: Option<usize>,
    status: Option<usize>,
    modified: Option<usize>,
    org_type: Option<usize>,
    /// `role` of users and enrollments, `role` of 1.2 roles.
    role: Option<usize>,
    /// The start and end date columns whose order is checked.
    dates: Option<(&'static str, Option<usize>, &'static str, Option<usize>)>,
    readable: bool,
    pos: Vec<(&'static str, usize)>,
}

impl Plan {
    fn new(job: &FileJob, header: &Header) -> Self {
        let pos: Vec<(&'static str, usize)> = header
            .cols
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.map(|c| (c.name, i)))
            .collect();
        let id = header.pos("sourcedId");
        let dates = match job.table {
            Table::AcademicSessions => Some(("startDate", "endDate")),
            Table::Enrollments | Table::Roles => Some(("beginDate", "endDate")),
            _ => None,
        };
        Self {
            id,
            status: header.pos("status"),
            modified: header.pos("dateLastModified"),
            org_type: if job.table == Table::Orgs {
                header.pos("type")
            } else {
                None
            },
            role: header.pos("role"),
            dates: dates.map(|(a, b)| (a, header.pos(a), b, header.pos(b))),
            readable: id.is_some() || job.table == Table::Roles,
            pos,
        }
    }

    fn at(&self, name: &str) -> Option<usize> {
        self.pos.iter().find(|(n, _)| *n == name).map(|&(_, i)| i)
    }
}

fn check_row(header: &Header, cells: &Cells<'_>, ctx: &mut RowCtx<'_>, out: &mut FileOutput, plan: &Plan) {
    let job = ctx.job;
    let v12 = job.version == Version::V12;
    let own_id = cells.get(plan.id);
    let status = cells.get(plan.status);
    let deleted = status.eq_ignore_ascii_case("tobedeleted")
        || status.eq_ignore_ascii_case("inactive")
        || status.eq_ignore_ascii_case("deleted");
    let row32 = u32::try_from(ctx.row).unwrap_or(u32::MAX);
    // What the checks of enrollments against users and classes need.
    let role = cells.get(plan.role);
    let (user_role, user_tag) = match job.table {
        Table::Users => (spec::role_kind::code(role), 0),
        Table::Enrollments if !deleted => (0, spec::role_kind::of_enrollment_role(role)),
        Table::Roles if !deleted => (0, spec::role_kind::of_code(spec::role_kind::code(role))),
        _ => (0, 0),
    };
    let mut own_hash = None;
    let (mut class_hash, mut school_hash) = (None, None);
    let mut ref_index = 0;
    for (i, col) in header.cols.iter().enumerate() {
        let Some(col) = col else { continue };
        let v = cells.get(Some(i));
        let is_ref = matches!(col.kind, Kind::Ref(_) | Kind::RefList(_));
        let this_ref = ref_index;
        if is_ref {
            ref_index += 1;
        }
        if v.is_empty() {
            match col.kind {
                Kind::Status | Kind::Modified if job.mode == Mode::Delta => {
                    ctx.add(col.name, Code::LifecycleRequiredInDelta, || {
                        format!("`{}` is required in a delta file", col.name)
                    });
                }
                Kind::Status | Kind::Modified => {}
                _ if col.required => ctx.add(col.name, Code::ValueRequired, || {
                    format!("required value `{}` is blank", col.name)
                }),
                _ => {}
            }
            continue;
        }
        match col.kind {
            Kind::Text => {}
            Kind::Id => {
                if !values::good_sourced_id(v) {
                    ctx.add(col.name, Code::ValueSourcedId, || {
                        format!(
                            "sourcedId `{}` has characters consumers reject, or is too long",
                            clip(v)
                        )
                    });
                }
                if job.table.owns_ids() {
                    let h = id_hash(v);
                    let school = cells.get(plan.org_type).eq_ignore_ascii_case("school");
                    let (info, new) = out.ids.entry(h);
                    if new {
                        *info = IdInfo::new(row32, deleted, school, user_role);
                        own_hash = Some(h);
                    } else {
                        let first = info.row();
                        ctx.add(col.name, Code::IdDuplicate, || {
                            format!("sourcedId `{}` is already on row {first}", clip(v))
                        });
                    }
                }
            }
            Kind::Status => {
                if job.mode == Mode::Bulk {
                    ctx.add(col.name, Code::LifecycleForbiddenInBulk, || {
                        format!("`status` is `{}` but must be blank in a bulk file", clip(v))
                    });
                }
                if v == "active" || v == "tobedeleted" {
                } else if v.eq_ignore_ascii_case("active") || v.eq_ignore_ascii_case("tobedeleted") {
                    ctx.add(col.name, Code::ValueCase, || {
                        format!("`{v}` should be written `{}`", v.to_ascii_lowercase())
                    });
                } else if v.eq_ignore_ascii_case("inactive") || v.eq_ignore_ascii_case("deleted") {
                    ctx.add(col.name, Code::ValueLegacyStatus, || {
                        format!("`{v}` is a OneRoster 1.0 status; read as tobedeleted")
                    });
                } else {
                    ctx.add(col.name, Code::ValueEnum, || {
                        format!("`{}` is not a status; expected active or tobedeleted", clip(v))
                    });
                }
            }
            Kind::Modified => {
                if job.mode == Mode::Bulk {
                    ctx.add(col.name, Code::LifecycleForbiddenInBulk, || {
                        "`dateLastModified` must be blank in a bulk file".into()
                    });
                }
                if !values::canonical_datetime(v) {
                    if let Some(read) = values::read_datetime(v) {
                        ctx.add(col.name, Code::ValueDateFormat, || {
                            format!(
                                "`{}` is not written YYYY-MM-DDTHH:MM:SS.sssZ; read as {} (UTC)",
                                clip(v),
                                read.format("%Y-%m-%dT%H:%M:%S%.3fZ")
                            )
                        });
                    } else {
                        ctx.add(col.name, Code::ValueDateTime, || {
                            format!("`{}` is not a datetime; expected YYYY-MM-DDTHH:MM:SS.sssZ", clip(v))
                        });
                    }
                }
            }
            Kind::Enum(allowed) => {
                if !(allowed.contains(&v) || v12 && v.starts_with("ext:") && v.len() > 4) {
                    if allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
                        ctx.add(col.name, Code::ValueCase, || {
                            let a = allowed.iter().find(|a| a.eq_ignore_ascii_case(v)).unwrap_or(&"");
                            format!("`{v}` should be written `{a}`")
                        });
                    } else {
                        ctx.add(col.name, Code::ValueEnum, || {
                            format!(
                                "`{}` is not allowed here; expected one of: {}",
                                clip(v),
                                allowed.join(", ")
                            )
                        });
                    }
                }
            }
            Kind::Bool => match values::boolean(v) {
                Some((_, true)) => {}
                Some((b, false)) => ctx.add(col.name, Code::ValueCase, || format!("`{v}` should be written `{b}`")),
                None => ctx.add(col.name, Code::ValueBoolean, || {
                    format!("`{}` is not a boolean; expected true or false", clip(v))
                }),
            },
            Kind::Date => {
                if values::canonical_date(v).is_none() {
                    let slash = dates::slash(v);
                    if let Some(s) = slash
                        && let Some(d) = out.dates.iter_mut().find(|d| d.pos == i)
                    {
                        d.note(ctx.row, v, s);
                    }
                    match (slash, values::lenient_date(v)) {
                        // Reported once for the column (`dates.rs`).
                        (Some(dates::Slash::Either(..)), _) => {}
                        (_, Some(d)) => ctx.add(col.name, Code::ValueDateFormat, || dates::noncanonical(v, slash, d)),
                        (_, None) => ctx.add(col.name, Code::ValueDate, || {
                            format!("`{}` is not a date; expected YYYY-MM-DD", clip(v))
                        }),
                    }
                }
            }
            Kind::Year => {
                if !values::year(v) {
                    ctx.add(col.name, Code::ValueYear, || {
                        format!("`{}` is not a year; expected YYYY", clip(v))
                    });
                }
            }
            Kind::Ref(_) => {
                if v == own_id && matches!(col.name, "parentSourcedId") {
                    ctx.add(col.name, Code::ReferenceSelf, || {
                        format!("the record is its own parent (`{}`)", clip(v))
                    });
                }
                let tag = if col.name == "userSourcedId" { user_tag } else { 0 };
                let h = add_ref(out, this_ref, v, row32, deleted, tag);
                match col.name {
                    "classSourcedId" => class_hash = Some(h),
                    "schoolSourcedId" => school_hash = Some(h),
                    _ => {}
                }
                if col.name == "primaryOrgSourcedId" && !own_id.is_empty() {
                    out.primary_orgs.push((id_hash(own_id), id_hash(v), row32));
                }
            }
            Kind::RefList(_) => {
                let (items, clean) = values::list(v);
                for item in items {
                    if item == own_id {
                        ctx.add(col.name, Code::ReferenceSelf, || {
                            format!("the record lists itself (`{}`)", clip(item))
                        });
                    }
                    add_ref(out, this_ref, item, row32, deleted, 0);
                }
                if !clean {
                    ctx.add(col.name, Code::ValueList, || {
                        format!("`{}` has empty items or spaces around commas", clip(v))
                    });
                }
            }
            Kind::List => {
                if !values::list(v).1 {
                    ctx.add(col.name, Code::ValueList, || {
                        format!("`{}` has empty items or spaces around commas", clip(v))
                    });
                }
            }
            Kind::Grades => {
                let (items, clean) = values::list(v);
                for g in items {
                    if !spec::GRADES.contains(&g) {
                        ctx.add(col.name, Code::ValueGrade, || {
                            format!("`{}` is not a CEDS grade code (KG, 01…13, PK, …)", clip(g))
                        });
                    }
                }
                if !clean {
                    ctx.add(col.name, Code::ValueList, || {
                        format!("`{}` has empty items or spaces around commas", clip(v))
                    });
                }
            }
            Kind::UserIds => {
                for item in values::user_ids(v) {
                    if !values::user_id(item) {
                        ctx.add(col.name, Code::ValueUserIds, || {
                            format!("`{}` is not written {{type:id}}", clip(item))
                        });
                    }
                }
            }
        }
    }
    // Which school each class is at, and which its enrollments name.
    match (job.table, own_hash, class_hash, school_hash) {
        (Table::Classes, Some(class), _, Some(school)) => {
            let i = out.school_index(school);
            out.ids.entry(class).0.set_school_index(i);
        }
        (Table::Enrollments, _, Some(class), Some(school))
            if !deleted && out.last_class_school != Some((class, school)) =>
        {
            out.last_class_school = Some((class, school));
            let i = out.school_index(school);
            let (at, new) = out.class_schools.entry(class);
            if new {
                *at = i;
            } else if *at != i {
                *at = MIXED_SCHOOLS;
            }
        }
        _ => {}
    }
    // Date order.
    if let Some((start_col, start, end_col, end)) = plan.dates
        && let (Some(a), Some(b)) = (
            read_date(out, start, cells.get(start)),
            read_date(out, end, cells.get(end)),
        )
        && b < a
    {
        ctx.add(end_col, Code::ValueDateOrder, || {
            format!("{end_col} {b} is before {start_col} {a}")
        });
    }
    // 1.2 roles: one primary role per user and org.
    if job.table == Table::Roles {
        let user = cells.get(plan.at("userSourcedId"));
        let org = cells.get(plan.at("orgSourcedId"));
        if !user.is_empty() && !org.is_empty() {
            let pair = (id_hash(user), id_hash(org));
            let primary = cells.get(plan.at("roleType")) == "primary";
            // Track primaries with the high bit of the org hash flipped.
            let primary_key = (pair.0, [pair.1[0], !pair.1[1]]);
            if primary && !out.role_pairs.insert(primary_key) {
                ctx.add("roleType", Code::RolesMultiplePrimary, || {
                    format!(
                        "user `{}` already has a primary role at org `{}`",
                        clip(user),
                        clip(org)
                    )
                });
            }
            out.role_pairs.insert(pair);
        }
    }
}

/// A date of the column at `pos`, read as the column (or the file) reads so far.
fn read_date(out: &FileOutput, pos: Option<usize>, v: &str) -> Option<chrono::NaiveDate> {
    match out.dates.iter().find(|d| Some(d.pos) == pos) {
        Some(d) => d.read(v, dates::file_order(&out.dates).is_some_and(|o| o.day_first)),
        None => values::lenient_date(v),
    }
}

/// How many records with dates the file has built.
fn dated_records(out: &FileOutput) -> usize {
    match out.job.table {
        Table::AcademicSessions => out.built.sessions.len(),
        Table::Enrollments => out.built.enrollments.len(),
        _ => 0,
    }
}

/// The findings of each date column, once every row is read; the dates that could be
/// either order are turned day-first in the records of a day-first column.
fn finish_columns(out: &mut FileOutput, file: &str, sink: &mut Sink) {
    let FileOutput { dates, built, job, .. } = out;
    let order = dates::file_order(dates);
    let file_day_first = order.as_ref().is_some_and(|o| o.day_first);
    for d in dates.iter() {
        d.finish(file, order.as_ref(), sink);
        if !d.reads_day_first(file_day_first) {
            continue;
        }
        for &at in &d.records {
            let at = at as usize;
            let field = match (job.table, d.column) {
                (Table::AcademicSessions, "startDate") => built.sessions.get_mut(at).map(|s| &mut s.start_date),
                (Table::AcademicSessions, "endDate") => built.sessions.get_mut(at).map(|s| &mut s.end_date),
                (Table::Enrollments, "beginDate") => built.enrollments.get_mut(at).map(|e| &mut e.begin_date),
                (Table::Enrollments, "endDate") => built.enrollments.get_mut(at).map(|e| &mut e.end_date),
                _ => None,
            };
            if let Some(Some(date)) = field {
                *date = dates::swap(*date);
            }
        }
    }
}

/// Records a reference to `v` from `row`, with the `spec::role_kind` bits `tag` the
/// row gives it (see [`RefUse::tag`]); returns the id's hash.
fn add_ref(out: &mut FileOutput, index: usize, v: &str, row: u32, deleted: bool, tag: u8) -> IdHash {
    let h = id_hash(v);
    let Some(col) = out.refs.get_mut(index) else { return h };
    let arena = &mut col.arena;
    let (u, new) = col.uses.entry(h);
    if new {
        let mut end = v.len().min(255);
        while !v.is_char_boundary(end) {
            end -= 1;
        }
        let at = u32::try_from(arena.len()).unwrap_or(u32::MAX);
        if at < u32::MAX - 256 {
            arena.push(u8::try_from(end).unwrap_or(0));
            arena.extend_from_slice(&v.as_bytes()[..end]);
        }
        *u = RefUse {
            first_row: row,
            count_tag: 0,
            first_active: u32::MAX,
            at,
        };
    }
    let count = (u.count_tag & RefUse::COUNT).saturating_add(1).min(RefUse::COUNT);
    u.count_tag = (u.count_tag & !RefUse::COUNT) | count | (u32::from(tag & 0xf) << 28);
    if !deleted && u.first_active == u32::MAX {
        u.first_active = row;
    }
    h
}

/// A value cut for a message, so a hostile cell cannot flood the report.
pub(crate) fn clip(v: &str) -> String {
    const MAX: usize = 80;
    if v.len() <= MAX {
        return v.to_owned();
    }
    let mut end = MAX;
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &v[..end])
}

fn opt(cells: &Cells<'_>, plan: &Plan, name: &str) -> Option<String> {
    let v = cells.get(plan.at(name));
    (!v.is_empty()).then(|| v.to_owned())
}

fn text(cells: &Cells<'_>, plan: &Plan, name: &str) -> String {
    cells.get(plan.at(name)).to_owned()
}

fn status(cells: &Cells<'_>, plan: &Plan) -> RecordStatus {
    let v = cells.get(plan.status);
    if v.eq_ignore_ascii_case("tobedeleted") || v.eq_ignore_ascii_case("inactive") || v.eq_ignore_ascii_case("deleted")
    {
        RecordStatus::ToBeDeleted
    } else {
        RecordStatus::Active
    }
}

fn list(cells: &Cells<'_>, plan: &Plan, name: &str) -> Vec<String> {
    values::list(cells.get(plan.at(name))).0.map(str::to_owned).collect()
}

fn date(cells: &Cells<'_>, plan: &Plan, name: &str) -> Option<chrono::NaiveDate> {
    values::lenient_date(cells.get(plan.at(name)))
}

fn build(job: &FileJob, plan: &Plan, cells: &Cells<'_>, out: &mut FileOutput) {
    let id = cells.get(plan.id);
    if id.is_empty() && job.table != Table::Roles {
        return;
    }
    let b = &mut out.built;
    match job.table {
        Table::Orgs => b.orgs.push(Org {
            sourced_id: id.to_owned(),
            status: status(cells, plan),
            name: text(cells, plan, "name"),
            org_type: text(cells, plan, "type"),
            identifier: opt(cells, plan, "identifier"),
            parent_sourced_id: opt(cells, plan, "parentSourcedId"),
        }),
        Table::Users => {
            let mut roles = Vec::new();
            let role = cells.get(plan.at("role"));
            if !role.is_empty() {
                let role = Role::parse(role);
                let orgs = list(cells, plan, "orgSourcedIds");
                if orgs.is_empty() {
                    roles.push(UserRole {
                        role,
                        org_sourced_id: String::new(),
                        primary: true,
                    });
                } else {
                    for (i, org) in orgs.into_iter().enumerate() {
                        roles.push(UserRole {
                            role: role.clone(),
                            org_sourced_id: org,
                            primary: i == 0,
                        });
                    }
                }
            }
            b.users.push(User {
                sourced_id: id.to_owned(),
                status: status(cells, plan),
                enabled: values::boolean(cells.get(plan.at("enabledUser"))).is_none_or(|(v, _)| v),
                roles,
                username: text(cells, plan, "username"),
                given_name: text(cells, plan, "givenName"),
                family_name: text(cells, plan, "familyName"),
                middle_name: opt(cells, plan, "middleName"),
                preferred_given_name: opt(cells, plan, "preferredGivenName"),
                identifier: opt(cells, plan, "identifier"),
                email: opt(cells, plan, "email"),
                phone: opt(cells, plan, "phone"),
                agent_sourced_ids: list(cells, plan, "agentSourcedIds"),
                grades: list(cells, plan, "grades"),
            });
        }
        Table::Courses => b.courses.push(Course {
            sourced_id: id.to_owned(),
            status: status(cells, plan),
            title: text(cells, plan, "title"),
            course_code: opt(cells, plan, "courseCode"),
            org_sourced_id: text(cells, plan, "orgSourcedId"),
        }),
        Table::Classes => b.classes.push(Class {
            sourced_id: id.to_owned(),
            status: status(cells, plan),
            title: text(cells, plan, "title"),
            course_sourced_id: text(cells, plan, "courseSourcedId"),
            class_code: opt(cells, plan, "classCode"),
            class_type: opt(cells, plan, "classType"),
            school_sourced_id: text(cells, plan, "schoolSourcedId"),
            term_sourced_ids: list(cells, plan, "termSourcedIds"),
        }),
        Table::AcademicSessions => b.sessions.push(AcademicSession {
            sourced_id: id.to_owned(),
            status: status(cells, plan),
            title: text(cells, plan, "title"),
            session_type: text(cells, plan, "type"),
            start_date: date(cells, plan, "startDate"),
            end_date: date(cells, plan, "endDate"),
            parent_sourced_id: opt(cells, plan, "parentSourcedId"),
            school_year: opt(cells, plan, "schoolYear"),
        }),
        Table::Enrollments => b.enrollments.push(Enrollment {
            sourced_id: id.to_owned(),
            status: status(cells, plan),
            class_sourced_id: text(cells, plan, "classSourcedId"),
            school_sourced_id: text(cells, plan, "schoolSourcedId"),
            user_sourced_id: text(cells, plan, "userSourcedId"),
            role: Role::parse(cells.get(plan.at("role"))),
            primary: values::boolean(cells.get(plan.at("primary"))).map(|(v, _)| v),
            begin_date: date(cells, plan, "beginDate"),
            end_date: date(cells, plan, "endDate"),
        }),
        Table::Roles => {
            let user = cells.get(plan.at("userSourcedId"));
            if !user.is_empty() && status(cells, plan).is_active() {
                b.roles.push((
                    user.to_owned(),
                    UserRole {
                        role: Role::parse(cells.get(plan.at("role"))),
                        org_sourced_id: text(cells, plan, "orgSourcedId"),
                        primary: cells.get(plan.at("roleType")).eq_ignore_ascii_case("primary"),
                    },
                ));
            }
        }
        Table::Demographics | Table::UserProfiles => {}
    }
}
