//! Writes a [`Roster`] as a `OneRoster` 1.1 CSV bundle, as a folder or a ZIP archive.
//!
//! The bundle holds `manifest.csv` (`manifest.version` 1.0, `oneroster.version` 1.1)
//! and `orgs.csv`, `users.csv`, `courses.csv`, `classes.csv`, `academicSessions.csv`
//! and `enrollments.csv` with the exact 1.1 headers in spec order; the other 1.1 files
//! are declared `absent`.
//!
//! - A file whose records are all active is written in **bulk** mode: `status` and
//!   `dateLastModified` are blank.
//! - A file with at least one `ToBeDeleted` record is declared **delta** in the
//!   manifest, and every one of its rows carries `status` (`active` or `tobedeleted`)
//!   and `dateLastModified` ([`DELTA_DATE_LAST_MODIFIED`]).
//! - Multi-valued fields (`orgSourcedIds`, `agentSourcedIds`, `grades`,
//!   `termSourcedIds`) are comma-joined in one field, quoted by the CSV writer.
//! - Users get one row each: `orgSourcedIds` lists the orgs of their roles (primary
//!   first) and `role` is their primary role.
//! - Fields the roster model does not carry (`userIds`, `sms`, `password`, course and
//!   class `grades`, `subjects`, `location`, `periods`, `schoolYearSourcedId`) are blank.
//!
//! Files are UTF-8 without BOM, RFC 4180 (CRLF line ends). Writing is atomic: the
//! bundle is written under a temporary name beside the target and renamed into place,
//! so a crash never leaves half a bundle.
//!
//! The demo generator writes its districts with it, and evidence of a case
//! ([`crate::evidence`]) its SIS slice. What the roster model does not carry is not
//! written: a 1.2 bundle's extra roles collapse to each user's primary role, and its
//! preferred names are dropped.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use cdt_core::roster::{RecordStatus, Roster};

use crate::atomic::{AtomicDir, AtomicFile};
use crate::error::Error;

/// The `dateLastModified` written on every row of a delta file.
pub const DELTA_DATE_LAST_MODIFIED: &str = "2026-11-01T12:00:00.000Z";

/// The deflate level of ZIP entries. Level 1 compresses a 100,000-student bundle
/// about three times faster than the default level 6, for an archive about 20 %
/// larger (sourcedIds are random hex, which no level compresses well).
pub const ZIP_DEFLATE_LEVEL: i64 = 1;

/// The `source.systemName` written in the manifest.
pub const SOURCE_SYSTEM_NAME: &str = "cdt-demo";

/// The `file.*` entries of a `OneRoster` 1.1 manifest, in the order written.
pub const MANIFEST_FILES_1_1: [&str; 13] = [
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItems",
    "orgs",
    "resources",
    "results",
    "users",
];

/// File names that may sit in a `OneRoster` CSV bundle (1.1 and 1.2); a folder holding
/// only these can be replaced by [`write_bundle_dir`].
const BUNDLE_FILE_NAMES: [&str; 22] = [
    "manifest.csv",
    "academicSessions.csv",
    "categories.csv",
    "classes.csv",
    "classResources.csv",
    "courses.csv",
    "courseResources.csv",
    "demographics.csv",
    "enrollments.csv",
    "lineItems.csv",
    "orgs.csv",
    "resources.csv",
    "results.csv",
    "users.csv",
    "roles.csv",
    "userProfiles.csv",
    "userResources.csv",
    "scoreScales.csv",
    "lineItemLearningObjectiveIds.csv",
    "lineItemScoreScales.csv",
    "resultLearningObjectiveIds.csv",
    "resultScoreScales.csv",
];

/// A data file of the bundles this module writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BundleFile {
    /// `academicSessions.csv`
    AcademicSessions,
    /// `orgs.csv`
    Orgs,
    /// `courses.csv`
    Courses,
    /// `classes.csv`
    Classes,
    /// `users.csv`
    Users,
    /// `enrollments.csv`
    Enrollments,
}

impl BundleFile {
    /// Every data file, in the order written.
    pub const ALL: [BundleFile; 6] = [
        Self::Orgs,
        Self::AcademicSessions,
        Self::Courses,
        Self::Classes,
        Self::Users,
        Self::Enrollments,
    ];

    /// The manifest name, e.g. `academicSessions` (as in `file.academicSessions`).
    #[must_use]
    pub fn stem(self) -> &'static str {
        match self {
            Self::AcademicSessions => "academicSessions",
            Self::Orgs => "orgs",
            Self::Courses => "courses",
            Self::Classes => "classes",
            Self::Users => "users",
            Self::Enrollments => "enrollments",
        }
    }

    /// The file name, e.g. `academicSessions.csv`.
    #[must_use]
    pub fn file_name(self) -> &'static str {
        match self {
            Self::AcademicSessions => "academicSessions.csv",
            Self::Orgs => "orgs.csv",
            Self::Courses => "courses.csv",
            Self::Classes => "classes.csv",
            Self::Users => "users.csv",
            Self::Enrollments => "enrollments.csv",
        }
    }

    /// The `OneRoster` 1.1 header, in spec order.
    #[must_use]
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Self::AcademicSessions => &[
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "type",
                "startDate",
                "endDate",
                "parentSourcedId",
                "schoolYear",
            ],
            Self::Orgs => &[
                "sourcedId",
                "status",
                "dateLastModified",
                "name",
                "type",
                "identifier",
                "parentSourcedId",
            ],
            Self::Courses => &[
                "sourcedId",
                "status",
                "dateLastModified",
                "schoolYearSourcedId",
                "title",
                "courseCode",
                "grades",
                "orgSourcedId",
                "subjects",
                "subjectCodes",
            ],
            Self::Classes => &[
                "sourcedId",
                "status",
                "dateLastModified",
                "title",
                "grades",
                "courseSourcedId",
                "classCode",
                "classType",
                "location",
                "schoolSourcedId",
                "termSourcedIds",
                "subjects",
                "subjectCodes",
                "periods",
            ],
            Self::Users => &[
                "sourcedId",
                "status",
                "dateLastModified",
                "enabledUser",
                "orgSourcedIds",
                "role",
                "username",
                "userIds",
                "givenName",
                "familyName",
                "middleName",
                "identifier",
                "email",
                "sms",
                "phone",
                "agentSourcedIds",
                "grades",
                "password",
            ],
            Self::Enrollments => &[
                "sourcedId",
                "status",
                "dateLastModified",
                "classSourcedId",
                "schoolSourcedId",
                "userSourcedId",
                "role",
                "primary",
                "beginDate",
                "endDate",
            ],
        }
    }

    /// Whether this file of `roster` is written in delta mode: some record is
    /// `ToBeDeleted`.
    #[must_use]
    pub fn is_delta(self, roster: &Roster) -> bool {
        let deleted = |s: RecordStatus| !s.is_active();
        match self {
            Self::AcademicSessions => roster.academic_sessions.iter().any(|r| deleted(r.status)),
            Self::Orgs => roster.orgs.iter().any(|r| deleted(r.status)),
            Self::Courses => roster.courses.iter().any(|r| deleted(r.status)),
            Self::Classes => roster.classes.iter().any(|r| deleted(r.status)),
            Self::Users => roster.users.iter().any(|r| deleted(r.status)),
            Self::Enrollments => roster.enrollments.iter().any(|r| deleted(r.status)),
        }
    }

    /// The number of data rows this file of `roster` has.
    #[must_use]
    pub fn row_count(self, roster: &Roster) -> usize {
        match self {
            Self::AcademicSessions => roster.academic_sessions.len(),
            Self::Orgs => roster.orgs.len(),
            Self::Courses => roster.courses.len(),
            Self::Classes => roster.classes.len(),
            Self::Users => roster.users.len(),
            Self::Enrollments => roster.enrollments.len(),
        }
    }
}

/// The contents of `manifest.csv` for `roster`, as written.
#[must_use]
pub fn manifest(roster: &Roster) -> String {
    let mut out = String::from("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n");
    for stem in MANIFEST_FILES_1_1 {
        let mode = BundleFile::ALL
            .iter()
            .find(|f| f.stem() == stem)
            .map_or("absent", |f| if f.is_delta(roster) { "delta" } else { "bulk" });
        let _ = write!(out, "file.{stem},{mode}\r\n");
    }
    let _ = write!(out, "source.systemName,{SOURCE_SYSTEM_NAME}\r\n");
    out
}

/// Writes `roster` as a `OneRoster` 1.1 CSV bundle in the folder `dir`.
///
/// The folder is written under a temporary name beside it and renamed into place. An
/// existing `dir` is replaced only if it holds nothing but `OneRoster` CSV files (an
/// earlier bundle); otherwise [`Error::Bundle`] says which entry is in the way and
/// nothing changes.
pub fn write_bundle_dir(roster: &Roster, dir: &Path) -> Result<(), Error> {
    check_replaceable(dir)?;
    let out = AtomicDir::create(dir, |name| BUNDLE_FILE_NAMES.contains(&name)).map_err(|e| Error::io(dir, e))?;
    for file in BundleFile::ALL {
        let path = dir.join(file.file_name());
        let f = out.create_file(file.file_name()).map_err(|e| Error::io(&path, e))?;
        let f = write_table(BufWriter::with_capacity(1 << 16, f), file, roster, &path)?;
        f.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
    }
    let path = dir.join("manifest.csv");
    out.create_file("manifest.csv")
        .and_then(|mut f| f.write_all(manifest(roster).as_bytes()))
        .map_err(|e| Error::io(&path, e))?;
    out.commit().map_err(|e| Error::io(dir, e))
}

/// Writes `roster` as a `OneRoster` 1.1 CSV bundle in the ZIP archive `path`, the files
/// at the archive's root, deflated ([`ZIP_DEFLATE_LEVEL`]).
///
/// The archive is written under a fresh temporary name beside `path` and renamed into
/// place, replacing any existing file ([`crate::atomic`]). Entry timestamps
/// are fixed (1980-01-01), so the same roster always gives the same bytes.
pub fn write_bundle_zip(roster: &Roster, path: &Path) -> Result<(), Error> {
    use zip::write::SimpleFileOptions;

    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let zip_err = |e: zip::result::ZipError| Error::Zip {
        path: path.to_owned(),
        message: format!("cannot write: {e}"),
    };
    let mut file = AtomicFile::create(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 16, file.file()));
    // Entries over 4 GiB need ZIP64; a crude estimate decides (rows are < 400 bytes).
    let rows: usize = BundleFile::ALL.iter().map(|f| f.row_count(roster)).sum();
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(ZIP_DEFLATE_LEVEL))
        .large_file(rows > 8_000_000);
    zip.start_file("manifest.csv", options).map_err(zip_err)?;
    zip.write_all(manifest(roster).as_bytes())
        .map_err(|e| Error::io(path.join("manifest.csv"), e))?;
    for file in BundleFile::ALL {
        zip.start_file(file.file_name(), options).map_err(zip_err)?;
        let entry = path.join(file.file_name());
        write_table(&mut zip, file, roster, &entry)?;
    }
    let out = zip.finish().map_err(zip_err)?;
    out.into_inner().map_err(|e| Error::io(path, e.into_error()))?;
    file.commit().map_err(|e| Error::io(path, e))
}

/// Writes one CSV file of the bundle to `out`; returns `out` flushed.
fn write_table<W: Write>(out: W, file: BundleFile, roster: &Roster, path: &Path) -> Result<W, Error> {
    let csv_err = |e: csv::Error| csv_write_error(path, &e);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(file.header()).map_err(csv_err)?;
    let mut row = Row {
        w: &mut w,
        path,
        delta: file.is_delta(roster),
        buf: String::new(),
    };
    match file {
        BundleFile::AcademicSessions => {
            for s in &roster.academic_sessions {
                row.lifecycle(&s.sourced_id, s.status)?;
                row.field(&s.title)?;
                row.field(&s.session_type)?;
                row.date(s.start_date)?;
                row.date(s.end_date)?;
                row.opt(s.parent_sourced_id.as_deref())?;
                row.opt(s.school_year.as_deref())?;
                row.end()?;
            }
        }
        BundleFile::Orgs => {
            for o in &roster.orgs {
                row.lifecycle(&o.sourced_id, o.status)?;
                row.field(&o.name)?;
                row.field(&o.org_type)?;
                row.opt(o.identifier.as_deref())?;
                row.opt(o.parent_sourced_id.as_deref())?;
                row.end()?;
            }
        }
        BundleFile::Courses => {
            for c in &roster.courses {
                row.lifecycle(&c.sourced_id, c.status)?;
                row.field("")?; // schoolYearSourcedId
                row.field(&c.title)?;
                row.opt(c.course_code.as_deref())?;
                row.field("")?; // grades
                row.field(&c.org_sourced_id)?;
                row.field("")?; // subjects
                row.field("")?; // subjectCodes
                row.end()?;
            }
        }
        BundleFile::Classes => {
            for c in &roster.classes {
                row.lifecycle(&c.sourced_id, c.status)?;
                row.field(&c.title)?;
                row.field("")?; // grades
                row.field(&c.course_sourced_id)?;
                row.opt(c.class_code.as_deref())?;
                row.opt(c.class_type.as_deref())?;
                row.field("")?; // location
                row.field(&c.school_sourced_id)?;
                row.list(c.term_sourced_ids.iter().map(String::as_str))?;
                row.field("")?; // subjects
                row.field("")?; // subjectCodes
                row.field("")?; // periods
                row.end()?;
            }
        }
        BundleFile::Users => {
            for u in &roster.users {
                row.lifecycle(&u.sourced_id, u.status)?;
                row.field(if u.enabled { "true" } else { "false" })?;
                row.list(u.org_sourced_ids())?;
                row.field(u.primary_role().map_or("", |r| r.as_str()))?;
                row.field(&u.username)?;
                row.field("")?; // userIds
                row.field(&u.given_name)?;
                row.field(&u.family_name)?;
                row.opt(u.middle_name.as_deref())?;
                row.opt(u.identifier.as_deref())?;
                row.opt(u.email.as_deref())?;
                row.field("")?; // sms
                row.opt(u.phone.as_deref())?;
                row.list(u.agent_sourced_ids.iter().map(String::as_str))?;
                row.list(u.grades.iter().map(String::as_str))?;
                row.field("")?; // password
                row.end()?;
            }
        }
        BundleFile::Enrollments => {
            for e in &roster.enrollments {
                row.lifecycle(&e.sourced_id, e.status)?;
                row.field(&e.class_sourced_id)?;
                row.field(&e.school_sourced_id)?;
                row.field(&e.user_sourced_id)?;
                row.field(e.role.as_str())?;
                row.field(match e.primary {
                    Some(true) => "true",
                    Some(false) => "false",
                    None => "",
                })?;
                row.date(e.begin_date)?;
                row.date(e.end_date)?;
                row.end()?;
            }
        }
    }
    w.flush().map_err(|e| Error::io(path, e))?;
    w.into_inner().map_err(|e| Error::io(path, e.into_error()))
}

/// Streams one row's fields into the CSV writer without building a record.
struct Row<'a, W: Write> {
    w: &'a mut csv::Writer<W>,
    path: &'a Path,
    delta: bool,
    buf: String,
}

impl<W: Write> Row<'_, W> {
    fn field(&mut self, value: &str) -> Result<(), Error> {
        self.w.write_field(value).map_err(|e| self.error(&e))
    }

    fn opt(&mut self, value: Option<&str>) -> Result<(), Error> {
        self.field(value.unwrap_or(""))
    }

    /// `sourcedId`, `status`, `dateLastModified` (the last two blank in bulk mode).
    fn lifecycle(&mut self, sourced_id: &str, status: RecordStatus) -> Result<(), Error> {
        self.field(sourced_id)?;
        if self.delta {
            self.field(if status.is_active() { "active" } else { "tobedeleted" })?;
            self.field(DELTA_DATE_LAST_MODIFIED)
        } else {
            self.field("")?;
            self.field("")
        }
    }

    fn date(&mut self, date: Option<chrono::NaiveDate>) -> Result<(), Error> {
        self.buf.clear();
        if let Some(d) = date {
            let _ = write!(self.buf, "{}", d.format("%Y-%m-%d"));
        }
        let value = std::mem::take(&mut self.buf);
        let result = self.field(&value);
        self.buf = value;
        result
    }

    fn list<'v>(&mut self, values: impl Iterator<Item = &'v str>) -> Result<(), Error> {
        let mut joined = std::mem::take(&mut self.buf);
        joined.clear();
        for (i, v) in values.enumerate() {
            if i > 0 {
                joined.push(',');
            }
            joined.push_str(v);
        }
        let result = self.field(&joined);
        self.buf = joined;
        result
    }

    fn end(&mut self) -> Result<(), Error> {
        self.w
            .write_record(std::iter::empty::<&[u8]>())
            .map_err(|e| self.error(&e))
    }

    fn error(&self, source: &csv::Error) -> Error {
        csv_write_error(self.path, source)
    }
}

/// The CSV writer failed on a file (inside a ZIP archive: `archive.zip/users.csv`).
fn csv_write_error(path: &Path, e: &csv::Error) -> Error {
    Error::Bundle {
        path: path.to_owned(),
        message: format!("cannot write CSV: {e}"),
    }
}

/// A folder that is not an earlier bundle, so replacing it could destroy someone's files.
fn not_a_bundle(dir: &Path, entry: &str) -> Error {
    Error::Bundle {
        path: dir.to_owned(),
        message: format!(
            "refusing to replace it: it holds `{}`, which is not part of a OneRoster CSV bundle",
            cdt_core::text::one_line(entry)
        ),
    }
}

/// Fails unless `dir` is absent or a folder holding only `OneRoster` CSV files.
fn check_replaceable(dir: &Path) -> Result<(), Error> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    if !meta.is_dir() {
        return Err(Error::Bundle {
            path: dir.to_owned(),
            message: "refusing to replace it: it is not a folder".into(),
        });
    }
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !BUNDLE_FILE_NAMES.contains(&name.as_str()) {
            return Err(not_a_bundle(dir, &name));
        }
    }
    Ok(())
}
