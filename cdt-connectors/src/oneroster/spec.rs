//! What OneRoster 1.1 and 1.2 say each rostering file holds: its columns, in order,
//! with what each value must be.

/// The OneRoster version a bundle is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    V11,
    V12,
}

impl Version {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::V11 => "1.1",
            Self::V12 => "1.2",
        }
    }
}

/// The rostering files `cdt` reads and checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Table {
    AcademicSessions,
    Orgs,
    Courses,
    Classes,
    Users,
    Enrollments,
    Demographics,
    Roles,
    UserProfiles,
}

impl Table {
    pub(crate) const ALL: [Table; 9] = [
        Table::AcademicSessions,
        Table::Orgs,
        Table::Courses,
        Table::Classes,
        Table::Users,
        Table::Enrollments,
        Table::Demographics,
        Table::Roles,
        Table::UserProfiles,
    ];

    /// The manifest's name for the file (`file.<stem>`).
    pub(crate) fn stem(self) -> &'static str {
        match self {
            Self::AcademicSessions => "academicSessions",
            Self::Orgs => "orgs",
            Self::Courses => "courses",
            Self::Classes => "classes",
            Self::Users => "users",
            Self::Enrollments => "enrollments",
            Self::Demographics => "demographics",
            Self::Roles => "roles",
            Self::UserProfiles => "userProfiles",
        }
    }

    pub(crate) fn file_name(self) -> String {
        format!("{}.csv", self.stem())
    }

    /// Whether the table exists in this version.
    pub(crate) fn in_version(self, v: Version) -> bool {
        !matches!(self, Self::Roles | Self::UserProfiles) || v == Version::V12
    }

    /// Whether the table's `sourcedId`s are record ids (demographics' are users').
    pub(crate) fn owns_ids(self) -> bool {
        self != Self::Demographics
    }
}

/// Files OneRoster defines that `cdt` does not check beyond listing them.
pub(crate) const OTHER_FILES: &[&str] = &[
    "manifest",
    "resources",
    "classResources",
    "courseResources",
    "userResources",
    "categories",
    "lineItems",
    "results",
    "scoreScales",
    "lineItemLearningObjectiveIds",
    "lineItemScoreScales",
    "resultLearningObjectiveIds",
    "resultScoreScales",
];

/// What a value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The record's own `sourcedId`.
    Id,
    /// Free text.
    Text,
    /// `status`: blank in bulk, `active|tobedeleted` in delta.
    Status,
    /// `dateLastModified`: blank in bulk, a UTC datetime in delta.
    Modified,
    /// One of these values (case-sensitive; 1.2 also allows `ext:`).
    Enum(&'static [&'static str]),
    /// `true|false`.
    Bool,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY`.
    Year,
    /// A sourcedId of a record of a table.
    Ref(Table),
    /// A comma-separated list of sourcedIds of a table.
    RefList(Table),
    /// A comma-separated list of free text.
    List,
    /// A list of CEDS grade codes.
    Grades,
    /// A list of `{type:id}`.
    UserIds,
}

/// A column of a file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
}

const fn r(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        required: true,
    }
}

const fn o(name: &'static str, kind: Kind) -> Col {
    Col {
        name,
        kind,
        required: false,
    }
}

const LIFECYCLE: [Col; 3] = [
    r("sourcedId", Kind::Id),
    o("status", Kind::Status),
    o("dateLastModified", Kind::Modified),
];

pub(crate) const SESSION_TYPES: &[&str] = &["gradingPeriod", "semester", "schoolYear", "term"];
pub(crate) const ORG_TYPES: &[&str] = &["department", "school", "district", "local", "state", "national"];
pub(crate) const CLASS_TYPES: &[&str] = &["homeroom", "scheduled"];
pub(crate) const ROLES_11: &[&str] = &[
    "administrator",
    "aide",
    "guardian",
    "parent",
    "proctor",
    "relative",
    "student",
    "teacher",
];
pub(crate) const ROLES_12: &[&str] = &[
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
];
pub(crate) const ENROLLMENT_ROLES: &[&str] = &["administrator", "proctor", "student", "teacher"];
pub(crate) const ROLE_TYPES: &[&str] = &["primary", "secondary"];
pub(crate) const SEX_11: &[&str] = &["male", "female"];
pub(crate) const SEX_12: &[&str] = &["male", "female", "unspecified", "other"];
pub(crate) const GRADES: &[&str] = &[
    "IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "PS",
    "UG", "Other",
];

macro_rules! cols {
    ($($c:expr),* $(,)?) => { &[LIFECYCLE[0], LIFECYCLE[1], LIFECYCLE[2], $($c),*] };
}

const ACADEMIC_SESSIONS: &[Col] = cols![
    r("title", Kind::Text),
    r("type", Kind::Enum(SESSION_TYPES)),
    r("startDate", Kind::Date),
    r("endDate", Kind::Date),
    o("parentSourcedId", Kind::Ref(Table::AcademicSessions)),
    r("schoolYear", Kind::Year),
];
const ORGS: &[Col] = cols![
    r("name", Kind::Text),
    r("type", Kind::Enum(ORG_TYPES)),
    o("identifier", Kind::Text),
    o("parentSourcedId", Kind::Ref(Table::Orgs)),
];
const COURSES: &[Col] = cols![
    o("schoolYearSourcedId", Kind::Ref(Table::AcademicSessions)),
    r("title", Kind::Text),
    o("courseCode", Kind::Text),
    o("grades", Kind::Grades),
    r("orgSourcedId", Kind::Ref(Table::Orgs)),
    o("subjects", Kind::List),
    o("subjectCodes", Kind::List),
];
const CLASSES: &[Col] = cols![
    r("title", Kind::Text),
    o("grades", Kind::Grades),
    r("courseSourcedId", Kind::Ref(Table::Courses)),
    o("classCode", Kind::Text),
    r("classType", Kind::Enum(CLASS_TYPES)),
    o("location", Kind::Text),
    r("schoolSourcedId", Kind::Ref(Table::Orgs)),
    r("termSourcedIds", Kind::RefList(Table::AcademicSessions)),
    o("subjects", Kind::List),
    o("subjectCodes", Kind::List),
    o("periods", Kind::List),
];
const USERS_11: &[Col] = cols![
    r("enabledUser", Kind::Bool),
    r("orgSourcedIds", Kind::RefList(Table::Orgs)),
    r("role", Kind::Enum(ROLES_11)),
    r("username", Kind::Text),
    o("userIds", Kind::UserIds),
    r("givenName", Kind::Text),
    r("familyName", Kind::Text),
    o("middleName", Kind::Text),
    o("identifier", Kind::Text),
    o("email", Kind::Text),
    o("sms", Kind::Text),
    o("phone", Kind::Text),
    o("agentSourcedIds", Kind::RefList(Table::Users)),
    o("grades", Kind::Grades),
    o("password", Kind::Text),
];
const USERS_12: &[Col] = cols![
    r("enabledUser", Kind::Bool),
    r("username", Kind::Text),
    o("userIds", Kind::UserIds),
    r("givenName", Kind::Text),
    r("familyName", Kind::Text),
    o("middleName", Kind::Text),
    o("identifier", Kind::Text),
    o("email", Kind::Text),
    o("sms", Kind::Text),
    o("phone", Kind::Text),
    o("agentSourcedIds", Kind::RefList(Table::Users)),
    o("grades", Kind::Grades),
    o("password", Kind::Text),
    o("userMasterIdentifier", Kind::Text),
    o("resourceSourcedIds", Kind::List),
    o("preferredGivenName", Kind::Text),
    o("preferredMiddleName", Kind::Text),
    o("preferredFamilyName", Kind::Text),
    o("primaryOrgSourcedId", Kind::Ref(Table::Orgs)),
    o("pronouns", Kind::Text),
];
const ENROLLMENTS: &[Col] = cols![
    r("classSourcedId", Kind::Ref(Table::Classes)),
    r("schoolSourcedId", Kind::Ref(Table::Orgs)),
    r("userSourcedId", Kind::Ref(Table::Users)),
    r("role", Kind::Enum(ENROLLMENT_ROLES)),
    o("primary", Kind::Bool),
    o("beginDate", Kind::Date),
    o("endDate", Kind::Date),
];
const DEMOGRAPHICS_11: &[Col] = &[
    r("sourcedId", Kind::Ref(Table::Users)),
    LIFECYCLE[1],
    LIFECYCLE[2],
    o("birthDate", Kind::Date),
    o("sex", Kind::Enum(SEX_11)),
    o("americanIndianOrAlaskaNative", Kind::Bool),
    o("asian", Kind::Bool),
    o("blackOrAfricanAmerican", Kind::Bool),
    o("nativeHawaiianOrOtherPacificIslander", Kind::Bool),
    o("white", Kind::Bool),
    o("demographicRaceTwoOrMoreRaces", Kind::Bool),
    o("hispanicOrLatinoEthnicity", Kind::Bool),
    o("countryOfBirthCode", Kind::Text),
    o("stateOfBirthAbbreviation", Kind::Text),
    o("cityOfBirth", Kind::Text),
    o("publicSchoolResidenceStatus", Kind::Text),
];
const DEMOGRAPHICS_12: &[Col] = &[
    r("sourcedId", Kind::Ref(Table::Users)),
    LIFECYCLE[1],
    LIFECYCLE[2],
    o("birthDate", Kind::Date),
    o("sex", Kind::Enum(SEX_12)),
    o("americanIndianOrAlaskaNative", Kind::Bool),
    o("asian", Kind::Bool),
    o("blackOrAfricanAmerican", Kind::Bool),
    o("nativeHawaiianOrOtherPacificIslander", Kind::Bool),
    o("white", Kind::Bool),
    o("demographicRaceTwoOrMoreRaces", Kind::Bool),
    o("hispanicOrLatinoEthnicity", Kind::Bool),
    o("countryOfBirthCode", Kind::Text),
    o("stateOfBirthAbbreviation", Kind::Text),
    o("cityOfBirth", Kind::Text),
    o("publicSchoolResidenceStatus", Kind::Text),
];
const ROLES: &[Col] = cols![
    r("userSourcedId", Kind::Ref(Table::Users)),
    r("roleType", Kind::Enum(ROLE_TYPES)),
    r("role", Kind::Enum(ROLES_12)),
    o("beginDate", Kind::Date),
    o("endDate", Kind::Date),
    r("orgSourcedId", Kind::Ref(Table::Orgs)),
    o("userProfileSourcedId", Kind::Ref(Table::UserProfiles)),
];
const USER_PROFILES: &[Col] = cols![
    r("userSourcedId", Kind::Ref(Table::Users)),
    r("profileType", Kind::Text),
    r("vendorId", Kind::Text),
    o("applicationId", Kind::Text),
    o("description", Kind::Text),
    r("credentialType", Kind::Text),
    r("username", Kind::Text),
    o("password", Kind::Text),
];

/// The columns of a table in a version.
pub(crate) fn columns(table: Table, v: Version) -> &'static [Col] {
    match (table, v) {
        (Table::AcademicSessions, _) => ACADEMIC_SESSIONS,
        (Table::Orgs, _) => ORGS,
        (Table::Courses, _) => COURSES,
        (Table::Classes, _) => CLASSES,
        (Table::Users, Version::V11) => USERS_11,
        (Table::Users, Version::V12) => USERS_12,
        (Table::Enrollments, _) => ENROLLMENTS,
        (Table::Demographics, Version::V11) => DEMOGRAPHICS_11,
        (Table::Demographics, Version::V12) => DEMOGRAPHICS_12,
        (Table::Roles, _) => ROLES,
        (Table::UserProfiles, _) => USER_PROFILES,
    }
}

/// A column of the other version, read leniently (1.1 `role`/`orgSourcedIds` in a 1.2
/// bundle, 1.2 columns in a 1.1 bundle).
pub(crate) fn other_version_column(table: Table, v: Version, name: &str) -> Option<Col> {
    let other = match v {
        Version::V11 => Version::V12,
        Version::V12 => Version::V11,
    };
    let mut col = *columns(table, other)
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))?;
    col.required = false;
    Some(col)
}

/// A OneRoster 1.0 name of a column (`agents`, `userId`, `termSourcedId`), read as the
/// column that replaced it.
pub(crate) fn legacy_alias(table: Table, v: Version, name: &str) -> Option<Col> {
    let canonical = match (table, name.to_ascii_lowercase().as_str()) {
        (Table::Users, "agents") => "agentSourcedIds",
        (Table::Users, "userid") => "userIds",
        (Table::Classes, "termsourcedid") => "termSourcedIds",
        (Table::Courses, "schoolyearid") => "schoolYearSourcedId",
        _ => return None,
    };
    let mut col = *columns(table, v).iter().find(|c| c.name == canonical)?;
    if col.kind == Kind::UserIds {
        col.kind = Kind::Text;
    }
    Some(col)
}
