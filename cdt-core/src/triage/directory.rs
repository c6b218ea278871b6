//! The district's own names, to ground what a ticket says: its students, guardians and
//! staff (with emails and family links), its schools (with the short forms people
//! write) and its classes. Built once from a [`Roster`]; looking up a word is a hash
//! lookup, and a word one letter off (a typo) is found through an index of one-letter
//! deletions.

use std::collections::{BTreeSet, HashMap};

use crate::matching::{normalize_email, tokens};
use crate::roster::{RecordStatus, Role, Roster};

/// What a person is to the district.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A student.
    Student,
    /// A parent, guardian or relative.
    Guardian,
    /// Staff: teachers, administrators and the rest.
    Staff,
}

/// One person of the district.
#[derive(Clone, Debug)]
pub struct Person {
    /// SIS `sourcedId`.
    pub sourced_id: String,
    /// What they are.
    pub kind: Kind,
    /// The name as the district writes it: `Given Family`.
    pub display: String,
    /// Given-name tokens.
    pub given: Vec<String>,
    /// Preferred-name tokens.
    pub preferred: Vec<String>,
    /// Middle-name tokens.
    pub middle: Vec<String>,
    /// Family-name tokens.
    pub family: Vec<String>,
    /// Their email, normalised.
    pub email: Option<String>,
    /// The orgs (schools) they belong to.
    pub orgs: Vec<String>,
    /// Linked people (children of a guardian, guardians of a student), both link
    /// directions of the SIS.
    pub links: BTreeSet<usize>,
    /// Whether the record is live.
    pub active: bool,
}

/// A school, with the forms people write it in.
#[derive(Clone, Debug)]
pub struct School {
    /// SIS `sourcedId`.
    pub sourced_id: String,
    /// Its name as the district writes it.
    pub name: String,
    /// Token sequences that name it: the whole name, the name without its kind
    /// (`silver valley`), with an abbreviated kind (`silver valley ms`), its initials
    /// (`svms`). A short form shared by two schools is dropped.
    pub forms: Vec<Vec<String>>,
}

/// A class.
#[derive(Clone, Debug)]
pub struct ClassEntry {
    /// SIS `sourcedId`.
    pub sourced_id: String,
    /// Its title as the district writes it.
    pub title: String,
    /// The title's tokens.
    pub tokens: Vec<String>,
    /// Its school's `sourcedId`.
    pub school: String,
}

/// The district's names.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// People.
    pub people: Vec<Person>,
    /// Schools.
    pub schools: Vec<School>,
    /// Classes.
    pub classes: Vec<ClassEntry>,
    by_token: HashMap<String, Vec<usize>>,
    by_deletion: HashMap<String, BTreeSet<String>>,
    by_email: HashMap<String, Vec<usize>>,
}

const SCHOOL_KINDS: &[(&[&str], &[&str])] = &[
    (&["elementary", "school"], &["es", "elementary"]),
    (&["middle", "school"], &["ms", "middle"]),
    (&["high", "school"], &["hs", "high"]),
    (&["junior", "high", "school"], &["jhs", "junior", "high"]),
    (&["elementary"], &["es"]),
    (&["academy"], &[]),
    (&["school"], &[]),
];

/// The shortest name token indexed for typos: shorter names must be written right.
const MIN_FUZZY_LEN: usize = 4;

impl Directory {
    /// Builds the directory of a roster.
    #[must_use]
    pub fn from_roster(roster: &Roster) -> Self {
        let mut dir = Directory::default();
        let mut index_of: HashMap<&str, usize> = HashMap::new();
        for user in &roster.users {
            let kind = if user.roles.iter().any(|r| r.role == Role::Student) {
                Kind::Student
            } else if user
                .roles
                .iter()
                .any(|r| matches!(r.role, Role::Parent | Role::Guardian | Role::Relative))
            {
                Kind::Guardian
            } else {
                Kind::Staff
            };
            let display = format!("{} {}", user.given_name.trim(), user.family_name.trim());
            index_of.insert(&user.sourced_id, dir.people.len());
            dir.people.push(Person {
                sourced_id: user.sourced_id.clone(),
                kind,
                display,
                given: tokens(&user.given_name),
                preferred: user.preferred_given_name.as_deref().map(tokens).unwrap_or_default(),
                middle: user.middle_name.as_deref().map(tokens).unwrap_or_default(),
                family: tokens(&user.family_name),
                email: user.email.as_deref().map(normalize_email).filter(|e| !e.is_empty()),
                orgs: user.roles.iter().map(|r| r.org_sourced_id.clone()).collect(),
                links: BTreeSet::new(),
                active: user.status == RecordStatus::Active && user.enabled,
            });
        }
        for (i, user) in roster.users.iter().enumerate() {
            for agent in &user.agent_sourced_ids {
                if let Some(&j) = index_of.get(agent.as_str()) {
                    dir.people[i].links.insert(j);
                    dir.people[j].links.insert(i);
                }
            }
        }
        for (i, p) in dir.people.iter().enumerate() {
            for t in p.given.iter().chain(&p.preferred).chain(&p.middle).chain(&p.family) {
                let e = dir.by_token.entry(t.clone()).or_default();
                if e.last() != Some(&i) {
                    e.push(i);
                }
                if t.chars().count() >= MIN_FUZZY_LEN {
                    for d in deletions(t) {
                        dir.by_deletion.entry(d).or_default().insert(t.clone());
                    }
                }
            }
            if let Some(email) = &p.email {
                dir.by_email.entry(email.clone()).or_default().push(i);
            }
        }
        dir.schools = schools(roster);
        dir.classes = roster
            .classes
            .iter()
            .map(|c| ClassEntry {
                sourced_id: c.sourced_id.clone(),
                title: c.title.clone(),
                tokens: tokens(&c.title),
                school: c.school_sourced_id.clone(),
            })
            .filter(|c| !c.tokens.is_empty())
            .collect();
        dir
    }

    /// People with this exact name token.
    #[must_use]
    pub fn with_token(&self, token: &str) -> &[usize] {
        self.by_token.get(token).map_or(&[], Vec::as_slice)
    }

    /// Name tokens one edit (a letter added, dropped, changed, or two swapped) from
    /// `word`, for words of at least four letters.
    #[must_use]
    pub fn near_tokens(&self, word: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if word.chars().count() < MIN_FUZZY_LEN {
            return out;
        }
        // The word is a name with a letter dropped.
        if let Some(found) = self.by_deletion.get(word) {
            out.extend(found.iter().cloned());
        }
        for d in deletions(word) {
            // The word has a letter too many.
            if self.by_token.contains_key(&d) {
                out.insert(d.clone());
            }
            // A letter changed or two swapped.
            if let Some(found) = self.by_deletion.get(&d) {
                out.extend(found.iter().cloned());
            }
        }
        out.retain(|t| t != word && within_one_edit(word, t));
        out
    }

    /// People with this email (normalised).
    #[must_use]
    pub fn with_email(&self, email: &str) -> &[usize] {
        self.by_email.get(&normalize_email(email)).map_or(&[], Vec::as_slice)
    }

    /// The school with this `sourcedId`.
    #[must_use]
    pub fn school(&self, sourced_id: &str) -> Option<&School> {
        self.schools.iter().find(|s| s.sourced_id == sourced_id)
    }
}

fn schools(roster: &Roster) -> Vec<School> {
    let mut schools: Vec<School> = roster
        .orgs
        .iter()
        .filter(|o| o.org_type.eq_ignore_ascii_case("school"))
        .map(|o| {
            let whole = tokens(&o.name);
            let mut forms = vec![whole.clone()];
            for (kind, short) in SCHOOL_KINDS {
                if whole.len() > kind.len()
                    && whole.ends_with(&kind.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
                {
                    let stem = &whole[..whole.len() - kind.len()];
                    forms.push(stem.to_vec());
                    for s in *short {
                        forms.push([stem, &[(*s).to_owned()]].concat());
                    }
                    break;
                }
            }
            if whole.len() >= 3 {
                let initials: String = whole.iter().filter_map(|w| w.chars().next()).collect();
                forms.push(vec![initials]);
            }
            forms.dedup();
            School {
                sourced_id: o.sourced_id.clone(),
                name: o.name.clone(),
                forms,
            }
        })
        .collect();
    // A short form two schools share names neither.
    let mut count: HashMap<Vec<String>, usize> = HashMap::new();
    for s in &schools {
        for f in &s.forms {
            *count.entry(f.clone()).or_default() += 1;
        }
    }
    for s in &mut schools {
        let whole = s.forms[0].clone();
        s.forms.retain(|f| *f == whole || count.get(f) == Some(&1));
    }
    schools
}

/// Every string made by dropping one character.
fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len())
        .map(|i| chars[..i].iter().chain(&chars[i + 1..]).collect())
        .collect()
}

/// Whether two words are at most one edit apart (insert, delete, substitute, swap).
#[must_use]
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let suffix = ra.iter().rev().zip(rb.iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (
        &ra[..ra.len() - suffix.min(ra.len())],
        &rb[..rb.len() - suffix.min(rb.len())],
    );
    match (ma.len(), mb.len()) {
        (0 | 1, 0 | 1) => true,
        (2, 2) => ma[0] == mb[1] && ma[1] == mb[0],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_is_an_insert_a_drop_a_change_or_a_swap() {
        for (a, b) in [
            ("quispe", "quizpe"),
            ("quispe", "quispee"),
            ("quispe", "qispe"),
            ("quispe", "qusipe"),
        ] {
            assert!(within_one_edit(a, b), "{a} {b}");
        }
        for (a, b) in [("quispe", "quizpee"), ("mateo", "matteoo"), ("ana", "anna ")] {
            assert!(!within_one_edit(a, b), "{a} {b}");
        }
        assert!(within_one_edit("anna", "anna"));
    }
}
