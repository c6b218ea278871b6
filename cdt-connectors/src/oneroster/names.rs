//! Which OneRoster file a file of a bundle is, from its name.
//!
//! The specification names files exactly (`users.csv`). SIS and vendor exports often
//! do not: the case differs (`Users.csv`), or a date, a district or a product is added
//! before or after the name (`users-2025-11-16.csv`, `users_20251116_district.csv`,
//! `OneRoster_users.csv`). Such a file is recognised with a warning; a name that could
//! be two OneRoster files, or two files that could be one, are refused by the caller.

use super::spec::{OTHER_FILES, Table};

/// What a file name was recognised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    /// `manifest.csv`.
    Manifest,
    /// A rostering file `cdt` reads.
    Table(Table),
    /// A file OneRoster defines that `cdt` does not read (`resources.csv`…).
    Other(&'static str),
}

impl Known {
    /// The name the specification gives the file.
    pub(crate) fn file_name(self) -> String {
        match self {
            Self::Manifest => "manifest.csv".into(),
            Self::Table(t) => t.file_name(),
            Self::Other(stem) => format!("{stem}.csv"),
        }
    }

    fn stem(self) -> &'static str {
        match self {
            Self::Manifest => "manifest",
            Self::Table(t) => t.stem(),
            Self::Other(stem) => stem,
        }
    }
}

/// How closely a file name matches the specification's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Match {
    /// Exactly the specification's name.
    Exact,
    /// The specification's name in other case (`Users.csv`).
    Case,
    /// The specification's name with something added (`users-2025-11-16.csv`).
    Affixed,
}

fn all_known() -> impl Iterator<Item = Known> {
    std::iter::once(Known::Manifest)
        .chain(Table::ALL.into_iter().map(Known::Table))
        .chain(
            OTHER_FILES
                .iter()
                .filter(|f| **f != "manifest")
                .map(|f| Known::Other(f)),
        )
}

/// What a CSV file name is, and how closely it matches; `None` when it is no
/// OneRoster file, or could be several.
pub(crate) fn recognise(name: &str) -> Option<(Known, Match)> {
    let stem = name
        .len()
        .checked_sub(4)
        .filter(|&n| name.is_char_boundary(n) && name[n..].eq_ignore_ascii_case(".csv"))
        .map_or(name, |n| &name[..n]);
    if let Some(k) = all_known().find(|k| k.stem().eq_ignore_ascii_case(stem)) {
        let m = if k.stem() == stem { Match::Exact } else { Match::Case };
        return Some((k, m));
    }
    // A name with words added: the words are split on `-`, `_`, `.` and spaces, and
    // exactly one of them must be a OneRoster file's name.
    let mut found = None;
    for word in stem.split(['-', '_', '.', ' ']).filter(|w| !w.is_empty()) {
        if let Some(k) = all_known().find(|k| k.stem().eq_ignore_ascii_case(word)) {
            match found {
                None => found = Some(k),
                Some(f) if f == k => {}
                Some(_) => return None,
            }
        }
    }
    found.map(|k| (k, Match::Affixed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_recognised_exactly_in_other_case_or_with_words_added() {
        assert_eq!(recognise("users.csv"), Some((Known::Table(Table::Users), Match::Exact)));
        assert_eq!(recognise("Users.CSV"), Some((Known::Table(Table::Users), Match::Case)));
        assert_eq!(
            recognise("academicsessions.csv"),
            Some((Known::Table(Table::AcademicSessions), Match::Case))
        );
        for name in [
            "users-2025-11-16.csv",
            "users_20251116_district.csv",
            "OneRoster_users.csv",
            "2025.11.16 users.csv",
        ] {
            assert_eq!(
                recognise(name),
                Some((Known::Table(Table::Users), Match::Affixed)),
                "{name}"
            );
        }
        assert_eq!(recognise("Manifest.csv"), Some((Known::Manifest, Match::Case)));
        assert_eq!(
            recognise("resources.csv"),
            Some((Known::Other("resources"), Match::Exact))
        );
        assert_eq!(recognise("students.csv"), None);
        assert_eq!(recognise("users_classes.csv"), None, "two files in one name");
        assert_eq!(recognise("superusers.csv"), None);
    }
}
