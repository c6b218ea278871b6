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

/// A OneRoster 1.0 name of a column, read as the column that replaced it: in users
/// `agents`, `userId` and `grade`; in classes `termSourcedId` and `grade`; in courses
/// `schoolYearId` and `grade`; in demographics `userSourcedId` (1.1 calls the user's id
/// `sourcedId`).
pub(crate) fn legacy_alias(table: Table, v: Version, name: &str) -> Option<Col> {
    let canonical = match (table, name.to_ascii_lowercase().as_str()) {
        (Table::Users, "agents") => "agentSourcedIds",
        (Table::Users, "userid") => "userIds",
        (Table::Users | Table::Classes | Table::Courses, "grade") => "grades",
        (Table::Classes, "termsourcedid") => "termSourcedIds",
        (Table::Courses, "schoolyearid") => "schoolYearSourcedId",
        (Table::Demographics, "usersourcedid") => "sourcedId",
        _ => return None,
    };
    let mut col = *columns(table, v).iter().find(|c| c.name == canonical)?;
    if col.kind == Kind::UserIds {
        col.kind = Kind::Text;
    }
    Some(col)
}

/// What a role says a person is, as bits, for the checks of enrollments against users.
pub(crate) mod role_kind {
    /// A student.
    pub(crate) const STUDENT: u8 = 1;
    /// Staff: teacher, aide, proctor, counselor, principal, administrators.
    pub(crate) const STAFF: u8 = 2;
    /// Family: parent, guardian, relative.
    pub(crate) const FAMILY: u8 = 4;
    /// A role `cdt` cannot place (an `ext:` extension, a value out of the vocabulary).
    pub(crate) const OTHER: u8 = 8;

    /// The user roles of 1.1 and 1.2, with their kinds, the most frequent first.
    const USER_ROLES: &[(&str, u8)] = &[
        ("student", STUDENT),
        ("parent", FAMILY),
        ("guardian", FAMILY),
        ("teacher", STAFF),
        ("relative", FAMILY),
        ("aide", STAFF),
        ("administrator", STAFF),
        ("proctor", STAFF),
        ("counselor", STAFF),
        ("principal", STAFF),
        ("siteAdministrator", STAFF),
        ("districtAdministrator", STAFF),
        ("systemAdministrator", STAFF),
    ];

    /// A user role in one byte (case ignored): `0` blank, `u8::MAX` unknown, else
    /// its place in the vocabulary plus one.
    pub(crate) fn code(role: &str) -> u8 {
        if role.is_empty() {
            return 0;
        }
        let at = USER_ROLES.iter().position(|(r, _)| *r == role);
        at.or_else(|| USER_ROLES.iter().position(|(r, _)| r.eq_ignore_ascii_case(role)))
            .and_then(|i| u8::try_from(i + 1).ok())
            .unwrap_or(u8::MAX)
    }

    /// The role of a [`code`], as the specification spells it.
    pub(crate) fn name(code: u8) -> Option<&'static str> {
        USER_ROLES.get(usize::from(code).checked_sub(1)?).map(|(r, _)| *r)
    }

    /// The kind of a [`code`]: `0` for a blank role, [`OTHER`] for an unknown one.
    pub(crate) fn of_code(code: u8) -> u8 {
        match code {
            0 => 0,
            c => usize::from(c)
                .checked_sub(1)
                .and_then(|i| USER_ROLES.get(i))
                .map_or(OTHER, |(_, k)| *k),
        }
    }

    /// The kind of an enrollment role: `student`, or staff for `teacher`,
    /// `administrator` and `proctor`; `0` for anything else.
    pub(crate) fn of_enrollment_role(role: &str) -> u8 {
        if role.eq_ignore_ascii_case("student") {
            STUDENT
        } else if ["teacher", "administrator", "proctor"]
            .iter()
            .any(|r| r.eq_ignore_ascii_case(role))
        {
            STAFF
        } else {
            0
        }
    }

    /// Whether an enrollment of kind `enrolled` contradicts the kinds the user's own
    /// roles give (`user`, the bits of all of them): a student enrollment of a user
    /// whose roles are all staff or family, or a staff enrollment of a user who is
    /// only a student. Unknown roles and users without a role contradict nothing.
    pub(crate) fn contradicts(enrolled: u8, user: u8) -> bool {
        match enrolled {
            STUDENT => user != 0 && user & (STUDENT | OTHER) == 0,
            STAFF => user == STUDENT,
            _ => false,
        }
    }

    /// Kinds of roles in words, for messages.
    pub(crate) fn describe(user: u8) -> &'static str {
        match user {
            STUDENT => "only a student role",
            STAFF => "only staff roles",
            FAMILY => "only family roles (parent, guardian, relative)",
            _ => "staff and family roles but no student role",
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn roles_map_to_kinds_and_contradictions() {
            assert_eq!(of_code(code("student")), STUDENT);
            assert_eq!(of_code(code("Teacher")), STAFF);
            assert_eq!(of_code(code("districtAdministrator")), STAFF);
            for family in ["guardian", "parent", "relative"] {
                assert_eq!(of_code(code(family)), FAMILY);
            }
            assert_eq!(of_code(code("ext:tutor")), OTHER);
            assert_eq!(code(""), 0);
            assert_eq!(name(code("aide")), Some("aide"));
            assert_eq!(name(code("ext:tutor")), None);
            // A teacher, an aide or a parent enrolled as a student; a student enrolled
            // as a teacher.
            assert!(contradicts(STUDENT, STAFF));
            assert!(contradicts(STUDENT, FAMILY));
            assert!(contradicts(STAFF, STUDENT));
            // Not: a user with a student role among others, an unknown role, no role.
            assert!(!contradicts(STUDENT, STUDENT | STAFF));
            assert!(!contradicts(STUDENT, OTHER));
            assert!(!contradicts(STUDENT, 0));
            assert!(!contradicts(STAFF, STAFF));
            assert!(!contradicts(STAFF, FAMILY));
            assert!(!contradicts(STAFF, STUDENT | STAFF));
        }
    }
}
