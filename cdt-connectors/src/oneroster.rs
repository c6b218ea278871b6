//! The OneRoster CSV connector: reads a bundle into a [`Roster`].
//!
//! The version comes from `manifest.csv` (`oneroster.version`); without a manifest the
//! bundle is read as 1.1 when `users.csv` has a `role` column, else as 1.2, with a
//! warning. In 1.1 each user row carries one role and its orgs; in 1.2 roles come from
//! `roles.csv`. Problems that spoil one row skip that row with a warning naming the
//! file, row and column; problems that spoil a file (a missing required column,
//! malformed CSV) are errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use cdt_core::SourceConnector;
use cdt_core::roster::{
    AcademicSession, Class, Course, Enrollment, Org, Provenance, RecordStatus, Role, Roster, User, UserRole,
};
use chrono::NaiveDate;
use tracing::{debug, info};

use crate::bundle::{Bundle, Limits};
use crate::csv_table::{Row, read_table};
use crate::error::{Error, Result};

/// How many warnings are kept word for word; the rest are counted.
const MAX_WARNINGS: usize = 50;

/// Reads OneRoster CSV bundles (ZIP, folder or single CSV file).
#[derive(Clone, Debug)]
pub struct OneRosterCsv {
    path: PathBuf,
    limits: Limits,
}

impl OneRosterCsv {
    /// A connector for the bundle at `path`, with default [`Limits`].
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            limits: Limits::default(),
        }
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
}

#[async_trait]
impl SourceConnector for OneRosterCsv {
    fn describe(&self) -> String {
        format!("OneRoster CSV bundle {}", self.path.display())
    }

    async fn load(&self) -> cdt_core::Result<Roster> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.read())
            .await
            .map_err(|e| cdt_core::Error::connector(self.describe(), format!("reader task failed: {e}")))?
            .map_err(Into::into)
    }
}

/// Collects warnings, keeping the first [`MAX_WARNINGS`].
#[derive(Default)]
struct Warnings {
    kept: Vec<String>,
    dropped: usize,
}

impl Warnings {
    fn push(&mut self, w: impl Into<String>) {
        if self.kept.len() < MAX_WARNINGS {
            self.kept.push(w.into());
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.kept.push(format!("… and {} more warnings", self.dropped));
        }
        self.kept
    }
}

/// Reads a bundle at `path` into a roster.
pub fn read_bundle(path: &Path, limits: Limits) -> Result<Roster> {
    let mut bundle = Bundle::open(path, limits)?;
    let mut warnings = Warnings::default();
    let manifest = match bundle.read("manifest.csv")? {
        Some(bytes) => Some(read_manifest(&bytes)?),
        None => None,
    };
    let version = manifest.as_ref().and_then(|m| m.get("oneroster.version").cloned());
    if manifest.is_none() && !matches!(bundle, Bundle::Single { .. }) {
        warnings.push("manifest.csv is missing: the OneRoster version was guessed from users.csv");
    }
    if let Some(v) = &version
        && v != "1.1"
        && v != "1.2"
        && v != "1.0"
    {
        {
            return Err(Error::csv(
                "manifest.csv",
                None,
                Some("oneroster.version"),
                format!("unsupported OneRoster version `{v}`; expected 1.1 or 1.2"),
            ));
        }
    }
    let mut roster = Roster::default();

    if let Some(bytes) = bundle.read("orgs.csv")? {
        read_table("orgs.csv", &bytes[..], &["sourcedId", "name", "type"], |row| {
            roster.orgs.push(Org {
                sourced_id: row.required("sourcedId")?.to_owned(),
                status: status(row, &mut warnings)?,
                name: row.required("name")?.to_owned(),
                org_type: row.required("type")?.to_owned(),
                identifier: row.opt("identifier")?,
                parent_sourced_id: row.opt("parentSourcedId")?,
            });
            Ok(())
        })?;
    }

    let users_bytes = bundle.read("users.csv")?;
    let mut is_v11 = version.as_deref().map(|v| v != "1.2");
    if let Some(bytes) = &users_bytes {
        if is_v11.is_none() {
            let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
            let header = String::from_utf8_lossy(header).to_ascii_lowercase();
            is_v11 = Some(header.split(',').any(|c| c.trim() == "role"));
        }
        let v11 = is_v11.unwrap_or(true);
        let mut required = vec!["sourcedId", "givenName", "familyName"];
        if v11 {
            required.push("role");
        }
        read_table("users.csv", &bytes[..], &required, |row| {
            let user = match parse_user(row, v11, &mut warnings) {
                Ok(u) => u,
                Err(e @ Error::Csv { .. }) => {
                    warnings.push(format!("row skipped: {e}"));
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            roster.users.push(user);
            Ok(())
        })?;
    } else if !matches!(bundle, Bundle::Single { .. }) {
        warnings.push("users.csv is missing: the bundle has no people");
    }

    if is_v11 == Some(false)
        && let Some(bytes) = bundle.read("roles.csv")?
    {
        {
            let index: HashMap<String, usize> = roster
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (u.sourced_id.clone(), i))
                .collect();
            read_table(
                "roles.csv",
                &bytes[..],
                &["userSourcedId", "roleType", "role", "orgSourcedId"],
                |row| {
                    let user = row.required("userSourcedId")?;
                    let Some(&i) = index.get(user) else {
                        warnings.push(format!("{}: user `{user}` is not in users.csv", row.at()));
                        return Ok(());
                    };
                    roster.users[i].roles.push(UserRole {
                        role: Role::parse(row.required("role")?),
                        org_sourced_id: row.required("orgSourcedId")?.to_owned(),
                        primary: row.get("roleType")?.is_some_and(|t| t.eq_ignore_ascii_case("primary")),
                    });
                    Ok(())
                },
            )?;
        }
    }

    if let Some(bytes) = bundle.read("courses.csv")? {
        read_table("courses.csv", &bytes[..], &["sourcedId", "title"], |row| {
            roster.courses.push(Course {
                sourced_id: row.required("sourcedId")?.to_owned(),
                status: status(row, &mut warnings)?,
                title: row.required("title")?.to_owned(),
                course_code: row.opt("courseCode")?,
                org_sourced_id: row.opt("orgSourcedId")?.unwrap_or_default(),
            });
            Ok(())
        })?;
    }

    if let Some(bytes) = bundle.read("academicSessions.csv")? {
        read_table(
            "academicSessions.csv",
            &bytes[..],
            &["sourcedId", "title", "type"],
            |row| {
                roster.academic_sessions.push(AcademicSession {
                    sourced_id: row.required("sourcedId")?.to_owned(),
                    status: status(row, &mut warnings)?,
                    title: row.required("title")?.to_owned(),
                    session_type: row.required("type")?.to_owned(),
                    start_date: date(row, "startDate", &mut warnings)?,
                    end_date: date(row, "endDate", &mut warnings)?,
                    parent_sourced_id: row.opt("parentSourcedId")?,
                    school_year: row.opt("schoolYear")?,
                });
                Ok(())
            },
        )?;
    }

    if let Some(bytes) = bundle.read("classes.csv")? {
        read_table(
            "classes.csv",
            &bytes[..],
            &["sourcedId", "title", "courseSourcedId", "schoolSourcedId"],
            |row| {
                roster.classes.push(Class {
                    sourced_id: row.required("sourcedId")?.to_owned(),
                    status: status(row, &mut warnings)?,
                    title: row.required("title")?.to_owned(),
                    course_sourced_id: row.required("courseSourcedId")?.to_owned(),
                    class_code: row.opt("classCode")?,
                    class_type: row.opt("classType")?,
                    school_sourced_id: row.required("schoolSourcedId")?.to_owned(),
                    term_sourced_ids: row.list("termSourcedIds")?,
                });
                Ok(())
            },
        )?;
    }

    if let Some(bytes) = bundle.read("enrollments.csv")? {
        read_table(
            "enrollments.csv",
            &bytes[..],
            &[
                "sourcedId",
                "classSourcedId",
                "schoolSourcedId",
                "userSourcedId",
                "role",
            ],
            |row| {
                let parsed = (|| {
                    Ok(Enrollment {
                        sourced_id: row.required("sourcedId")?.to_owned(),
                        status: status(row, &mut warnings)?,
                        class_sourced_id: row.required("classSourcedId")?.to_owned(),
                        school_sourced_id: row.required("schoolSourcedId")?.to_owned(),
                        user_sourced_id: row.required("userSourcedId")?.to_owned(),
                        role: Role::parse(row.required("role")?),
                        primary: boolean(row, "primary")?,
                        begin_date: date(row, "beginDate", &mut warnings)?,
                        end_date: date(row, "endDate", &mut warnings)?,
                    })
                })();
                match parsed {
                    Ok(e) => roster.enrollments.push(e),
                    Err(e @ Error::Csv { .. }) => warnings.push(format!("row skipped: {e}")),
                    Err(e) => return Err(e),
                }
                Ok(())
            },
        )?;
    }

    let version = version.unwrap_or_else(|| {
        if is_v11 == Some(false) {
            "1.2".into()
        } else {
            "1.1".into()
        }
    });
    roster.provenance = Provenance {
        description: format!("OneRoster {version} CSV bundle, {}", bundle.describe()),
        oneroster_version: Some(version),
    };
    roster.warnings = warnings.finish();
    info!(
        users = roster.users.len(),
        classes = roster.classes.len(),
        enrollments = roster.enrollments.len(),
        warnings = roster.warnings.len(),
        "read {}",
        roster.provenance.description
    );
    debug!(orgs = roster.orgs.len(), "orgs read");
    Ok(roster)
}

fn read_manifest(bytes: &[u8]) -> Result<HashMap<String, String>> {
    let mut m = HashMap::new();
    read_table("manifest.csv", bytes, &["propertyName", "value"], |row| {
        if let Some(name) = row.get("propertyName")? {
            m.insert(name.to_owned(), row.opt("value")?.unwrap_or_default());
        }
        Ok(())
    })?;
    Ok(m)
}

fn parse_user(row: &Row<'_>, v11: bool, warnings: &mut Warnings) -> Result<User> {
    let mut roles = Vec::new();
    if v11 {
        let role = Role::parse(row.required("role")?);
        for (i, org) in row.list("orgSourcedIds")?.into_iter().enumerate() {
            roles.push(UserRole {
                role: role.clone(),
                org_sourced_id: org,
                primary: i == 0,
            });
        }
        if roles.is_empty() {
            warnings.push(format!(
                "{}, column orgSourcedIds: blank; the user belongs to no org",
                row.at()
            ));
            roles.push(UserRole {
                role,
                org_sourced_id: String::new(),
                primary: true,
            });
        }
    }
    Ok(User {
        sourced_id: row.required("sourcedId")?.to_owned(),
        status: status(row, warnings)?,
        enabled: boolean(row, "enabledUser")?.unwrap_or(true),
        roles,
        username: row.opt("username")?.unwrap_or_default(),
        given_name: row.required("givenName")?.to_owned(),
        family_name: row.required("familyName")?.to_owned(),
        middle_name: row.opt("middleName")?,
        preferred_given_name: row.opt("preferredGivenName")?,
        identifier: row.opt("identifier")?,
        email: row.opt("email")?,
        phone: row.opt("phone")?,
        agent_sourced_ids: row.list("agentSourcedIds")?,
        grades: row.list("grades")?,
    })
}

fn status(row: &Row<'_>, warnings: &mut Warnings) -> Result<RecordStatus> {
    Ok(match row.get("status")? {
        None => RecordStatus::Active,
        Some(s) if s.eq_ignore_ascii_case("active") => RecordStatus::Active,
        Some(s) if s.eq_ignore_ascii_case("tobedeleted") => RecordStatus::ToBeDeleted,
        Some(s) if s.eq_ignore_ascii_case("inactive") || s.eq_ignore_ascii_case("deleted") => {
            warnings.push(format!(
                "{}, column status: `{s}` is not a OneRoster 1.1 status; read as tobedeleted",
                row.at()
            ));
            RecordStatus::ToBeDeleted
        }
        Some(s) => {
            return Err(row.error(
                "status",
                format!("`{s}` is not a status; expected active or tobedeleted"),
            ));
        }
    })
}

fn boolean(row: &Row<'_>, column: &str) -> Result<Option<bool>> {
    match row.get(column)? {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
        Some(v) => Err(row.error(column, format!("`{v}` is not a boolean; expected true or false"))),
    }
}

fn date(row: &Row<'_>, column: &str, warnings: &mut Warnings) -> Result<Option<NaiveDate>> {
    let Some(v) = row.get(column)? else { return Ok(None) };
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(Some(d));
    }
    for fmt in ["%m/%d/%Y", "%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(d) = NaiveDate::parse_from_str(v, fmt) {
            warnings.push(format!(
                "{}, column {column}: `{v}` is not YYYY-MM-DD; read as {d}",
                row.at()
            ));
            return Ok(Some(d));
        }
    }
    Err(row.error(column, format!("`{v}` is not a date; expected YYYY-MM-DD")))
}
