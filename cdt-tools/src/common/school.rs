//! Schools as both sides know them.

use cdt_core::matching::same_text;
use cdt_core::platform::{Organization, PlatformData};
use cdt_core::roster::{Org, Roster};
use cdt_core::{Case, Error, Result};
use serde_json::{Value, json};

/// A school as both sides know it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct School<'a> {
    /// The SIS org, if the SIS has it.
    pub(crate) sis: Option<&'a Org>,
    /// The platform organization, if the platform has it.
    pub(crate) bm: Option<&'a Organization>,
}

impl School<'_> {
    /// The school's name, from the SIS if it has it.
    pub(crate) fn name(&self) -> &str {
        self.sis
            .map(|o| o.name.as_str())
            .or(self.bm.map(|o| o.name.as_str()))
            .unwrap_or("?")
    }

    /// The SIS `sourcedId` (the platform's `sourced_id` when only it has the school).
    pub(crate) fn sourced_id(&self) -> Option<&str> {
        self.sis
            .map(|o| o.sourced_id.as_str())
            .or(self.bm.map(|o| o.sourced_id.as_str()))
    }

    /// The platform organization id.
    pub(crate) fn bm_id(&self) -> Option<&str> {
        self.bm.map(|o| o.id.as_str())
    }

    /// Whether an SIS org `sourcedId` is this school.
    pub(crate) fn is_sis(&self, sid: &str) -> bool {
        self.sourced_id().is_some_and(|s| s == sid)
    }

    /// Whether a platform organization id is this school.
    pub(crate) fn is_bm(&self, id: &str) -> bool {
        self.bm_id().is_some_and(|b| b == id)
    }

    /// The school as JSON.
    pub(crate) fn json(&self) -> Value {
        json!({
            "name": self.name(),
            "sourcedId": self.sourced_id(),
            "identifier": self.sis.and_then(|o| o.identifier.as_deref()),
            "bookmarked_id": self.bm_id(),
        })
    }
}

/// Finds a school by name (normalized), `sourcedId` or identifier among the SIS orgs, and
/// on the platform by `sourced_id`, then by name. An unknown or ambiguous school is an
/// input error naming the district's schools.
pub(crate) fn find_school<'a>(case: &'a Case, input: &str, query: &str) -> Result<School<'a>> {
    let q = query.trim();
    let orgs: Vec<&Org> = case
        .source
        .orgs
        .iter()
        .filter(|o| {
            same_text(&o.name, q)
                || o.sourced_id == q
                || o.identifier
                    .as_deref()
                    .is_some_and(|i| i.trim().eq_ignore_ascii_case(q))
        })
        .collect();
    let schools: Vec<&Org> = orgs.iter().copied().filter(|o| o.is_school()).collect();
    let orgs = if schools.is_empty() { orgs } else { schools };
    if orgs.len() > 1 {
        let names: Vec<String> = orgs.iter().map(|o| format!("{} ({})", o.name, o.sourced_id)).collect();
        return Err(Error::input(
            input,
            format!(
                "`{q}` matches several schools: {}; give the sourcedId",
                names.join(", ")
            ),
        ));
    }
    let sis = orgs.first().copied();
    let bm = match sis {
        Some(o) => case
            .platform
            .organizations
            .iter()
            .find(|b| b.sourced_id == o.sourced_id)
            .or_else(|| case.platform.organizations.iter().find(|b| same_text(&b.name, &o.name))),
        None => case
            .platform
            .organizations
            .iter()
            .find(|b| b.sourced_id == q || b.id == q || same_text(&b.name, q)),
    };
    if sis.is_none() && bm.is_none() {
        return Err(Error::input(
            input,
            format!(
                "no school named `{q}`; the district's schools are: {}",
                school_list(case)
            ),
        ));
    }
    Ok(School { sis, bm })
}

/// The district's schools, for error messages.
fn school_list(case: &Case) -> String {
    let mut names: Vec<String> = case
        .source
        .orgs
        .iter()
        .filter(|o| o.is_school())
        .map(|o| format!("{} ({})", o.name, o.sourced_id))
        .collect();
    if names.is_empty() {
        names = case
            .platform
            .organizations
            .iter()
            .filter(|o| o.org_type.eq_ignore_ascii_case("school"))
            .map(|o| format!("{} ({})", o.name, o.sourced_id))
            .collect();
    }
    if names.is_empty() {
        "(none known)".to_owned()
    } else {
        names.join(", ")
    }
}

/// The name of an SIS org, or its id when unknown.
pub(crate) fn sis_org_name<'a>(roster: &'a Roster, sid: &'a str) -> &'a str {
    roster.org(sid).map_or(sid, |o| o.name.as_str())
}

/// The name of a platform organization, or its id when unknown.
pub(crate) fn bm_org_name<'a>(pf: &'a PlatformData, id: &'a str) -> &'a str {
    pf.organization(id).map_or(id, |o| o.name.as_str())
}
