//! The plugin's view of the case document: only the tables and fields it reads, with
//! strings borrowed from the document where they hold no JSON escape (`Cow`), so a
//! run copies almost nothing (serde borrows a field only when its type is spelled
//! `Cow<'a, str>`: an alias would make it copy). Unknown fields are ignored and
//! missing ones default, as the interface asks (`docs/plugin-interface.md`).
//!
//! Under test nothing defaults: every field read here must be in the case document the
//! host writes (`cdt-wasm/tests/golden/case.json`), so a field the host renames fails
//! the tests instead of reading as empty.

use std::borrow::Cow;

use serde::Deserialize;

/// The case, cut down to what this plugin uses.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Case<'a> {
    /// The inputs.
    #[serde(borrow)]
    pub inputs: Inputs<'a>,
    /// Today (`YYYY-MM-DD`).
    #[serde(borrow)]
    pub today: Cow<'a, str>,
    /// The SIS side.
    #[serde(borrow)]
    pub source: Source<'a>,
    /// The Bookmarked side.
    #[serde(borrow)]
    pub platform: Platform<'a>,
}

/// The plugin's inputs.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Inputs<'a> {
    /// The student's name.
    #[serde(borrow)]
    pub student_name: Option<Cow<'a, str>>,
}

/// The SIS tables this plugin reads.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Source<'a> {
    /// Orgs: names of schools.
    #[serde(borrow)]
    pub orgs: Vec<Named<'a>>,
    /// Users: the student.
    #[serde(borrow)]
    pub users: Vec<User<'a>>,
    /// Classes: their schools.
    #[serde(borrow)]
    pub classes: Vec<Class<'a>>,
    /// Enrollments.
    #[serde(borrow)]
    pub enrollments: Vec<Enrollment<'a>>,
}

/// An SIS org.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Named<'a> {
    /// `sourcedId`.
    #[serde(borrow)]
    pub sourced_id: Cow<'a, str>,
    /// Name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

/// One role of an SIS user.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Role<'a> {
    /// `student`, `guardian`…
    #[serde(borrow)]
    pub role: Cow<'a, str>,
}

/// An SIS user.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct User<'a> {
    /// `sourcedId`.
    #[serde(borrow)]
    pub sourced_id: Cow<'a, str>,
    /// Roles.
    #[serde(borrow)]
    pub roles: Vec<Role<'a>>,
    /// Given name.
    #[serde(borrow)]
    pub given_name: Cow<'a, str>,
    /// Family name.
    #[serde(borrow)]
    pub family_name: Cow<'a, str>,
}

impl User<'_> {
    /// Whether the user holds this role anywhere.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.role.eq_ignore_ascii_case(role))
    }
}

/// An SIS class.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Class<'a> {
    /// `sourcedId`.
    #[serde(borrow)]
    pub sourced_id: Cow<'a, str>,
    /// Its school.
    #[serde(borrow)]
    pub school_sourced_id: Cow<'a, str>,
}

/// An SIS enrollment.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Enrollment<'a> {
    /// `sourcedId`.
    #[serde(borrow)]
    pub sourced_id: Cow<'a, str>,
    /// Status.
    #[serde(borrow)]
    pub status: Cow<'a, str>,
    /// The class.
    #[serde(borrow)]
    pub class_sourced_id: Cow<'a, str>,
    /// The school.
    #[serde(borrow)]
    pub school_sourced_id: Cow<'a, str>,
    /// The user.
    #[serde(borrow)]
    pub user_sourced_id: Cow<'a, str>,
    /// `YYYY-MM-DD`.
    #[cfg_attr(not(test), serde(borrow))]
    #[cfg_attr(test, serde(deserialize_with = "present"))]
    pub begin_date: Option<Cow<'a, str>>,
    /// `YYYY-MM-DD`.
    #[cfg_attr(not(test), serde(borrow))]
    #[cfg_attr(test, serde(deserialize_with = "present"))]
    pub end_date: Option<Cow<'a, str>>,
}

impl Enrollment<'_> {
    /// Whether it is active on `today`: status active, begun and not ended.
    pub fn is_current(&self, today: &str) -> bool {
        self.status == "active"
            && self.begin_date.as_deref().is_none_or(|d| d <= today)
            && self.end_date.as_deref().is_none_or(|d| d >= today)
    }
}

/// The Bookmarked tables this plugin reads.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Platform<'a> {
    /// Organizations: names of schools.
    #[serde(borrow)]
    pub organizations: Vec<Organization<'a>>,
    /// Students.
    #[serde(borrow)]
    pub students: Vec<Student<'a>>,
    /// Classes.
    #[serde(borrow)]
    pub classes: Vec<PlatformClass<'a>>,
    /// Enrollments.
    #[serde(borrow)]
    pub enrollments: Vec<PlatformEnrollment<'a>>,
}

/// A Bookmarked organization.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Organization<'a> {
    /// Bookmarked id.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
}

/// A Bookmarked student.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct Student<'a> {
    /// Bookmarked id.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// The SIS `sourcedId`.
    #[serde(borrow)]
    pub sourced_id: Cow<'a, str>,
    /// First name.
    #[serde(borrow)]
    pub first_name: Cow<'a, str>,
    /// Last name.
    #[serde(borrow)]
    pub last_name: Cow<'a, str>,
}

/// A Bookmarked class.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct PlatformClass<'a> {
    /// Bookmarked id.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// Its school's Bookmarked id.
    #[serde(borrow)]
    pub organization_id: Cow<'a, str>,
    /// `active` or `deleted`.
    #[serde(borrow)]
    pub status: Cow<'a, str>,
}

/// A Bookmarked enrollment.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(not(test), serde(default))]
pub struct PlatformEnrollment<'a> {
    /// Bookmarked id.
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    /// The class's Bookmarked id.
    #[serde(borrow)]
    pub class_id: Cow<'a, str>,
    /// The user's Bookmarked id.
    #[serde(borrow)]
    pub user_id: Cow<'a, str>,
    /// `active` or `deleted`.
    #[serde(borrow)]
    pub status: Cow<'a, str>,
}

/// A nullable field that must still be present (serde lets an absent `Option` be
/// `None` unless it is read through a function).
#[cfg(test)]
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = include_str!("../../../../cdt-wasm/tests/golden/case.json");

    #[test]
    fn every_field_of_the_view_is_in_the_hosts_case_document() {
        let case: Case<'_> = serde_json::from_str(GOLDEN).unwrap_or_else(|e| {
            panic!("the view reads a field the host does not write (cdt-wasm/tests/golden/case.json): {e}")
        });
        assert!(!case.platform.enrollments.is_empty() && !case.source.enrollments.is_empty());
        assert!(case.source.users.iter().all(|u| !u.sourced_id.is_empty()));
        let mut renamed: serde_json::Value = serde_json::from_str(GOLDEN).unwrap();
        renamed["source"]["enrollments"][0]
            .as_object_mut()
            .unwrap()
            .remove("end_date");
        let text = renamed.to_string();
        let err = serde_json::from_str::<Case<'_>>(&text).unwrap_err().to_string();
        assert!(err.contains("missing field `end_date`"), "{err}");
    }
}
