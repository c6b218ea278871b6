//! A deterministic generator of a realistic school district, on both sides.
//!
//! [`generate`] builds the SIS roster (a [`Roster`], as `OneRoster` 1.1 would carry it)
//! and the Bookmarked platform's copy of it (a [`PlatformData`]) as an exact, correct
//! import: every student, family member, class and student enrollment of the SIS is
//! on the platform, with the platform's own ids, lower-cased emails and links that
//! mirror `agentSourcedIds`. Differences are planted afterwards by
//! [`crate::scenarios`]; the district produced here has none.
//!
//! What the district looks like:
//! - one district org and schools (elementary KG–05, middle 06–08, high 09–12);
//! - the 2026–2027 school year ([`SCHOOL_YEAR_START`]–[`SCHOOL_YEAR_END`]) with two
//!   semesters, every class running both;
//! - courses per school and classes of about 25 students (`Grade 4 Homeroom - Room 12`,
//!   `Grade 4 Art - Section 2`, `Algebra I - Period 3`); each student is in 4–7 classes
//!   at their own school; each class has one teacher (specials teachers and
//!   department teachers teach several classes, itinerant elementary specials teachers
//!   several schools);
//! - households: most students have one or two parents, some a guardian or a
//!   grandparent (`relative`), a few nobody; siblings share their family members and
//!   may attend different schools; about 1 % of family members share an email with
//!   their spouse (`thegarcias@…`), as real data does;
//! - names from several backgrounds with accents, hyphens, several words and
//!   apostrophes; common names repeat, so duplicate full names occur.
//!
//! Everything derives from [`GenConfig::seed`] through [`SplitMix64`]: the same
//! configuration gives the same district on every machine.
//!
//! ## Id conventions
//! - SIS `sourcedId`s are UUID-shaped (version 4 layout) lower-case hex, unique by
//!   construction (a bijection of a counter keyed by the seed);
//! - SIS identifiers: district `41` + 5 digits, school = district + 5 digits, student
//!   numbers of 6+ digits, staff `E` + digits;
//! - platform ids: `bm-org-0001` (the district, [`District::bookmarked_org_id`]),
//!   `bm-org-0002`… (schools), `bm-stu-000001`, `bm-par-000001`, `bm-cls-000001`,
//!   `bm-enr-0000001`, `bm-run-0001`, `bm-ierr-0001`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use chrono::NaiveDate;

use cdt_core::platform::{self as pf, PlatformData, PlatformStatus};
use cdt_core::roster::{
    AcademicSession, Class, Course, Enrollment, Org, Provenance, RecordStatus, Role, Roster, User, UserRole,
};

use crate::names::{
    AREA_CODES, CULTURES, Culture, EMAIL_PROVIDERS, GENERAL, PLACE_ENDS, PLACE_STEMS, SCHOOL_PLACES, ascii_slug,
    culture_weights,
};
use crate::rng::{SplitMix64, mix64};

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("invalid date"),
    }
}

/// First day of the generated school year (and of every enrollment).
pub const SCHOOL_YEAR_START: NaiveDate = date(2026, 8, 17);
/// Last day of the generated school year.
pub const SCHOOL_YEAR_END: NaiveDate = date(2027, 6, 4);
/// Last day of the first semester.
pub const FIRST_SEMESTER_END: NaiveDate = date(2027, 1, 15);
/// First day of the second semester.
pub const SECOND_SEMESTER_START: NaiveDate = date(2027, 1, 19);
/// The platform id of the generated district's row in `organizations`.
pub const BOOKMARKED_ORG_ID: &str = "bm-org-0001";

/// CEDS grade codes, indexed by grade number (0 = kindergarten).
const GRADE_CODES: [&str; 13] = [
    "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12",
];

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Number of students.
    pub students: usize,
    /// Number of schools; `0` means [`GenConfig::default_schools`] of `students`.
    /// About 22 % are high schools and 22 % middle schools, with at least one
    /// school per level (so never fewer than 3).
    pub schools: usize,
    /// The seed every random choice derives from.
    pub seed: u64,
    /// The district's name, e.g. `Maple Valley Unified School District`; also the
    /// source of the email domain (`maplevalleyusd.org`).
    pub district_name: String,
}

impl GenConfig {
    /// The demo district's name.
    pub const DEFAULT_DISTRICT_NAME: &'static str = "Maple Valley Unified School District";

    /// A configuration for `students` students with the default school count and name.
    #[must_use]
    pub fn new(students: usize, seed: u64) -> Self {
        Self {
            students,
            schools: Self::default_schools(students),
            seed,
            district_name: Self::DEFAULT_DISTRICT_NAME.to_owned(),
        }
    }

    /// The default number of schools: one per 600 students, at least 3.
    #[must_use]
    pub fn default_schools(students: usize) -> usize {
        (students / 600).max(3)
    }

    fn school_count(&self) -> usize {
        if self.schools == 0 {
            Self::default_schools(self.students)
        } else {
            self.schools
        }
    }
}

impl Default for GenConfig {
    /// 1,200 students in 3 schools, seed 2026.
    fn default() -> Self {
        Self::new(1200, 2026)
    }
}

/// A generated district: the SIS roster and the platform's exact import of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct District {
    /// The SIS side.
    pub roster: Roster,
    /// The platform side.
    pub platform: PlatformData,
    /// The platform id of the district's row in `organizations` ([`BOOKMARKED_ORG_ID`]).
    pub bookmarked_org_id: String,
}

/// Generates a district. Deterministic: the same `cfg` gives the same district.
///
/// Time and memory are linear in the number of students (100,000 students take a
/// few seconds in release mode).
///
/// ```
/// use cdt_demo::generator::{GenConfig, generate};
///
/// let district = generate(&GenConfig::new(200, 7));
/// assert_eq!(district.roster.students().count(), 200);
/// assert_eq!(district.platform.students.len(), 200);
/// ```
#[must_use]
pub fn generate(cfg: &GenConfig) -> District {
    Builder::new(cfg).run()
}

// ---------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------

/// UUID-shaped ids that look random but are unique by construction: the first 64
/// bits are a bijection of a counter.
struct Uuids {
    key: u64,
    salt: u64,
    counter: u64,
}

impl Uuids {
    fn new(rng: &mut SplitMix64) -> Self {
        Self {
            key: rng.next_u64(),
            salt: rng.next_u64(),
            counter: 0,
        }
    }

    fn next_id(&mut self) -> String {
        let n = self.counter;
        self.counter += 1;
        let hi = mix64(n ^ self.key);
        let lo = mix64(hi ^ self.salt);
        let mut s = String::with_capacity(36);
        let _ = write!(
            s,
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            (hi >> 4) & 0xfff,
            0x8000 | ((lo >> 48) & 0x3fff),
            ((hi & 0xf) << 44) | (lo & 0x0fff_ffff_ffff),
        );
        s
    }
}

/// Emails and usernames handed out once each.
#[derive(Default)]
struct Namer {
    emails: HashSet<String>,
    usernames: HashSet<String>,
    next_suffix: HashMap<String, u32>,
}

impl Namer {
    /// Claims `{local}@{domain}` or `{local}{n}@{domain}` (n = 2, 3, …), the first that
    /// is free (and, with `username`, also free as a username); returns the local part.
    fn claim(&mut self, local: &str, domain: &str, username: bool) -> String {
        let key = format!("{local}@{domain}");
        let mut n = self.next_suffix.get(&key).copied().unwrap_or(1);
        loop {
            let candidate = if n == 1 {
                local.to_owned()
            } else {
                format!("{local}{n}")
            };
            n += 1;
            let email = format!("{candidate}@{domain}");
            if self.emails.contains(&email) || (username && self.usernames.contains(&candidate)) {
                continue;
            }
            self.emails.insert(email);
            if username {
                self.usernames.insert(candidate.clone());
            }
            self.next_suffix.insert(key, n);
            return candidate;
        }
    }

    /// Claims a username alone, suffixing as [`Namer::claim`] does.
    fn claim_username(&mut self, base: &str) -> String {
        let key = format!("@user:{base}");
        let mut n = self.next_suffix.get(&key).copied().unwrap_or(1);
        loop {
            let candidate = if n == 1 { base.to_owned() } else { format!("{base}{n}") };
            n += 1;
            if self.usernames.insert(candidate.clone()) {
                self.next_suffix.insert(key, n);
                return candidate;
            }
        }
    }
}

/// `maria.garcia@gmail.com` → `Maria.Garcia@gmail.com`, as some SIS records are typed.
fn capitalized(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    let mut local = true;
    for c in email.chars() {
        if start && local {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        local &= c != '@';
        start = matches!(c, '.' | '_');
    }
    out
}

// ---------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    Elementary,
    Middle,
    High,
}

impl Level {
    fn of_grade(grade: u8) -> Self {
        match grade {
            0..=5 => Self::Elementary,
            6..=8 => Self::Middle,
            _ => Self::High,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn suffix(self) -> &'static str {
        match self {
            Self::Elementary => "Elementary School",
            Self::Middle => "Middle School",
            Self::High => "High School",
        }
    }
}

struct Person {
    given: String,
    middle: Option<String>,
    family: String,
}

struct Kid {
    person: Person,
    grade: u8,
    school: usize,
    household: usize,
}

struct Adult {
    person: Person,
    role: Role,
}

struct Household {
    kids: std::ops::Range<usize>,
    adults: std::ops::Range<usize>,
}

struct School {
    sourced_id: String,
    platform_id: String,
    level: Level,
}

struct Staff {
    sourced_id: String,
    person: Person,
    username: String,
    email: Option<String>,
    identifier: String,
    roles: Vec<UserRole>,
}

/// A given name of the right generation and sex, sometimes from the general list.
fn given_name(rng: &mut SplitMix64, culture: usize, female: bool, child: bool) -> &'static str {
    let c = if culture != GENERAL && rng.chance(if child { 220 } else { 80 }) {
        &CULTURES[GENERAL]
    } else {
        &CULTURES[culture]
    };
    let list = match (child, female) {
        (true, true) => c.girls,
        (true, false) => c.boys,
        (false, true) => c.women,
        (false, false) => c.men,
    };
    list[rng.skewed_index(list.len())]
}

fn family_name(rng: &mut SplitMix64, culture: &Culture) -> String {
    (*rng.pick_skewed(culture.family)).to_owned()
}

fn middle_name(rng: &mut SplitMix64, culture: usize, female: bool, given: &str, per_mille: u32) -> Option<String> {
    if !rng.chance(per_mille) {
        return None;
    }
    let child = rng.chance(500);
    let m = given_name(rng, culture, female, child);
    (m != given).then(|| m.to_owned())
}

fn adult(rng: &mut SplitMix64, culture: usize, female: bool, family: String, role: Role) -> Adult {
    let given = given_name(rng, culture, female, false);
    Adult {
        person: Person {
            given: given.to_owned(),
            middle: middle_name(rng, culture, female, given, 150),
            family,
        },
        role,
    }
}

// ---------------------------------------------------------------------------------
// Courses
// ---------------------------------------------------------------------------------

/// How a course's title and code carry its grade.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `Algebra I`, `ALG1`.
    Plain,
    /// `Math 6`, `MATH-06`.
    GradeSuffix,
    /// `Grade 4 Art`, `Kindergarten Homeroom`; `ART-04`.
    GradePrefix,
}

#[derive(Clone, Copy)]
struct Def {
    code: &'static str,
    title: &'static str,
    dept: &'static str,
    style: Style,
}

const fn def(code: &'static str, title: &'static str, dept: &'static str) -> Def {
    Def {
        code,
        title,
        dept,
        style: Style::Plain,
    }
}

const fn graded(code: &'static str, title: &'static str, dept: &'static str, style: Style) -> Def {
    Def {
        code,
        title,
        dept,
        style,
    }
}

const HOMEROOM: Def = graded("HR", "Homeroom", "Homeroom", Style::GradePrefix);
const ELEM_CORE: [Def; 3] = [
    graded("ART", "Art", "Art", Style::GradePrefix),
    graded("MUS", "Music", "Music", Style::GradePrefix),
    graded("PE", "Physical Education", "Physical Education", Style::GradePrefix),
];
const ELEM_EXTRA: [Def; 3] = [
    graded("LIB", "Library", "Library", Style::GradePrefix),
    graded("STEM", "STEM", "STEM", Style::GradePrefix),
    graded("SPAN", "Spanish", "World Languages", Style::GradePrefix),
];
const MIDDLE_CORE: [Def; 4] = [
    graded("ELA", "English Language Arts", "English", Style::GradeSuffix),
    graded("MATH", "Math", "Math", Style::GradeSuffix),
    graded("SCI", "Science", "Science", Style::GradeSuffix),
    graded("SS", "Social Studies", "Social Studies", Style::GradeSuffix),
];
const MS_ALGEBRA: Def = def("ALG1-MS", "Algebra I", "Math");
const MIDDLE_ELECTIVES: [Def; 10] = [
    def("BAND-MS", "Band", "Fine Arts"),
    def("ORCH-MS", "Orchestra", "Fine Arts"),
    def("CHOIR-MS", "Choir", "Fine Arts"),
    def("ART-MS", "Art", "Fine Arts"),
    def("SPAN1-MS", "Spanish I", "World Languages"),
    def("PE-MS", "Physical Education", "Physical Education"),
    def("CSD-MS", "Computer Science Discoveries", "Technology"),
    def("HLTH-MS", "Health", "Physical Education"),
    def("THTR-MS", "Theater", "Fine Arts"),
    def("STEM-MS", "STEM Lab", "Technology"),
];
const HIGH_ELECTIVES: [Def; 16] = [
    def("SPAN1", "Spanish I", "World Languages"),
    def("SPAN2", "Spanish II", "World Languages"),
    def("FREN1", "French I", "World Languages"),
    def("ART1", "Art I", "Fine Arts"),
    def("CERAM", "Ceramics", "Fine Arts"),
    def("BAND", "Band", "Fine Arts"),
    def("CHOIR", "Choir", "Fine Arts"),
    def("PE", "Physical Education", "Physical Education"),
    def("HLTH", "Health", "Physical Education"),
    def("CSP", "Computer Science Principles", "Technology"),
    def("APCSA", "AP Computer Science A", "Technology"),
    def("JOUR", "Journalism", "English"),
    def("PSYCH", "Psychology", "Social Studies"),
    def("DRAMA", "Drama", "Fine Arts"),
    def("CULIN", "Culinary Arts", "Career and Technical Education"),
    def("ENGR", "Engineering Design", "Career and Technical Education"),
];

/// The four core courses of a high-school student in `grade`, with realistic tracks.
fn high_core(rng: &mut SplitMix64, grade: u8) -> [Def; 4] {
    let e = |code, title| def(code, title, "English");
    let m = |code, title| def(code, title, "Math");
    let s = |code, title| def(code, title, "Science");
    let h = |code, title| def(code, title, "Social Studies");
    match grade {
        9 => [
            e("ENG9", "English 9"),
            if rng.chance(700) {
                m("ALG1", "Algebra I")
            } else {
                m("GEOM", "Geometry")
            },
            s("BIO", "Biology"),
            h("WGEO", "World Geography"),
        ],
        10 => [
            e("ENG10", "English 10"),
            if rng.chance(650) {
                m("GEOM", "Geometry")
            } else {
                m("ALG2", "Algebra II")
            },
            s("CHEM", "Chemistry"),
            h("WHIST", "World History"),
        ],
        11 => [
            if rng.chance(750) {
                e("ENG11", "English 11")
            } else {
                e("APLANG", "AP English Language")
            },
            if rng.chance(600) {
                m("ALG2", "Algebra II")
            } else {
                m("PRECAL", "Pre-Calculus")
            },
            if rng.chance(700) {
                s("PHYS", "Physics")
            } else {
                s("APBIO", "AP Biology")
            },
            if rng.chance(750) {
                h("USHIST", "U.S. History")
            } else {
                h("APUSH", "AP U.S. History")
            },
        ],
        _ => [
            if rng.chance(800) {
                e("ENG12", "English 12")
            } else {
                e("APLIT", "AP English Literature")
            },
            match rng.below(20) {
                0..=7 => m("PRECAL", "Pre-Calculus"),
                8..=12 => m("APCALC", "AP Calculus AB"),
                _ => m("STAT", "Statistics"),
            },
            match rng.below(3) {
                0 => s("ENVSCI", "Environmental Science"),
                1 => s("APCHEM", "AP Chemistry"),
                _ => s("ANAT", "Anatomy and Physiology"),
            },
            if rng.chance(500) {
                h("GOVT", "Government")
            } else {
                h("ECON", "Economics")
            },
        ],
    }
}

/// A course as offered at one school.
struct CourseAt {
    code: String,
    title: String,
    dept: &'static str,
    homeroom: bool,
    students: Vec<usize>,
}

/// The courses of one school, found by (definition code, grade).
#[derive(Default)]
struct Catalogue {
    index: HashMap<(&'static str, u8), usize>,
    courses: Vec<CourseAt>,
}

impl Catalogue {
    fn enroll(&mut self, d: Def, grade: u8, student: usize) {
        let key_grade = if d.style == Style::Plain { u8::MAX } else { grade };
        let i = *self.index.entry((d.code, key_grade)).or_insert_with(|| {
            let label = if grade == 0 {
                "Kindergarten".to_owned()
            } else {
                format!("Grade {grade}")
            };
            let gc = GRADE_CODES[usize::from(grade)];
            let (code, title) = match d.style {
                Style::Plain => (d.code.to_owned(), d.title.to_owned()),
                Style::GradeSuffix => (format!("{}-{gc}", d.code), format!("{} {grade}", d.title)),
                Style::GradePrefix => (format!("{}-{gc}", d.code), format!("{label} {}", d.title)),
            };
            self.courses.push(CourseAt {
                code,
                title,
                dept: d.dept,
                homeroom: d.code == HOMEROOM.code,
                students: Vec::new(),
            });
            self.courses.len() - 1
        });
        self.courses[i].students.push(student);
    }
}

/// Picks `n` distinct definitions from `pool`.
fn pick_distinct(rng: &mut SplitMix64, pool: &[Def], n: usize) -> Vec<Def> {
    let mut idx: Vec<usize> = (0..pool.len()).collect();
    rng.shuffle(&mut idx);
    idx.into_iter().take(n).map(|i| pool[i]).collect()
}

/// Number of electives beyond the core (so 4–7 classes in all).
fn extra_count(rng: &mut SplitMix64) -> usize {
    rng.weighted(&[30, 35, 25, 10])
}

// ---------------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------------

struct Builder<'a> {
    cfg: &'a GenConfig,
    root: SplitMix64,
    ids: Uuids,
    namer: Namer,
    domain: String,
    district_sid: String,
    district_ident: String,
    schools: Vec<School>,
    school_orgs: Vec<Org>,
    year_sid: String,
    terms: [String; 2],
    kids: Vec<Kid>,
    adults: Vec<Adult>,
    households: Vec<Household>,
    kid_sids: Vec<String>,
    staff: Vec<Staff>,
    /// Import errors to report: (SIS sourcedId, message).
    rejected: Vec<(String, String)>,
    roster: Roster,
    platform: PlatformData,
}

impl<'a> Builder<'a> {
    fn new(cfg: &'a GenConfig) -> Self {
        let root = SplitMix64::new(mix64(cfg.seed ^ 0x00C0_FFEE_D15C_0001));
        let ids = Uuids::new(&mut root.fork(1));
        Self {
            cfg,
            root,
            ids,
            namer: Namer::default(),
            domain: domain_of(&cfg.district_name),
            district_sid: String::new(),
            district_ident: String::new(),
            schools: Vec::new(),
            school_orgs: Vec::new(),
            year_sid: String::new(),
            terms: [String::new(), String::new()],
            kids: Vec::new(),
            adults: Vec::new(),
            households: Vec::new(),
            kid_sids: Vec::new(),
            staff: Vec::new(),
            rejected: Vec::new(),
            roster: Roster::default(),
            platform: PlatformData::default(),
        }
    }

    fn run(mut self) -> District {
        self.orgs();
        self.sessions();
        self.households();
        self.family_users();
        self.administrators();
        self.classes();
        self.staff_users();
        self.import_history();
        self.roster.provenance = Provenance {
            description: format!(
                "cdt-demo generator: {} ({} students, seed {})",
                self.cfg.district_name, self.cfg.students, self.cfg.seed
            ),
            oneroster_version: Some("1.1".to_owned()),
        };
        District {
            roster: self.roster,
            platform: self.platform,
            bookmarked_org_id: BOOKMARKED_ORG_ID.to_owned(),
        }
    }

    fn orgs(&mut self) {
        let mut rng = self.root.fork(2);
        self.district_sid = self.ids.next_id();
        self.district_ident = format!("41{:05}", rng.range(10_000, 99_999));
        self.roster.orgs.push(Org {
            sourced_id: self.district_sid.clone(),
            status: RecordStatus::Active,
            name: self.cfg.district_name.clone(),
            org_type: "district".to_owned(),
            identifier: Some(self.district_ident.clone()),
            parent_sourced_id: None,
        });
        self.platform.organizations.push(pf::Organization {
            id: BOOKMARKED_ORG_ID.to_owned(),
            sourced_id: self.district_sid.clone(),
            name: self.cfg.district_name.clone(),
            org_type: "district".to_owned(),
            parent_id: None,
        });

        let total = self.cfg.school_count();
        // About 22 % of schools are high schools and 22 % middle schools, at least one each.
        let share = |percent: usize| ((total * percent + 50) / 100).max(1);
        let high = share(22);
        let middle = share(22);
        let elementary = total.saturating_sub(high + middle).max(1);

        let mut places: Vec<String> = SCHOOL_PLACES.iter().map(|&p| p.to_owned()).collect();
        for stem in PLACE_STEMS {
            for end in PLACE_ENDS {
                places.push(format!("{stem} {end}"));
            }
        }
        for (level, count) in [
            (Level::Elementary, elementary),
            (Level::Middle, middle),
            (Level::High, high),
        ] {
            let mut pool = places.clone();
            rng.shuffle(&mut pool);
            for k in 0..count {
                let place = &pool[k % pool.len()];
                let name = if k < pool.len() {
                    format!("{place} {}", level.suffix())
                } else {
                    format!("{place} {} #{}", level.suffix(), k / pool.len() + 1)
                };
                let n = self.schools.len();
                let school = School {
                    sourced_id: self.ids.next_id(),
                    platform_id: format!("bm-org-{:04}", n + 2),
                    level,
                };
                self.school_orgs.push(Org {
                    sourced_id: school.sourced_id.clone(),
                    status: RecordStatus::Active,
                    name: name.clone(),
                    org_type: "school".to_owned(),
                    identifier: Some(format!("{}{:05}", self.district_ident, (n + 1) * 10)),
                    parent_sourced_id: Some(self.district_sid.clone()),
                });
                self.platform.organizations.push(pf::Organization {
                    id: school.platform_id.clone(),
                    sourced_id: school.sourced_id.clone(),
                    name,
                    org_type: "school".to_owned(),
                    parent_id: Some(BOOKMARKED_ORG_ID.to_owned()),
                });
                self.schools.push(school);
            }
        }
        self.roster.orgs.extend(self.school_orgs.iter().cloned());
    }

    fn sessions(&mut self) {
        self.year_sid = self.ids.next_id();
        self.terms = [self.ids.next_id(), self.ids.next_id()];
        let session = |sid: &str, title: &str, kind: &str, start, end, parent: Option<&str>| AcademicSession {
            sourced_id: sid.to_owned(),
            status: RecordStatus::Active,
            title: title.to_owned(),
            session_type: kind.to_owned(),
            start_date: Some(start),
            end_date: Some(end),
            parent_sourced_id: parent.map(str::to_owned),
            school_year: Some("2027".to_owned()),
        };
        self.roster.academic_sessions = vec![
            session(
                &self.year_sid,
                "2026-2027",
                "schoolYear",
                SCHOOL_YEAR_START,
                SCHOOL_YEAR_END,
                None,
            ),
            session(
                &self.terms[0],
                "2026-2027 Semester 1",
                "semester",
                SCHOOL_YEAR_START,
                FIRST_SEMESTER_END,
                Some(&self.year_sid),
            ),
            session(
                &self.terms[1],
                "2026-2027 Semester 2",
                "semester",
                SECOND_SEMESTER_START,
                SCHOOL_YEAR_END,
                Some(&self.year_sid),
            ),
        ];
    }

    /// Households: children with grades and schools, and their family members.
    fn households(&mut self) {
        let mut rng = self.root.fork(3);
        let cultures = culture_weights();
        // Each school's share of its level's students, by a stable random weight.
        let mut level_schools: [LevelSchools; 3] = Default::default();
        for (i, s) in self.schools.iter().enumerate() {
            let ls = &mut level_schools[s.level.index()];
            let before = ls.cumulative.last().copied().unwrap_or(0);
            ls.schools.push(i);
            ls.cumulative.push(before + 70 + rng.next_u64() % 61);
        }

        while self.kids.len() < self.cfg.students {
            let culture = rng.weighted(&cultures);
            let c = &CULTURES[culture];
            let remaining = self.cfg.students - self.kids.len();
            let n_kids = (rng.weighted(&[460, 340, 140, 50, 10]) + 1).min(remaining);
            let location = rng.next_u64();
            let household = self.households.len();

            // Family members first: the children's family names depend on them.
            let first_adult = self.adults.len();
            let fam_a = family_name(&mut rng, c);
            let structure = rng.weighted(&[25, 345, 550, 40, 40]);
            let kids_family = match structure {
                // Nobody on file.
                0 => family_name(&mut rng, c),
                // One parent.
                1 => {
                    let female = rng.chance(750);
                    self.adults
                        .push(adult(&mut rng, culture, female, fam_a.clone(), Role::Parent));
                    if rng.chance(800) {
                        fam_a
                    } else {
                        family_name(&mut rng, c)
                    }
                }
                // Two parents, sometimes with a grandparent.
                2 | 3 => {
                    let (fa, fb) = match rng.below(100) {
                        0..=2 => (true, true),
                        3..=5 => (false, false),
                        _ => {
                            let mother_first = rng.chance(600);
                            (mother_first, !mother_first)
                        }
                    };
                    let fam_b = if rng.chance(650) {
                        fam_a.clone()
                    } else if rng.chance(850) {
                        family_name(&mut rng, c)
                    } else {
                        let other = rng.weighted(&cultures);
                        family_name(&mut rng, &CULTURES[other])
                    };
                    let hyphenate = fam_a != fam_b
                        && !fam_a.contains('-')
                        && !fam_b.contains('-')
                        && rng.chance(if c.double_surnames { 400 } else { 100 });
                    let kids_family = if fam_a == fam_b {
                        fam_a.clone()
                    } else if hyphenate {
                        format!("{fam_a}-{fam_b}")
                    } else if rng.chance(850) {
                        fam_a.clone()
                    } else {
                        fam_b.clone()
                    };
                    self.adults
                        .push(adult(&mut rng, culture, fa, fam_a.clone(), Role::Parent));
                    self.adults.push(adult(&mut rng, culture, fb, fam_b, Role::Parent));
                    if structure == 3 {
                        let female = rng.chance(650);
                        let fam = if rng.chance(600) {
                            fam_a
                        } else {
                            family_name(&mut rng, c)
                        };
                        self.adults.push(adult(&mut rng, culture, female, fam, Role::Relative));
                    }
                    kids_family
                }
                // A guardian (a grandparent, an aunt…).
                _ => {
                    let female = rng.chance(700);
                    let kids_family = family_name(&mut rng, c);
                    let fam = if rng.chance(400) { kids_family.clone() } else { fam_a };
                    self.adults.push(adult(&mut rng, culture, female, fam, Role::Guardian));
                    kids_family
                }
            };
            let adults = first_adult..self.adults.len();

            // Children: grades a few years apart (or twins), schools by neighbourhood.
            let first_kid = self.kids.len();
            let mut grades: Vec<u8> = Vec::with_capacity(n_kids);
            for k in 0..n_kids {
                let grade = if k == 0 {
                    rng.below(13)
                } else if rng.chance(40) {
                    usize::from(grades[k - 1])
                } else {
                    let prev = usize::from(grades[k - 1]);
                    let gap = rng.range(1, 4);
                    if prev >= gap && (prev + gap > 12 || rng.chance(500)) {
                        prev - gap
                    } else if prev + gap <= 12 {
                        prev + gap
                    } else {
                        rng.below(13)
                    }
                };
                let grade = u8::try_from(grade).unwrap_or(12);
                grades.push(grade);
                let level = Level::of_grade(grade);
                let school = pick_school(&level_schools[level.index()], location ^ level.index() as u64);
                let female = rng.chance(500);
                let mut given = given_name(&mut rng, culture, female, true);
                for _ in 0..5 {
                    let clash = self.kids[first_kid..].iter().any(|s| s.person.given == given);
                    if !clash {
                        break;
                    }
                    given = given_name(&mut rng, culture, female, true);
                }
                let family = if rng.chance(30) {
                    family_name(&mut rng, c)
                } else {
                    kids_family.clone()
                };
                self.kids.push(Kid {
                    person: Person {
                        given: given.to_owned(),
                        middle: middle_name(&mut rng, culture, female, given, 450),
                        family,
                    },
                    grade,
                    school,
                    household,
                });
            }
            self.households.push(Household {
                kids: first_kid..self.kids.len(),
                adults,
            });
        }
    }

    /// Student and family users, their links, and their platform rows.
    fn family_users(&mut self) {
        let mut rng = self.root.fork(4);
        let student_domain = format!("students.{}", self.domain);

        // Which two-parent households share one email: about 1 % of family members.
        let mut shared: HashSet<usize> = HashSet::new();
        let mut candidates: Vec<usize> = self
            .households
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                h.adults.len() >= 2
                    && self.adults[h.adults.start].role == Role::Parent
                    && self.adults[h.adults.start + 1].role == Role::Parent
            })
            .map(|(i, _)| i)
            .collect();
        rng.shuffle(&mut candidates);
        let wanted = (self.adults.len() + 100) / 200;
        shared.extend(candidates.into_iter().take(wanted));

        let kid_sids: Vec<String> = (0..self.kids.len()).map(|_| self.ids.next_id()).collect();
        let adult_sids: Vec<String> = (0..self.adults.len()).map(|_| self.ids.next_id()).collect();
        let first_number = 200_000 + rng.below(100_000);

        // Students.
        let mut users: Vec<User> = Vec::with_capacity(self.kids.len() + self.adults.len());
        for (i, kid) in self.kids.iter().enumerate() {
            let h = &self.households[kid.household];
            let local = format!("{}.{}", ascii_slug(&kid.person.given), ascii_slug(&kid.person.family));
            let local = self.namer.claim(&local, &student_domain, true);
            let lower = format!("{local}@{student_domain}");
            let email = if rng.chance(30) {
                capitalized(&lower)
            } else {
                lower.clone()
            };
            let school = &self.schools[kid.school];
            let number = (first_number + i).to_string();
            let grade = GRADE_CODES[usize::from(kid.grade)].to_owned();
            users.push(User {
                sourced_id: kid_sids[i].clone(),
                status: RecordStatus::Active,
                enabled: true,
                roles: vec![UserRole {
                    role: Role::Student,
                    org_sourced_id: school.sourced_id.clone(),
                    primary: true,
                }],
                username: local,
                given_name: kid.person.given.clone(),
                family_name: kid.person.family.clone(),
                middle_name: kid.person.middle.clone(),
                preferred_given_name: None,
                identifier: Some(number.clone()),
                email: Some(email),
                phone: None,
                agent_sourced_ids: h.adults.clone().map(|a| adult_sids[a].clone()).collect(),
                grades: vec![grade.clone()],
            });
            self.platform.students.push(pf::Student {
                id: student_platform_id(i),
                sourced_id: kid_sids[i].clone(),
                organization_id: school.platform_id.clone(),
                first_name: kid.person.given.clone(),
                last_name: kid.person.family.clone(),
                email: Some(lower),
                grade: Some(grade),
                student_number: Some(number),
                status: PlatformStatus::Active,
            });
        }

        // Family members.
        for (hi, h) in self.households.iter().enumerate() {
            let shared_local = shared.contains(&hi).then(|| {
                let a = &self.adults[h.adults.start].person;
                let b = &self.adults[h.adults.start + 1].person;
                let provider = EMAIL_PROVIDERS[rng.weighted(&provider_weights())].0;
                let last = ascii_slug(&a.family);
                let local = match rng.below(3) {
                    0 => format!("{last}family"),
                    1 => format!("the{last}s"),
                    _ => format!("{}and{}", ascii_slug(&a.given), ascii_slug(&b.given)),
                };
                let local = self.namer.claim(&local, provider, false);
                format!("{local}@{provider}")
            });
            let mut schools: Vec<usize> = Vec::new();
            for k in h.kids.clone() {
                if !schools.contains(&self.kids[k].school) {
                    schools.push(self.kids[k].school);
                }
            }
            for (pos, a) in h.adults.clone().enumerate() {
                let adult = &self.adults[a];
                let lower = match (&shared_local, pos) {
                    (Some(email), 0 | 1) => email.clone(),
                    _ => personal_email(&mut rng, &mut self.namer, &adult.person),
                };
                let email = if rng.chance(80) {
                    capitalized(&lower)
                } else {
                    lower.clone()
                };
                let phone = rng
                    .chance(920)
                    .then(|| format!("({}) 555-01{:02}", rng.pick(AREA_CODES), rng.below(100)));
                let username = self.namer.claim_username(&format!(
                    "{}{}",
                    ascii_slug(&adult.person.given),
                    ascii_slug(&adult.person.family)
                ));
                let pid = format!("bm-par-{:06}", self.platform.parents.len() + 1);
                users.push(User {
                    sourced_id: adult_sids[a].clone(),
                    status: RecordStatus::Active,
                    enabled: true,
                    roles: schools
                        .iter()
                        .enumerate()
                        .map(|(j, &s)| UserRole {
                            role: adult.role.clone(),
                            org_sourced_id: self.schools[s].sourced_id.clone(),
                            primary: j == 0,
                        })
                        .collect(),
                    username,
                    given_name: adult.person.given.clone(),
                    family_name: adult.person.family.clone(),
                    middle_name: adult.person.middle.clone(),
                    preferred_given_name: None,
                    identifier: None,
                    email: Some(email),
                    phone: phone.clone(),
                    agent_sourced_ids: h.kids.clone().map(|k| kid_sids[k].clone()).collect(),
                    grades: Vec::new(),
                });
                for k in h.kids.clone() {
                    self.platform.parent_students.push(pf::ParentStudent {
                        parent_id: pid.clone(),
                        student_id: student_platform_id(k),
                    });
                }
                self.platform.parents.push(pf::Parent {
                    id: pid,
                    sourced_id: adult_sids[a].clone(),
                    first_name: adult.person.given.clone(),
                    last_name: adult.person.family.clone(),
                    email: Some(lower),
                    phone,
                    status: PlatformStatus::Active,
                });
            }
        }
        self.roster.users = users;
        // Keep the students' sourcedIds for enrollments (same order as `kids`).
        self.kid_sids = kid_sids;
    }
}

impl Builder<'_> {
    /// A new staff member holding `role` at `org`.
    fn new_staff(&mut self, rng: &mut SplitMix64, role: Role, org: String) -> usize {
        let culture = rng.weighted(&culture_weights());
        let female = rng.chance(if role == Role::Teacher { 760 } else { 550 });
        let family = family_name(rng, &CULTURES[culture]);
        let given = given_name(rng, culture, female, false);
        let first = ascii_slug(given);
        let local = format!("{}{}", &first[..1], ascii_slug(&family));
        let local = self.namer.claim(&local, &self.domain.clone(), true);
        let n = self.staff.len();
        self.staff.push(Staff {
            sourced_id: self.ids.next_id(),
            person: Person {
                given: given.to_owned(),
                middle: middle_name(rng, culture, female, given, 150),
                family,
            },
            email: Some(format!("{local}@{}", self.domain)),
            username: local,
            identifier: format!("E{:05}", 10_001 + n),
            roles: vec![UserRole {
                role,
                org_sourced_id: org,
                primary: true,
            }],
        });
        n
    }

    /// A principal per school and two district administrators.
    fn administrators(&mut self) {
        let mut rng = self.root.fork(5);
        for i in 0..self.schools.len() {
            let org = self.schools[i].sourced_id.clone();
            self.new_staff(&mut rng, Role::Administrator, org);
        }
        for _ in 0..2 {
            let org = self.district_sid.clone();
            let n = self.new_staff(&mut rng, Role::Administrator, org);
            self.rejected.push((
                self.staff[n].sourced_id.clone(),
                "User holds role 'administrator' at the district org only; district-level staff \
                 are not provisioned in Bookmarked, record skipped"
                    .to_owned(),
            ));
        }
    }

    /// Courses, classes, teachers and enrollments, school by school.
    fn classes(&mut self) {
        let mut rng = self.root.fork(6);
        let mut by_school: Vec<Vec<usize>> = vec![Vec::new(); self.schools.len()];
        for (k, kid) in self.kids.iter().enumerate() {
            by_school[kid.school].push(k);
        }
        // Elementary specials teachers travel: (staff index, sections left).
        let mut itinerant: HashMap<&'static str, (usize, usize)> = HashMap::new();
        let mut enrollments: Vec<Enrollment> = Vec::with_capacity(self.kids.len() * 6);

        for (si, students) in by_school.into_iter().enumerate() {
            let level = self.schools[si].level;
            let school_sid = self.schools[si].sourced_id.clone();
            let school_platform_id = self.schools[si].platform_id.clone();

            let mut cat = Catalogue::default();
            for k in students {
                let g = self.kids[k].grade;
                let extra = extra_count(&mut rng);
                match level {
                    Level::Elementary => {
                        cat.enroll(HOMEROOM, g, k);
                        for d in ELEM_CORE {
                            cat.enroll(d, g, k);
                        }
                        for d in pick_distinct(&mut rng, &ELEM_EXTRA, extra) {
                            cat.enroll(d, g, k);
                        }
                    }
                    Level::Middle => {
                        for d in MIDDLE_CORE {
                            let d = if d.code == "MATH" && g == 8 && rng.chance(200) {
                                MS_ALGEBRA
                            } else {
                                d
                            };
                            cat.enroll(d, g, k);
                        }
                        for d in pick_distinct(&mut rng, &MIDDLE_ELECTIVES, extra) {
                            cat.enroll(d, g, k);
                        }
                    }
                    Level::High => {
                        for d in high_core(&mut rng, g) {
                            cat.enroll(d, g, k);
                        }
                        for d in pick_distinct(&mut rng, &HIGH_ELECTIVES, extra) {
                            cat.enroll(d, g, k);
                        }
                    }
                }
            }

            // Courses, and their sections of about 25 (homerooms 24), round-robin.
            let mut course_sids = Vec::with_capacity(cat.courses.len());
            let mut sections: Vec<Section> = Vec::new();
            for (ci, course) in cat.courses.iter_mut().enumerate() {
                let sid = self.ids.next_id();
                self.roster.courses.push(Course {
                    sourced_id: sid.clone(),
                    status: RecordStatus::Active,
                    title: course.title.clone(),
                    course_code: Some(course.code.clone()),
                    org_sourced_id: school_sid.clone(),
                });
                course_sids.push(sid);
                let cap = if course.homeroom { 24 } else { 25 };
                let n = course.students.len().div_ceil(cap).max(1);
                let mut groups: Vec<Vec<usize>> = vec![Vec::with_capacity(cap); n];
                for (j, &k) in course.students.iter().enumerate() {
                    groups[j % n].push(k);
                }
                course.students = Vec::new();
                for (j, students) in groups.into_iter().enumerate() {
                    sections.push(Section {
                        course: ci,
                        number: j + 1,
                        students,
                        teacher: usize::MAX,
                        title: String::new(),
                        room: 0,
                    });
                }
            }

            // Teachers and titles.
            if level == Level::Elementary {
                let mut room = 0;
                for sec in &mut sections {
                    let course = &cat.courses[sec.course];
                    if course.homeroom {
                        room += 1;
                        sec.teacher = self.new_staff(&mut rng, Role::Teacher, school_sid.clone());
                        sec.room = room;
                        sec.title = format!("{} - Room {room}", course.title);
                    } else {
                        let slot = itinerant.entry(course.dept).or_insert((usize::MAX, 0));
                        if slot.1 == 0 {
                            *slot = (self.new_staff(&mut rng, Role::Teacher, school_sid.clone()), 25);
                        } else {
                            let roles = &mut self.staff[slot.0].roles;
                            if !roles.iter().any(|r| r.org_sourced_id == school_sid) {
                                roles.push(UserRole {
                                    role: Role::Teacher,
                                    org_sourced_id: school_sid.clone(),
                                    primary: false,
                                });
                            }
                        }
                        slot.1 -= 1;
                        sec.teacher = slot.0;
                        sec.title = format!("{} - Section {}", course.title, sec.number);
                    }
                }
            } else {
                // Departments in order of appearance; five sections per teacher.
                let mut depts: Vec<&'static str> = Vec::new();
                for c in &cat.courses {
                    if !depts.contains(&c.dept) {
                        depts.push(c.dept);
                    }
                }
                let mut t = 0usize;
                for dept in depts {
                    let mut load = 5;
                    let mut teacher = usize::MAX;
                    for sec in sections.iter_mut().filter(|s| cat.courses[s.course].dept == dept) {
                        if load == 5 {
                            teacher = self.new_staff(&mut rng, Role::Teacher, school_sid.clone());
                            t += 1;
                            load = 0;
                        }
                        let period = (t + load) % 7 + 1;
                        load += 1;
                        sec.teacher = teacher;
                        sec.room = 100 * (1 + (t - 1) / 25) + (t - 1) % 25 + 1;
                        sec.title = format!("{} - Period {period}", cat.courses[sec.course].title);
                    }
                }
                // Two teachers teaching the same course in the same period: add the room.
                let mut count: HashMap<&str, usize> = HashMap::new();
                for sec in &sections {
                    *count.entry(sec.title.as_str()).or_insert(0) += 1;
                }
                let dup: HashSet<String> = count
                    .into_iter()
                    .filter(|&(_, n)| n > 1)
                    .map(|(t, _)| t.to_owned())
                    .collect();
                for sec in &mut sections {
                    if dup.contains(&sec.title) {
                        let _ = write!(sec.title, " - Room {}", sec.room);
                    }
                }
            }

            // Classes and enrollments.
            for sec in sections {
                let course = &cat.courses[sec.course];
                let class_sid = self.ids.next_id();
                let class_platform_id = format!("bm-cls-{:06}", self.platform.classes.len() + 1);
                self.roster.classes.push(Class {
                    sourced_id: class_sid.clone(),
                    status: RecordStatus::Active,
                    title: sec.title.clone(),
                    course_sourced_id: course_sids[sec.course].clone(),
                    class_code: Some(format!("{}-{:02}", course.code, sec.number)),
                    class_type: Some(if course.homeroom { "homeroom" } else { "scheduled" }.to_owned()),
                    school_sourced_id: school_sid.clone(),
                    term_sourced_ids: self.terms.to_vec(),
                });
                self.platform.classes.push(pf::Class {
                    id: class_platform_id.clone(),
                    sourced_id: class_sid.clone(),
                    organization_id: school_platform_id.clone(),
                    title: sec.title,
                    course_sourced_id: Some(course_sids[sec.course].clone()),
                    term_sourced_id: Some(self.terms[0].clone()),
                    status: PlatformStatus::Active,
                });
                let enrollment = |sid: String, user: String, role: Role, primary| Enrollment {
                    sourced_id: sid,
                    status: RecordStatus::Active,
                    class_sourced_id: class_sid.clone(),
                    school_sourced_id: school_sid.clone(),
                    user_sourced_id: user,
                    role,
                    primary,
                    begin_date: Some(SCHOOL_YEAR_START),
                    end_date: None,
                };
                enrollments.push(enrollment(
                    self.ids.next_id(),
                    self.staff[sec.teacher].sourced_id.clone(),
                    Role::Teacher,
                    Some(true),
                ));
                for k in sec.students {
                    let sid = self.ids.next_id();
                    self.platform.enrollments.push(pf::Enrollment {
                        id: format!("bm-enr-{:07}", self.platform.enrollments.len() + 1),
                        sourced_id: sid.clone(),
                        class_id: class_platform_id.clone(),
                        user_id: student_platform_id(k),
                        role: "student".to_owned(),
                        status: PlatformStatus::Active,
                    });
                    enrollments.push(enrollment(sid, self.kid_sids[k].clone(), Role::Student, None));
                }
            }
        }
        self.roster.enrollments = enrollments;
    }

    /// Staff users; a few teachers have data the platform's import rejects.
    fn staff_users(&mut self) {
        let mut rng = self.root.fork(7);
        let mut teachers: Vec<usize> = (0..self.staff.len())
            .filter(|&i| self.staff[i].roles[0].role == Role::Teacher)
            .collect();
        rng.shuffle(&mut teachers);
        let providers = provider_weights();
        for (n, &t) in teachers.iter().take(3).enumerate() {
            let message = if n < 2 {
                let provider = EMAIL_PROVIDERS[rng.weighted(&providers)].0;
                let email = personal_email_at(&mut rng, &mut self.namer, &self.staff[t].person, provider);
                let message = format!(
                    "Staff user {email}: email domain {provider} is not one of the district's \
                     single sign-on domains ({}); teacher account not provisioned",
                    self.domain
                );
                self.staff[t].email = Some(email);
                message
            } else {
                self.staff[t].email = None;
                "Teacher record has no email address; staff accounts need an email for single \
                 sign-on, record skipped"
                    .to_owned()
            };
            self.rejected.push((self.staff[t].sourced_id.clone(), message));
        }
        for s in std::mem::take(&mut self.staff) {
            self.roster.users.push(User {
                sourced_id: s.sourced_id,
                status: RecordStatus::Active,
                enabled: true,
                roles: s.roles,
                username: s.username,
                given_name: s.person.given,
                family_name: s.person.family,
                middle_name: s.person.middle,
                preferred_given_name: None,
                identifier: Some(s.identifier),
                email: s.email,
                phone: None,
                agent_sourced_ids: Vec::new(),
                grades: Vec::new(),
            });
        }
    }

    /// Three finished nightly imports, the nights of 22–24 November 2026 (the demo's
    /// "today" is 25 November); each rejected the same staff records.
    fn import_history(&mut self) {
        let runs = [
            ("2026-11-22T02:00:03Z", "2026-11-22T02:06:41Z"),
            ("2026-11-23T02:00:02Z", "2026-11-23T02:07:12Z"),
            ("2026-11-24T02:00:04Z", "2026-11-24T02:06:58Z"),
        ];
        for (r, (started, finished)) in runs.into_iter().enumerate() {
            let run_id = format!("bm-run-{:04}", r + 1);
            self.platform.import_runs.push(pf::ImportRun {
                id: run_id.clone(),
                organization_id: BOOKMARKED_ORG_ID.to_owned(),
                source: "oneroster-csv".to_owned(),
                started_at: started.to_owned(),
                finished_at: Some(finished.to_owned()),
                status: "succeeded".to_owned(),
            });
            for (sid, message) in &self.rejected {
                self.platform.import_errors.push(pf::ImportError {
                    id: format!("bm-ierr-{:04}", self.platform.import_errors.len() + 1),
                    import_run_id: run_id.clone(),
                    entity_type: "user".to_owned(),
                    sourced_id: sid.clone(),
                    message: message.clone(),
                });
            }
        }
    }
}

/// A section of a course at one school, before it becomes a class.
struct Section {
    course: usize,
    number: usize,
    students: Vec<usize>,
    teacher: usize,
    title: String,
    room: usize,
}

/// The schools of one level with cumulative weights, for picking by neighbourhood.
#[derive(Default)]
struct LevelSchools {
    schools: Vec<usize>,
    cumulative: Vec<u64>,
}

/// The school of a level that serves neighbourhood `location`.
fn pick_school(ls: &LevelSchools, location: u64) -> usize {
    let total = ls.cumulative.last().copied().unwrap_or(1);
    let x = mix64(location) % total;
    let i = ls.cumulative.partition_point(|&c| c <= x);
    ls.schools[i.min(ls.schools.len() - 1)]
}

/// The platform id of the `i`-th generated student.
fn student_platform_id(i: usize) -> String {
    format!("bm-stu-{:06}", i + 1)
}

fn provider_weights() -> Vec<u32> {
    EMAIL_PROVIDERS.iter().map(|&(_, w)| w).collect()
}

/// A free personal email for a family member, lower-case.
fn personal_email(rng: &mut SplitMix64, namer: &mut Namer, p: &Person) -> String {
    let provider = EMAIL_PROVIDERS[rng.weighted(&provider_weights())].0;
    personal_email_at(rng, namer, p, provider)
}

/// A free personal email at `provider`, lower-case, in one of the usual shapes.
fn personal_email_at(rng: &mut SplitMix64, namer: &mut Namer, p: &Person, provider: &str) -> String {
    let f = ascii_slug(&p.given);
    let l = ascii_slug(&p.family);
    let local = match rng.weighted(&[30, 15, 15, 8, 7, 15, 10]) {
        0 => format!("{f}.{l}"),
        1 => format!("{f}{l}"),
        2 => format!("{}{l}", &f[..1]),
        3 => format!("{f}_{l}"),
        4 => format!("{l}{f}"),
        5 => format!("{f}.{l}{}", rng.range(70, 99)),
        _ => format!("{f}{}", rng.range(1970, 1999)),
    };
    let local = namer.claim(&local, provider, false);
    format!("{local}@{provider}")
}

/// The district's email domain: `Maple Valley Unified School District` → `maplevalleyusd.org`.
fn domain_of(name: &str) -> String {
    const GENERIC: [&str; 12] = [
        "school",
        "schools",
        "district",
        "unified",
        "public",
        "independent",
        "county",
        "city",
        "of",
        "the",
        "consolidated",
        "community",
    ];
    let words: Vec<String> = name.split_whitespace().map(ascii_slug).collect();
    let stem: String = words
        .iter()
        .filter(|w| !GENERIC.contains(&w.as_str()))
        .map(String::as_str)
        .collect();
    let suffix = if words.iter().any(|w| w == "unified") {
        "usd"
    } else if words.iter().any(|w| w == "independent") {
        "isd"
    } else {
        "sd"
    };
    let stem = if stem.is_empty() { "district" } else { &stem };
    format!("{stem}{suffix}.org")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(domain_of("Maple Valley Unified School District"), "maplevalleyusd.org");
        assert_eq!(
            domain_of("Côte-Saint-Luc Independent School District"),
            "cotesaintlucisd.org"
        );
        assert_eq!(domain_of("School District"), "districtsd.org");
    }

    #[test]
    fn uuids_are_shaped_and_distinct() {
        let mut ids = Uuids::new(&mut SplitMix64::new(1));
        let a = ids.next_id();
        let b = ids.next_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn capitalizes_like_a_person_typing() {
        assert_eq!(capitalized("maria.garcia@gmail.com"), "Maria.Garcia@gmail.com");
    }

    #[test]
    fn namer_suffixes_duplicates() {
        let mut n = Namer::default();
        assert_eq!(n.claim("ana.li", "x.org", true), "ana.li");
        assert_eq!(n.claim("ana.li", "x.org", true), "ana.li2");
        assert_eq!(n.claim("ana.li", "y.org", false), "ana.li");
        assert_eq!(n.claim_username("anali"), "anali");
        assert_eq!(n.claim_username("anali"), "anali2");
    }
}
