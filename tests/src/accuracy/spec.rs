//! What one case of the accuracy harness is: a district, a tool, one planted perturbation
//! and the noise around it, all drawn from one seed.

use cdt_demo::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// A tool, as the harness asks it (`missing-data` has two paths).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ToolCase {
    /// `student-mismatch`, asked by the target's parent about the target.
    StudentMismatch,
    /// `missing-data` with `student_name`.
    MissingDataStudent,
    /// `missing-data` with `class_name`.
    MissingDataClass,
    /// `parent-conflicts`, asked about the parent's email.
    ParentConflicts,
    /// `campus-transfer`, on a student the harness moved to another school.
    CampusTransfer,
}

impl ToolCase {
    /// The label in reports: the tool id, and the path for `missing-data`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::StudentMismatch => "student-mismatch",
            Self::MissingDataStudent => "missing-data (student)",
            Self::MissingDataClass => "missing-data (class)",
            Self::ParentConflicts => "parent-conflicts",
            Self::CampusTransfer => "campus-transfer",
        }
    }

    /// The registered tool id.
    #[must_use]
    pub fn tool_id(self) -> &'static str {
        match self {
            Self::StudentMismatch => "student-mismatch",
            Self::MissingDataStudent | Self::MissingDataClass => "missing-data",
            Self::ParentConflicts => "parent-conflicts",
            Self::CampusTransfer => "campus-transfer",
        }
    }
}

/// The side a perturbation is planted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// The SIS (the source of truth).
    Sis,
    /// Bookmarked.
    Platform,
}

/// A field people see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    /// Given (first) name.
    GivenName,
    /// Family (last) name.
    FamilyName,
    /// Email.
    Email,
    /// A student's grade.
    Grade,
    /// A student's or a class's school.
    School,
    /// A class's title.
    Title,
    /// A class's period (term).
    Term,
}

/// One planted discrepancy (or none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Perturbation {
    /// Nothing planted: a clean control.
    None,
    /// A field of the target student changed on one side.
    StudentField(Side, Field),
    /// A field of the target's parent changed on one side.
    ParentField(Side, Field),
    /// A field of the target class changed on one side.
    ClassField(Side, Field),
    /// The parent-student link removed on one side.
    LinkRemoved(Side),
    /// The student's status flipped on one side (SIS `tobedeleted`, platform `deleted`).
    StudentStatus(Side),
    /// The parent's status flipped on one side.
    ParentStatus(Side),
    /// The class's status flipped on one side.
    ClassStatus(Side),
    /// A transferred student's old-campus enrollment left in force on one side.
    LeftAtOldSchool(Side),
    /// The student missing on the platform, with or without an import error.
    StudentMissing {
        /// Whether the import logged an error about it.
        import_error: bool,
    },
    /// The parent missing on the platform.
    ParentMissing {
        /// Whether the import logged an error about it.
        import_error: bool,
    },
    /// The class missing on the platform.
    ClassMissing {
        /// Whether the import logged an error about it.
        import_error: bool,
    },
    /// One current enrollment of the student missing on the platform.
    EnrollmentMissing {
        /// Whether the import logged an error about it.
        import_error: bool,
    },
    /// The SIS no longer sends the student; the platform still has them.
    StudentMissingInSis,
    /// Another student of the same name: on the platform only, in the SIS only, or both.
    Namesake {
        /// The platform has one.
        platform: bool,
        /// The SIS has one.
        sis: bool,
    },
}

impl Perturbation {
    /// The kind, for per-kind figures: `field-changed (platform)`, …
    #[must_use]
    pub fn kind(self) -> String {
        let side = |s: Side| match s {
            Side::Sis => "sis",
            Side::Platform => "platform",
        };
        let ie = |e: bool| if e { "with import error" } else { "no import error" };
        match self {
            Self::None => "clean control".to_owned(),
            Self::StudentField(s, _) | Self::ParentField(s, _) | Self::ClassField(s, _) => {
                format!("field changed ({})", side(s))
            }
            Self::LinkRemoved(s) => format!("link removed ({})", side(s)),
            Self::StudentStatus(s) | Self::ParentStatus(s) | Self::ClassStatus(s) => {
                format!("status flipped ({})", side(s))
            }
            Self::LeftAtOldSchool(s) => format!("left at old school ({})", side(s)),
            Self::StudentMissing { import_error }
            | Self::ParentMissing { import_error }
            | Self::ClassMissing { import_error }
            | Self::EnrollmentMissing { import_error } => format!("record missing on platform ({})", ie(import_error)),
            Self::StudentMissingInSis => "record missing in sis".to_owned(),
            Self::Namesake { platform, sis } => match (platform, sis) {
                (true, true) => "namesakes (both sides)".to_owned(),
                (true, false) => "namesake (platform only)".to_owned(),
                _ => "namesake (sis only)".to_owned(),
            },
        }
    }

    /// The tools a case of this perturbation can ask.
    #[must_use]
    pub fn tools(self) -> &'static [ToolCase] {
        use ToolCase::{CampusTransfer, MissingDataClass, MissingDataStudent, ParentConflicts, StudentMismatch};
        match self {
            Self::None => &[
                StudentMismatch,
                MissingDataStudent,
                MissingDataClass,
                ParentConflicts,
                CampusTransfer,
            ],
            Self::StudentField(_, Field::School) => &[StudentMismatch, MissingDataStudent],
            Self::StudentField(..) | Self::StudentMissingInSis | Self::Namesake { .. } => {
                &[StudentMismatch, MissingDataStudent, CampusTransfer]
            }
            Self::ParentField(..) | Self::LinkRemoved(_) | Self::ParentStatus(_) | Self::ParentMissing { .. } => {
                &[StudentMismatch, ParentConflicts]
            }
            Self::ClassField(..) | Self::ClassStatus(_) | Self::ClassMissing { .. } => &[MissingDataClass],
            Self::StudentStatus(_) | Self::StudentMissing { .. } => {
                &[StudentMismatch, MissingDataStudent, CampusTransfer, ParentConflicts]
            }
            Self::LeftAtOldSchool(_) => &[CampusTransfer, MissingDataStudent],
            Self::EnrollmentMissing { .. } => &[MissingDataStudent, MissingDataClass, CampusTransfer],
        }
    }

    /// Every perturbation the harness draws from.
    #[must_use]
    pub fn all() -> Vec<Self> {
        let mut out = vec![Self::None, Self::None, Self::None];
        for side in [Side::Sis, Side::Platform] {
            for f in [
                Field::GivenName,
                Field::FamilyName,
                Field::Email,
                Field::Grade,
                Field::School,
            ] {
                out.push(Self::StudentField(side, f));
            }
            for f in [Field::GivenName, Field::FamilyName, Field::Email] {
                out.push(Self::ParentField(side, f));
            }
            for f in [Field::Title, Field::School, Field::Term] {
                out.push(Self::ClassField(side, f));
            }
            out.extend([
                Self::LinkRemoved(side),
                Self::StudentStatus(side),
                Self::ParentStatus(side),
                Self::ClassStatus(side),
                Self::LeftAtOldSchool(side),
                Self::LeftAtOldSchool(side),
            ]);
        }
        for import_error in [false, true] {
            out.extend([
                Self::StudentMissing { import_error },
                Self::ParentMissing { import_error },
                Self::ClassMissing { import_error },
                Self::EnrollmentMissing { import_error },
            ]);
        }
        out.extend([
            Self::StudentMissingInSis,
            Self::StudentMissingInSis,
            Self::Namesake {
                platform: true,
                sis: false,
            },
            Self::Namesake {
                platform: true,
                sis: false,
            },
            Self::Namesake {
                platform: false,
                sis: true,
            },
            Self::Namesake {
                platform: true,
                sis: true,
            },
        ]);
        out
    }
}

/// One case: everything the harness needs to build it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSpec {
    /// Students in the generated district.
    pub students: usize,
    /// The generator's seed.
    pub district_seed: u64,
    /// The tool asked.
    pub tool: ToolCase,
    /// What is planted.
    pub perturbation: Perturbation,
    /// Chooses the target student, parent, class and the details of the perturbation.
    pub pick: u64,
    /// Case, space and accent noise in the inputs.
    pub input_noise: bool,
    /// Case, space and accent noise in the platform's copies of the target's records.
    pub data_noise: bool,
}

/// District sizes the harness draws from.
pub const SIZES: [usize; 3] = [40, 90, 160];
/// District seeds the harness draws from (a few, so generated districts are reused).
pub const DISTRICT_SEEDS: u64 = 12;

impl CaseSpec {
    /// The case of a seed.
    #[must_use]
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let all = Perturbation::all();
        let perturbation = *rng.pick(&all);
        let tool = *rng.pick(perturbation.tools());
        Self {
            students: *rng.pick(&SIZES),
            district_seed: rng.next_u64() % DISTRICT_SEEDS,
            tool,
            perturbation,
            pick: rng.next_u64(),
            input_noise: rng.chance(500),
            data_noise: rng.chance(500),
        }
    }

    /// Simpler variants of this case, simplest first, for shrinking a failure.
    #[must_use]
    pub fn simpler(&self) -> Vec<Self> {
        let mut out = Vec::new();
        if self.input_noise {
            out.push(Self {
                input_noise: false,
                ..self.clone()
            });
        }
        if self.data_noise {
            out.push(Self {
                data_noise: false,
                ..self.clone()
            });
        }
        for &students in SIZES.iter().filter(|&&s| s < self.students) {
            out.push(Self {
                students,
                ..self.clone()
            });
        }
        for seed in 0..self.district_seed {
            out.push(Self {
                district_seed: seed,
                ..self.clone()
            });
        }
        for pick in 0..self.pick.min(4) {
            out.push(Self { pick, ..self.clone() });
        }
        out
    }
}
